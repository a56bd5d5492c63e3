# sysfs reader (sysfs/usb_sysfs.c), "portcullis devices" and the umockdev test-support library.
if(NOT TARGET pc_testsupport)
    add_subdirectory(${PROJECT_SOURCE_DIR}/tests/support ${CMAKE_BINARY_DIR}/tests/support)
endif()

pc_add_umockdev_test(check_usb_sysfs
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_usb_sysfs.c
    LIBS pc_sysfs pc_testsupport)

# endpoint-0 hints: the parsers (pure) and the shell's failure path (umockdev has no control
# transfers; the success path is exercised in the VM)
pc_add_umockdev_test(check_usb_ep0
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_usb_ep0.c
    LIBS pc_sysfs pc_testsupport)

pc_add_umockdev_test(check_testsupport
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_testsupport.c
    LIBS pc_testsupport PkgConfig::UDEV)

if(TARGET portcullis AND EXISTS ${CMAKE_CURRENT_LIST_DIR}/test_cli_devices.sh)
    pc_add_script_test(cli_devices ${CMAKE_CURRENT_LIST_DIR}/test_cli_devices.sh)
    set_property(TEST integration/cli_devices APPEND PROPERTY DEPENDS portcullis)
endif()
