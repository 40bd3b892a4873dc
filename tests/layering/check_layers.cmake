# The layers' rules, checked on every #include of the sources (cmake -P, run by CTest):
# dependencies point down (server -> app -> core), each module's internal headers stay
# inside it, and each library stays behind the module that owns it.
#   cmake -DROOT=<source dir> -P check_layers.cmake
if(NOT ROOT)
  message(FATAL_ERROR "pass -DROOT=<source dir>")
endif()

# rule: folder (relative to ROOT), regex of includes it must not have, why.
set(rules
  "server|#include \"core/|the server talks to app only"
  "server|EngineParts|the server reaches no part of the engine"
  "clients|#include \"core/|clients know app interfaces only"
  "tools|#include \"core/eventstore/internal/|core/eventstore's internal headers are its own"
  "app|#include \"core/eventstore/internal/|core/eventstore's internal headers are its own"
  "core/projections|#include \"core/eventstore/internal/|core/eventstore's internal headers are its own"
  "bench|#include \"core/eventstore/internal/|core/eventstore's internal headers are its own"
  "core|#include \"(app|server|clients|tools)/|core knows nothing of the mailbox"
  "app|#include \"(server|clients|tools)/|app knows nothing of HTTP or tools"
  "app|#include <rocksdb/|RocksDB stays in core"
  "server|#include <rocksdb/|RocksDB stays in core"
  "clients|#include <rocksdb/|RocksDB stays in core"
  "tools|#include <rocksdb/|RocksDB stays in core"
  "app|#include <boost/(asio|beast)|Beast and Asio stay in server/http_server.cc and clients/http_client.cc"
  "core|#include <boost/(asio|beast)|Beast and Asio stay in server/http_server.cc and clients/http_client.cc"
  "core|#include <nats/|the NATS client stays in app/replication/nats_link.cc"
  "server|#include <nats/|the NATS client stays in app/replication/nats_link.cc"
  "clients|#include <nats/|the NATS client stays in app/replication/nats_link.cc"
  "app/publisher|#include <nats/|the NATS client stays in app/replication/nats_link.cc"
  "app/commands|#include <nats/|the NATS client stays in app/replication/nats_link.cc"
  "app/queries|#include <nats/|the NATS client stays in app/replication/nats_link.cc"
)

set(broken 0)
foreach(rule IN LISTS rules)
  string(REPLACE "|" ";" parts "${rule}")
  list(GET parts 0 folder)
  list(GET parts 1 pattern)
  list(GET parts 2 why)
  # The pattern's own alternation uses '|', split above: put the rest back together.
  list(LENGTH parts n)
  if(n GREATER 3)
    list(SUBLIST parts 1 -1 rest)
    list(POP_BACK rest why)
    list(JOIN rest "|" pattern)
  endif()
  file(GLOB_RECURSE sources "${ROOT}/${folder}/*.h" "${ROOT}/${folder}/*.cc")
  foreach(source IN LISTS sources)
    file(STRINGS "${source}" hits REGEX "${pattern}")
    foreach(hit IN LISTS hits)
      file(RELATIVE_PATH shown "${ROOT}" "${source}")
      message(SEND_ERROR "${shown}: ${hit} (${why})")
      set(broken 1)
    endforeach()
  endforeach()
endforeach()

# Beast and Asio: only the two transport files.
file(GLOB_RECURSE all_sources "${ROOT}/server/*" "${ROOT}/clients/*" "${ROOT}/tools/*")
foreach(source IN LISTS all_sources)
  if(source MATCHES "/(server/http_server\\.cc|clients/http_client\\.cc)$")
    continue()
  endif()
  file(STRINGS "${source}" hits REGEX "#include <boost/(asio|beast)")
  foreach(hit IN LISTS hits)
    file(RELATIVE_PATH shown "${ROOT}" "${source}")
    message(SEND_ERROR "${shown}: ${hit} (Beast and Asio stay in server/http_server.cc and clients/http_client.cc)")
    set(broken 1)
  endforeach()
endforeach()

if(broken)
  message(FATAL_ERROR "the layers' rules are broken (see above)")
endif()
message(STATUS "layers: every include follows the rules")
