# trust/: pure readers (keys, signatures, key_id scanner) and the signed policy store.
pc_add_check(check_trust_pure
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_trust_pure.c ${CMAKE_CURRENT_LIST_DIR}/check_trust_util.c
    LIBS pc_trust)
pc_add_check(check_trust_store
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_trust_store.c ${CMAKE_CURRENT_LIST_DIR}/check_trust_util.c
    LIBS pc_trust)
# The "policy" CLI commands in-process (cmd_devices() is a recorder inside the test).
pc_add_check(check_trust_cli
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_trust_cli.c ${CMAKE_CURRENT_LIST_DIR}/check_trust_util.c
            ${PROJECT_SOURCE_DIR}/cli/cmd_policy.c ${PROJECT_SOURCE_DIR}/cli/cmd_policy_check.c
    LIBS pc_trust)
