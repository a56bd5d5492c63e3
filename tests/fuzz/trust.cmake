# trust/: key files, signature files and the pre-verification key_id scanner on arbitrary bytes.
pc_add_fuzzer(fuzz_pubkey SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_pubkey.c LIBS pc_trust)
pc_add_fuzzer(fuzz_signature SOURCES ${CMAKE_CURRENT_LIST_DIR}/fuzz_signature.c LIBS pc_trust)
if(PORTCULLIS_FUZZ)
    # Compile the code under test into the libFuzzer binaries so it is coverage-instrumented.
    foreach(t fuzz_pubkey fuzz_signature)
        target_sources(${t}-libfuzzer PRIVATE
            ${PROJECT_SOURCE_DIR}/trust/trust_crypto.c ${PROJECT_SOURCE_DIR}/trust/trust_scan.c)
    endforeach()
endif()
