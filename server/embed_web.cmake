# Writes server/web_assets.h's table: every file of the web page (web/), by name, with
# its bytes, so that one binary serves the page. Run at build time:
#   cmake -DWEB_DIR=<dir> -DOUTPUT=<.cc> -P embed_web.cmake
foreach(arg WEB_DIR OUTPUT)
  if(NOT ${arg})
    message(FATAL_ERROR "pass -D${arg}=...")
  endif()
endforeach()
include(${CMAKE_CURRENT_LIST_DIR}/embed_bytes.cmake)

file(GLOB files LIST_DIRECTORIES false RELATIVE "${WEB_DIR}" "${WEB_DIR}/*")
list(SORT files)
set(arrays "")
set(entries "")
set(index 0)
foreach(name IN LISTS files)
  if(name MATCHES "^\\.")  # editor and system files are not the page's
    continue()
  endif()
  embed_bytes("${WEB_DIR}/${name}" bytes size)
  string(APPEND arrays "constexpr char k${index}[${size} + 1] = {\n${bytes}0};\n")
  string(APPEND entries "    {\"${name}\", std::string_view(k${index}, ${size})},\n")
  math(EXPR index "${index} + 1")
endforeach()

write_if_changed("${OUTPUT}" "// Generated from web/ at build time by server/embed_web.cmake: do not edit.
#include \"server/web_assets.h\"

namespace {
${arrays}
constexpr mailbox::server::WebAsset kAssets[] = {
${entries}    {\"\", std::string_view()},
};
}  // namespace

std::span<const mailbox::server::WebAsset> mailbox::server::embedded_web_assets() {
  return std::span<const WebAsset>(kAssets, ${index});
}
")
