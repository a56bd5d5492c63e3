# common: the capped whole-file reader shared by the CLI commands.
pc_add_check(check_fileio SOURCES ${CMAKE_CURRENT_LIST_DIR}/check_fileio.c LIBS pc_common)
