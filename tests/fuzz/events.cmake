# events/: the incident-log record decoder and the chain verifier (untrusted: a log file can be
# edited by anyone with root, and reviewers run "portcullis log" on copies).
# The codec sources are compiled into each target (not linked from pc_event_codec) so that
# libFuzzer's coverage instrumentation (-fsanitize=fuzzer on the target) reaches them.
set(PC_EVENTS_CODEC_SOURCES ${PROJECT_SOURCE_DIR}/events/event.c
    ${PROJECT_SOURCE_DIR}/events/event_json.c ${PROJECT_SOURCE_DIR}/events/log_record.c)
pc_add_fuzzer(fuzz_log_record
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_log_record.c ${PC_EVENTS_CODEC_SOURCES}
              LIBS pc_policy pc_core pc_common PkgConfig::JSONC PkgConfig::CRYPTO)
pc_add_fuzzer(fuzz_log_verify
              SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_log_verify.c ${PC_EVENTS_CODEC_SOURCES}
              LIBS pc_policy pc_core pc_common PkgConfig::JSONC PkgConfig::CRYPTO)
