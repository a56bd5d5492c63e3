# core: descriptor parsing + classification per device over tests/data/descriptors.
pc_add_bench(bench_classify SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_classify.c
	${PROJECT_SOURCE_DIR}/tests/unit/desc_testdata.c LIBS pc_core)
target_compile_definitions(bench_classify PRIVATE TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data")
