# Policy load and evaluation times for 10 / 1,000 / 100,000-rule serial allow-lists.
pc_add_bench(bench_policy SOURCES ${PROJECT_SOURCE_DIR}/bench/bench_policy.c LIBS pc_policy)
