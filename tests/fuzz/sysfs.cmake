# sysfs: parsers of what a device answers over endpoint 0 (strings, MS OS descriptors).
pc_add_fuzzer(fuzz_usb_ep0 SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_usb_ep0.c LIBS pc_sysfs)
