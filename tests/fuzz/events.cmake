# events/: the incident-log record decoder and the chain verifier (untrusted: a log file can be
# edited by anyone with root, and reviewers run "portcullis log" on copies).
pc_add_fuzzer(fuzz_log_record SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_log_record.c
              LIBS pc_event_codec)
pc_add_fuzzer(fuzz_log_verify SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_log_verify.c
              LIBS pc_event_codec)
