#pragma once
// The group-commit writer: the one thread that appends to the log. Internal to
// core/eventstore; callers go through EventStore.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "core/eventstore/log_db.h"
#include "core/eventstore/options.h"
#include "core/eventstore/status.h"
#include "core/eventstore/stream_head_cache.h"
#include "core/eventstore/types.h"

namespace mailbox::eventstore {

class Writer {
 public:
  // Called on the writer thread when a transaction is durable or refused.
  // REQUIRES: must not throw, must not block (it delays every later append).
  using Completion = std::function<void(Result<TransactionResult>)>;
  // Called on the writer thread after each durable batch with the new head position.
  using CommitListener = std::function<void(std::uint64_t head)>;

  Writer(LogDb& db, const StoreOptions& options, std::uint64_t last_position, CommitListener on_commit);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Queues a transaction. Thread-safe. done runs exactly once: on the writer thread,
  // or on the calling thread before submit returns when the transaction is malformed
  // or the writer is stopped.
  void submit(Transaction txn, Completion done);
  // Commits what is queued, then ends the thread. Later submits fail with unavailable.
  void stop();
  WriterStats stats() const;

 private:
  struct Pending {
    Transaction txn;
    Completion done;
  };
  void run();
  void process(std::deque<Pending>& batch);
  Result<std::uint64_t> current_version(const std::string& stream);

  LogDb& db_;
  const StoreOptions options_;
  // Writer thread only:
  std::uint64_t next_position_;
  StreamHeadCache heads_;
  std::optional<Error> failed_;  // set after a storage write error; appends refused from then on

  // Shared with submitters, guarded by mutex_:
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;

  CommitListener on_commit_;
  std::atomic<std::uint64_t> batches_{0}, transactions_{0}, events_{0}, write_micros_{0};
  std::thread thread_;
};

// Checks a transaction's shape: names, non-empty events and types, no repeated stream
// or event id. Cheap; runs on the caller's thread.
Status validate(const Transaction& txn);

}  // namespace mailbox::eventstore
