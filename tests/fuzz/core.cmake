# core: the descriptor blob parser, device model and classification on arbitrary bytes.
pc_add_fuzzer(fuzz_usb_desc SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_usb_desc.c LIBS pc_core)
if(PORTCULLIS_FUZZ)
    # pc_add_fuzzer instruments only the target's own sources: compile the core into the
    # libFuzzer binary too, so libFuzzer sees coverage of the code under test (these objects
    # take precedence over the uninstrumented ones of the static pc_core).
    target_sources(fuzz_usb_desc-libfuzzer PRIVATE
        ${PROJECT_SOURCE_DIR}/core/usb_desc.c ${PROJECT_SOURCE_DIR}/core/usb_kind.c
        ${PROJECT_SOURCE_DIR}/core/usb_device.c ${PROJECT_SOURCE_DIR}/core/classify.c)
endif()
