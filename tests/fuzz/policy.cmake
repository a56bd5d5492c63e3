# Policy text → struct policy → evaluation (index checked against the linear scan).
pc_add_fuzzer(fuzz_policy_load SOURCES ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_policy_load.c LIBS pc_policy)
