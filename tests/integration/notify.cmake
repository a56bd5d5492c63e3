# portcullis status / notify against temporary run directories, a last-refusal written by the
# agent's own status_write_last_refusal(), and a private dbus-daemon with a fake notification
# service (and fake systemd unit state). Needs dbus-daemon (Debian package dbus-daemon).
add_executable(notify_write_refusal ${CMAKE_CURRENT_LIST_DIR}/notify_write_refusal.c)
target_link_libraries(notify_write_refusal PRIVATE pc_agent)
add_executable(notify_fake_bus ${CMAKE_CURRENT_LIST_DIR}/notify_fake_bus.c)
target_link_libraries(notify_fake_bus PRIVATE PkgConfig::SYSTEMD)

add_test(NAME integration/notify COMMAND ${CMAKE_CURRENT_LIST_DIR}/test_notify.sh
         $<TARGET_FILE:portcullis> $<TARGET_FILE:notify_write_refusal>
         $<TARGET_FILE:notify_fake_bus>)
set_tests_properties(integration/notify PROPERTIES LABELS integration TIMEOUT 300)
