# Upstream delivery: codecs, spool (with injected I/O faults) and config.
pc_add_check(check_spool_record SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_spool_record.c LIBS pc_uplink_core)
pc_add_check(check_syslog_frame SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_syslog_frame.c LIBS pc_uplink_core)
pc_add_check(check_uplink_proto SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_uplink_proto.c LIBS pc_uplink_core)
pc_add_check(check_spool SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_spool.c LIBS pc_uplink)
pc_add_check(check_uplink_config SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_uplink_config.c LIBS pc_uplink)
target_compile_definitions(check_uplink_config PRIVATE EXAMPLES_DIR="${PROJECT_SOURCE_DIR}/examples")
pc_add_check(check_uplink_api SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_uplink_api.c LIBS pc_uplink)
