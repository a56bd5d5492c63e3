# events/: event JSON schema, log records and the hash-chain verifier (pure code).
pc_add_check(check_event_json SOURCES check_event_json.c events_fixture.c LIBS pc_event_codec)
pc_add_check(check_log_record SOURCES check_log_record.c events_fixture.c LIBS pc_event_codec)
