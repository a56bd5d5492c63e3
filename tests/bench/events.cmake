# events/: event encoding cost and durable incident-log appends per second.
pc_add_bench(bench_recorder SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_recorder.c
             ${PROJECT_SOURCE_DIR}/tests/unit/events_fixture.c LIBS pc_events)
target_include_directories(bench_recorder PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
target_compile_definitions(bench_recorder PRIVATE PC_BENCH_DISK_DIR="${PROJECT_BINARY_DIR}")
