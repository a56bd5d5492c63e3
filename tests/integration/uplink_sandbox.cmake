# The seccomp filter of portcullis-uplink: execve under the filter ends in SIGSYS, a running child
# shows "Seccomp: 2", and TLS by host name (/etc/hosts) and a resolver lookup work under it.
# Skips (77) without root, and in a sanitizer build (the child runs unfiltered there).
add_test(NAME integration/uplink-sandbox
         COMMAND ${CMAKE_CURRENT_LIST_DIR}/uplink-sandbox.py $<TARGET_FILE:portcullis-uplink>)
set_tests_properties(integration/uplink-sandbox PROPERTIES LABELS integration
                     SKIP_RETURN_CODE 77 TIMEOUT 120)
