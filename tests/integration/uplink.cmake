# Upstream delivery against a real rsyslog (syslog+TLS, RELP+TLS, outage, SIGKILL, spool full,
# wrong CA). Skips (exit 77) only when rsyslogd is not installed.
add_executable(uplink_driver ${CMAKE_CURRENT_LIST_DIR}/uplink_driver.c)
target_link_libraries(uplink_driver PRIVATE pc_uplink)
add_dependencies(uplink_driver portcullis-uplink)
pc_add_script_test(uplink-rsyslog ${CMAKE_CURRENT_LIST_DIR}/uplink-rsyslog.sh)
set_tests_properties(integration/uplink-rsyslog PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 600)
