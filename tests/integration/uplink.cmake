# Upstream delivery against a real rsyslog (syslog+TLS, RELP+TLS, outage, SIGKILL, spool full,
# wrong CA). Skips (exit 77) only when rsyslogd is not installed.
add_executable(uplink_driver ${CMAKE_CURRENT_LIST_DIR}/uplink_driver.c)
target_link_libraries(uplink_driver PRIVATE pc_uplink)
add_dependencies(uplink_driver portcullis-uplink)
pc_add_script_test(uplink-rsyslog ${CMAKE_CURRENT_LIST_DIR}/uplink-rsyslog.sh)
set_tests_properties(integration/uplink-rsyslog PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)

# The child's own exits: a malformed message from the agent (status 1), the agent gone (status 0).
add_test(NAME integration/uplink-child-exit
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/uplink-child-exit.py $<TARGET_FILE:portcullis-uplink>)
set_tests_properties(integration/uplink-child-exit PROPERTIES LABELS integration
                     SKIP_RETURN_CODE 77 TIMEOUT 120)
