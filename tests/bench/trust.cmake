# trust/: load + verify of a 100,000-rule signed policy.
pc_add_bench(bench_trust SOURCES ${CMAKE_CURRENT_LIST_DIR}/bench_trust.c LIBS pc_trust)
