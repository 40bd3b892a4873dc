#pragma once
// Names a thread, so that `top -H`, `perf` and /proc/<pid>/task/*/comm show which part
// of mailboxd it is (writer, http-0, view-readmails, alarm-policy, shipper, ...). Named
// by the thread that starts it, so the name is there before anyone can look. Linux
// keeps 15 bytes of a name: longer ones are cut.

#include <pthread.h>

#include <string>
#include <string_view>
#include <thread>

namespace mailbox {

inline void name_thread(std::thread& thread, std::string_view name) {
  const std::string cut(name.substr(0, 15));
  ::pthread_setname_np(thread.native_handle(), cut.c_str());
}

}  // namespace mailbox
