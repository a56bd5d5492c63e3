# core: the descriptor blob parser, device model and classification on arbitrary bytes.
pc_add_fuzzer(fuzz_usb_desc SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_usb_desc.c LIBS pc_core)
