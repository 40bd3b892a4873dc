// fill: writes a mailbox-like log of N events into DIR/log (for the scale benchmark).
//   fill DIR N
#include <cstdio>
#include <filesystem>
#include <string>

#include "bench/mailbox_log.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: fill DIR EVENTS\n");
    return 2;
  }
  auto log = mailbox::eventstore::EventStore::open((std::filesystem::path(argv[1]) / "log").string());
  if (!log) {
    std::fprintf(stderr, "fill: %s\n", log.error().message.c_str());
    return 1;
  }
  if (auto s = mailbox::bench::write_mailbox_log(**log, std::stoull(argv[2])); !s) {
    std::fprintf(stderr, "fill: %s\n", s.error().message.c_str());
    return 1;
  }
  std::printf("%llu\n", static_cast<unsigned long long>((*log)->head()));
  return 0;
}
