# portcullisd: decision latency (in-process agent on a umockdev testbed) and the daemon's idle
# RSS / wake-ups. Needs umockdev (a test dependency) and runs under its preload.
if(TARGET PkgConfig::UMOCKDEV AND TARGET portcullisd)
    if(NOT TARGET pc_testsupport)
        add_subdirectory(${PROJECT_SOURCE_DIR}/tests/support ${CMAKE_BINARY_DIR}/tests/support)
    endif()
    add_executable(bench_agent_latency ${CMAKE_CURRENT_LIST_DIR}/bench_agent_latency.c)
    target_link_libraries(bench_agent_latency PRIVATE pc_agent pc_testsupport PkgConfig::UMOCKDEV)
    target_compile_definitions(bench_agent_latency PRIVATE
        PORTCULLISD_PATH="$<TARGET_FILE:portcullisd>")
    add_custom_command(TARGET bench POST_BUILD
        COMMAND ${CMAKE_COMMAND} -E env LD_PRELOAD=libumockdev-preload.so.0
                $<TARGET_FILE:bench_agent_latency>
        VERBATIM)
    add_dependencies(bench bench_agent_latency portcullisd)
endif()
