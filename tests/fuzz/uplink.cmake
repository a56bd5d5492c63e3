# Upstream delivery parsers: spool segments (recovery) and the parent/child messages + RELP responses.
pc_add_fuzzer(fuzz_spool_record SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_spool_record.c LIBS pc_uplink_core)
pc_add_fuzzer(fuzz_uplink_proto SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_uplink_proto.c LIBS pc_uplink_core)
