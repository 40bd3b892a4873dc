# embed_bytes(FILE OUT_BYTES OUT_SIZE): a file's bytes as a C++ initializer list body
# ("0xNN," 16 to a line) and their count. Included by the embed_*.cmake scripts.
function(embed_bytes file out_bytes out_size)
  file(READ "${file}" hex HEX)
  string(LENGTH "${hex}" digits)
  math(EXPR size "${digits} / 2")
  string(REGEX REPLACE "(................................)" "\\1\n" hex "${hex}")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  set(${out_bytes} "${bytes}" PARENT_SCOPE)
  set(${out_size} "${size}" PARENT_SCOPE)
endfunction()

# Writes content to file only when it differs, so that an unchanged input recompiles
# nothing.
function(write_if_changed file content)
  file(WRITE "${file}.tmp" "${content}")
  file(COPY_FILE "${file}.tmp" "${file}" ONLY_IF_DIFFERENT)
  file(REMOVE "${file}.tmp")
endfunction()
