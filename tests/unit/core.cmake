# core: descriptor parser, device model, classification.
# pc_desc_testdata loads tests/data/descriptors/ (any test layer may link it).
add_library(pc_desc_testdata STATIC ${CMAKE_CURRENT_LIST_DIR}/desc_testdata.c)
target_link_libraries(pc_desc_testdata PUBLIC pc_core)

pc_add_check(check_usb_desc SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_usb_desc.c
	LIBS pc_desc_testdata pc_core)
pc_add_check(check_usb_device SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_usb_device.c
	LIBS pc_desc_testdata pc_core)
pc_add_check(check_classify SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_classify.c
	LIBS pc_desc_testdata pc_core)
# The "descriptor dump" subcommand, tested by calling cmd_descriptor() directly.
pc_add_check(check_cmd_descriptor SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_cmd_descriptor.c
	${PROJECT_SOURCE_DIR}/cli/cmd_descriptor.c LIBS pc_desc_testdata pc_core)
