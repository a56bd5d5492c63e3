# agent/status.c (the <run_dir>/status and refusals files the agent writes) read back by
# notify/refusal*.c (what "portcullis status" shows).
pc_add_check(check_agent_status SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_agent_status.c
             LIBS pc_agent pc_notify)
