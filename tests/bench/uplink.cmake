# Upstream delivery: durable records/s into the spool, and delivered records/s to a local rsyslog
# (RELP+TLS and syslog+TLS; needs rsyslogd and the test driver, skipped otherwise).
pc_add_bench(bench_spool SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_spool.c LIBS pc_uplink)
if(TARGET uplink_driver)
    add_custom_command(TARGET bench POST_BUILD
        COMMAND ${CMAKE_COMMAND} -E env BUILD_DIR=${CMAKE_BINARY_DIR}
                ${CMAKE_CURRENT_LIST_DIR}/bench_uplink_delivery.sh
        VERBATIM)
    add_dependencies(bench uplink_driver portcullis-uplink)
endif()
