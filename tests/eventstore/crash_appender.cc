// Test helper: appends to the log in DIR forever from several threads and prints one
// line per acknowledged append: "ack STREAM FIRST LAST ID ID ID". The crash test kills it.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "core/eventstore/event_store.h"

using namespace mailbox::eventstore;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: crash_appender DIR\n");
    return 2;
  }
  auto opened = EventStore::open(argv[1]);
  if (!opened) {
    std::fprintf(stderr, "crash_appender: %s\n", opened.error().message.c_str());
    return 1;
  }
  auto& store = *opened;
  // Unique per process: a pid alone comes back once the pids wrap (32,768 on many
  // machines), and a stream of an earlier round would then refuse no_stream.
  const std::string prefix = "crash-" + to_string(new_event_id()) + "-";
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint64_t n = 0;; ++n) {
        std::vector<std::future<Result<AppendResult>>> inflight;
        std::vector<StreamAppend> requests;
        for (int k = 0; k < 8; ++k) {
          StreamAppend req{prefix + std::to_string(t) + "-" + std::to_string(n) + "-" + std::to_string(k),
                           ExpectedVersion::no_stream(), {}};
          for (int e = 0; e < 3; ++e) {
            NewEvent ev;
            ev.type = "Crash";
            ev.payload = std::string(150, 'x');
            ev.id = new_event_id();
            req.events.push_back(ev);
          }
          requests.push_back(req);
          inflight.push_back(store->append_future(std::move(req)));
        }
        for (int k = 0; k < 8; ++k) {
          auto r = inflight[k].get();
          if (!r) {
            std::fprintf(stderr, "crash_appender: %s\n", r.error().message.c_str());
            std::_Exit(1);
          }
          std::string line = "ack " + requests[k].stream + " " + std::to_string(r->first_position) + " " +
                             std::to_string(r->last_position);
          for (const auto& e : requests[k].events) line += " " + to_string(*e.id);
          line += "\n";
          // One write() of less than PIPE_BUF bytes: the line reaches the pipe whole or not at all.
          if (::write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) std::_Exit(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
}
