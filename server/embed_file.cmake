# Writes a C++ source whose function returns a file's bytes, so that a reviewed file
# (docs/openapi.json) is served exactly as it is in the repository. Run at build time:
#   cmake -DINPUT=<file> -DOUTPUT=<.cc> -DHEADER=<include> -DFUNCTION=<qualified name> -P embed_file.cmake
foreach(arg INPUT OUTPUT HEADER FUNCTION)
  if(NOT ${arg})
    message(FATAL_ERROR "pass -D${arg}=...")
  endif()
endforeach()
include(${CMAKE_CURRENT_LIST_DIR}/embed_bytes.cmake)

embed_bytes("${INPUT}" bytes size)
file(RELATIVE_PATH shown "${CMAKE_CURRENT_LIST_DIR}/.." "${INPUT}")
write_if_changed("${OUTPUT}" "// Generated from ${shown} at build time by server/embed_file.cmake: do not edit.
#include \"${HEADER}\"

namespace {
constexpr char kBytes[${size} + 1] = {
${bytes}0};
}  // namespace

std::string_view ${FUNCTION}() { return std::string_view(kBytes, ${size}); }
")
