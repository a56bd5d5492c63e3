# portcullisd (agent/) under umockdev: the agent library driven in-process by Check suites.
if(NOT TARGET pc_testsupport)
    add_subdirectory(${PROJECT_SOURCE_DIR}/tests/support ${CMAKE_BINARY_DIR}/tests/support)
endif()

add_library(pc_agent_harness STATIC ${CMAKE_CURRENT_LIST_DIR}/check_agent_harness.c)
target_link_libraries(pc_agent_harness PUBLIC pc_agent pc_testsupport PkgConfig::CHECK)

foreach(t check_agent_hotplug check_agent_lifecycle check_agent_burst check_agent_settings)
    pc_add_umockdev_test(${t} SOURCES ${CMAKE_CURRENT_LIST_DIR}/${t}.c LIBS pc_agent_harness)
endforeach()

if(TARGET portcullisd)
    pc_add_script_test(agent_once ${CMAKE_CURRENT_LIST_DIR}/test_agent_once.sh)
    if(TARGET portcullis)
        pc_add_script_test(agent_signed ${CMAKE_CURRENT_LIST_DIR}/test_agent_signed.sh)
    endif()
endif()

# 1,000 emulated devices: umockdev needs 5-50 ms to create each one (tmpfs vs. ext4 testbed).
set_tests_properties(integration/check_agent_burst PROPERTIES TIMEOUT 900)
