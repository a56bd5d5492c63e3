# Build options. CI builds with PORTCULLIS_WERROR=ON and once more with PORTCULLIS_SANITIZE=ON.
option(PORTCULLIS_WERROR "Treat warnings as errors" ON)
option(PORTCULLIS_SANITIZE "Build with AddressSanitizer + UndefinedBehaviorSanitizer" OFF)
option(PORTCULLIS_FUZZ "Build libFuzzer targets (needs clang)" OFF)
option(PORTCULLIS_BUILD_TESTS "Build the test suites" ON)
option(PORTCULLIS_BUILD_BENCH "Build the benchmarks" ON)

set(PORTCULLIS_WARNINGS
    -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith
    -Wcast-qual -Wformat=2 -Wswitch-enum -Wvla -Wno-sign-compare)
if(PORTCULLIS_WERROR)
    list(APPEND PORTCULLIS_WARNINGS -Werror)
endif()
add_compile_options(${PORTCULLIS_WARNINGS})

# Hardening (also in debug builds: the agent runs as root on hostile input).
add_compile_options(-fstack-protector-strong -fPIE -fno-strict-aliasing)
if(NOT PORTCULLIS_SANITIZE)
    add_compile_definitions(_FORTIFY_SOURCE=2)
    if(CMAKE_BUILD_TYPE STREQUAL "" OR CMAKE_BUILD_TYPE STREQUAL "Debug")
        add_compile_options(-O1)
    endif()
endif()
add_link_options(-pie -Wl,-z,relro,-z,now)
add_compile_definitions(_GNU_SOURCE)

if(PORTCULLIS_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
    add_link_options(-fsanitize=address,undefined)
endif()

# libFuzzer builds: instrument every library for coverage (the fuzz binaries add the driver with
# -fsanitize=fuzzer, see tests/fuzz/CMakeLists.txt). Without this the fuzzers are blind to the
# code they test.
if(PORTCULLIS_FUZZ)
    if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
        message(FATAL_ERROR "PORTCULLIS_FUZZ needs clang (-DCMAKE_C_COMPILER=clang)")
    endif()
    add_compile_options(-fsanitize=fuzzer-no-link)
endif()
