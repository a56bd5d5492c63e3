# Policy language: loader (good/bad corpora in tests/data/policies) and evaluation.
pc_add_check(check_policy_load SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/check_policy_load.c LIBS pc_policy)
pc_add_check(check_policy_eval SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/check_policy_eval.c LIBS pc_policy)
# "portcullis policy check", linked in-process (the subcommand file, not the whole CLI).
pc_add_check(check_policy_cli SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/check_policy_cli.c
             ${PROJECT_SOURCE_DIR}/cli/cmd_policy_check.c LIBS pc_policy)
