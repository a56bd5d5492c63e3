# The agent's <run_dir>/status and refusals files as read by "portcullis status".
pc_add_fuzzer(fuzz_agent_status SOURCES ${PROJECT_SOURCE_DIR}/tests/fuzz/fuzz_agent_status.c
              LIBS pc_notify)
