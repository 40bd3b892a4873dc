# embed_bytes(FILE OUT_BYTES OUT_SIZE): a file's bytes as the body of a char array's
# initializer list ('\xNN', 16 to a line) and their count. Character literals, not
# 0xNN: a byte above 0x7f (UTF-8 text) would be a narrowing int to char conversion.
# Included by the embed_*.cmake scripts.
function(embed_bytes file out_bytes out_size)
  file(READ "${file}" hex HEX)
  string(LENGTH "${hex}" digits)
  math(EXPR size "${digits} / 2")
  string(REGEX REPLACE "(................................)" "\\1\n" hex "${hex}")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
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
