# notify/refusal.c: the agent's last-refusal record, parsed and worded (pure).
pc_add_check(check_refusal SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_refusal.c LIBS pc_notify)
