# Policy language: loader (good/bad corpora in tests/data/policies) and evaluation.
pc_add_check(check_policy_load SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/check_policy_load.c LIBS pc_policy)
pc_add_check(check_policy_eval SOURCES ${PROJECT_SOURCE_DIR}/tests/unit/check_policy_eval.c LIBS pc_policy)
