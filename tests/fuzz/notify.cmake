# The agent's last-refusal record as read by "portcullis status" and "portcullis notify".
pc_add_fuzzer(fuzz_refusal SOURCES ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_refusal.c LIBS pc_notify)
