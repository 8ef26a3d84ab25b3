# Warnings and sanitizers for our own targets only (third-party headers are included as SYSTEM).
function(facefilter_target_defaults target)
  # -Wno-restrict: GCC 12 false positive on `"literal" + std::string` (GCC bug 105329); clang has no such warning.
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wno-unused-parameter
                                           $<$<CXX_COMPILER_ID:GNU>:-Wno-restrict>)
  if(FACEFILTER_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(FACEFILTER_SANITIZE STREQUAL "address")
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=undefined)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  elseif(FACEFILTER_SANITIZE STREQUAL "thread")
    target_compile_options(${target} PRIVATE -fsanitize=thread -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=thread)
  elseif(NOT FACEFILTER_SANITIZE STREQUAL "")
    message(FATAL_ERROR "FACEFILTER_SANITIZE must be '', 'address' or 'thread', got '${FACEFILTER_SANITIZE}'")
  endif()
endfunction()

# Options for engine/detect/haar_cascade.cpp, in every target that compiles it (the engine, the fuzz build).
# The cascade scan must round exactly as OpenCV's scalar code does: no fused multiply-add. -Wno-psabi: GCC warns
# that its 256-bit vector helpers have another ABI without AVX; they are always_inline into each clone.
set(FACEFILTER_HAAR_SCAN_OPTIONS -ffp-contract=off -fno-math-errno -Wno-psabi)
