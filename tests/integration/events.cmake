# events/: the incident log and recorder on real files in temporary directories, with injected
# I/O faults. No umockdev needed (no sysfs), so plain Check executables.
add_executable(check_incident_log ${CMAKE_CURRENT_LIST_DIR}/check_incident_log.c
               ${PROJECT_SOURCE_DIR}/tests/unit/events_fixture.c)
target_include_directories(check_incident_log PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
target_link_libraries(check_incident_log PRIVATE pc_events PkgConfig::CHECK)
add_test(NAME integration/check_incident_log COMMAND check_incident_log)
set_tests_properties(integration/check_incident_log PROPERTIES LABELS integration
    ENVIRONMENT "CK_DEFAULT_TIMEOUT=120")

# "portcullis log" end to end: a helper writes a real log, the script verifies, tampers with it
# in each way a reviewer must catch, and checks show/export output (escaping, CSV quoting).
add_executable(events_mklog ${CMAKE_CURRENT_LIST_DIR}/events_mklog.c
               ${PROJECT_SOURCE_DIR}/tests/unit/events_fixture.c)
target_include_directories(events_mklog PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
target_link_libraries(events_mklog PRIVATE pc_events)
add_test(NAME integration/events_cli COMMAND ${CMAKE_CURRENT_LIST_DIR}/events_cli.sh
         $<TARGET_FILE:events_mklog> $<TARGET_FILE:portcullis>)
set_tests_properties(integration/events_cli PROPERTIES LABELS integration)
