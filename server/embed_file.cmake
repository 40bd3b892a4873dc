# Writes a C++ source whose function returns a file's bytes, so that a reviewed file
# (docs/openapi.json) is served exactly as it is in the repository. Run at build time:
#   cmake -DINPUT=<file> -DOUTPUT=<.cc> -DHEADER=<include> -DFUNCTION=<qualified name> -P embed_file.cmake
foreach(arg INPUT OUTPUT HEADER FUNCTION)
  if(NOT ${arg})
    message(FATAL_ERROR "pass -D${arg}=...")
  endif()
endforeach()

file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" digits)
math(EXPR size "${digits} / 2")
# 16 bytes a line, each as 0xNN.
string(REGEX REPLACE "(................................)" "\\1\n" hex "${hex}")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
file(RELATIVE_PATH shown "${CMAKE_CURRENT_LIST_DIR}/.." "${INPUT}")

file(WRITE "${OUTPUT}.tmp" "// Generated from ${shown} at build time by server/embed_file.cmake: do not edit.
#include \"${HEADER}\"

namespace {
constexpr char kBytes[${size} + 1] = {
${bytes}0};
}  // namespace

std::string_view ${FUNCTION}() { return std::string_view(kBytes, ${size}); }
")
# Only a changed file is rewritten, so an unchanged document recompiles nothing.
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
