#include "server/mailbox_feed.h"

#include <algorithm>
#include <set>

#include "app/json_writer.h"
#include "server/resource_json.h"

namespace mailbox::server {

namespace {

// Events looked at per scan, scans per turn of an I/O thread, and changes per chunk.
constexpr std::size_t kScanBatch = 256;
constexpr int kScansPerTurn = 16;
constexpr std::size_t kChangesPerChunk = 64;

}  // namespace

MailboxFeed::MailboxFeed(app::Engine& engine, std::string receiver, std::uint64_t after,
                         std::chrono::milliseconds keepalive, std::function<void(std::function<void()>)> post,
                         std::function<bool()> ending)
    : engine_(engine),
      receiver_(std::move(receiver)),
      after_(after),
      keepalive_(keepalive),
      post_(std::move(post)),
      ending_(std::move(ending)) {}

void MailboxFeed::cancel() { cancelled_ = true; }

void MailboxFeed::send(std::string chunk, const Deliver& deliver) {
  last_sent_ = Clock::now();
  deliver(std::move(chunk));
}

void MailboxFeed::next(Deliver deliver) {
  if (cancelled_ || failed_ || ending_()) return deliver(std::nullopt);
  std::vector<Change> changes;
  std::uint64_t scanned_to = after_;
  for (int turn = 0; turn < kScansPerTurn && changes.empty(); ++turn) {
    const std::uint64_t from = scanned_to;
    std::optional<app::Error> bad;
    auto s = engine_.events().scan(from + 1, kScanBatch, [&](queries::LoggedEvent&& e) {
      scanned_to = e.position;
      auto change = queries::mailbox_change(e, receiver_);
      if (!change) {
        bad = change.error();
        return false;
      }
      if (*change) changes.emplace_back(e.position, std::move(**change));
      return changes.size() < kChangesPerChunk;
    });
    if (!s) bad = s.error();
    if (bad) {
      failed_ = true;  // said once; the stream ends after it (the client may resume later)
      return send("event: error\ndata: " + bad->message + "\n\n", deliver);
    }
    if (scanned_to == from) break;  // the end of the log
  }
  if (!changes.empty()) {
    // Sent once the view shows them; a view that lags keeps the connection alive meanwhile.
    const std::uint64_t last_change = changes.back().first;
    engine_.when_visible("readmails", last_change, keepalive_,
                         [self = shared_from_this(), deliver, changes = std::move(changes), scanned_to](bool reached) {
                           self->post_([self, deliver, changes, scanned_to, reached] {
                             if (self->cancelled_ || self->ending_()) return deliver(std::nullopt);
                             if (!reached) return self->send(": keepalive\n\n", deliver);
                             self->send_changes(changes, scanned_to, deliver);
                           });
                         });
    return;
  }
  const bool at_end = scanned_to == engine_.events().head();
  after_ = scanned_to;
  if (!at_end) {
    // More of the log to look through: on a later turn, so other connections get theirs.
    return post_([self = shared_from_this(), deliver] { self->next(deliver); });
  }
  const auto quiet = Clock::now() - last_sent_;
  if (quiet >= keepalive_) return send(": keepalive\n\n", deliver);
  // Nothing new: wait for the next commit, at most until a keepalive is due.
  const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(keepalive_ - quiet) + std::chrono::milliseconds(1);
  engine_.when_logged(after_ + 1, wait, [self = shared_from_this(), deliver](bool) {
    self->post_([self, deliver] {
      if (self->cancelled_ || self->ending_()) return deliver(std::nullopt);
      self->next(deliver);
    });
  });
}

void MailboxFeed::send_changes(const std::vector<Change>& changes, std::uint64_t scanned_to, const Deliver& deliver) {
  // A message changed twice in this chunk is sent once, at its last change.
  std::set<std::string_view> later;
  std::vector<const Change*> kept;
  for (auto it = changes.rbegin(); it != changes.rend(); ++it)
    if (later.insert(it->second).second) kept.push_back(&*it);
  std::reverse(kept.begin(), kept.end());
  std::string chunk;
  for (const Change* c : kept) {
    auto mail = engine_.readmails().by_id(c->second);
    if (!mail) {
      failed_ = true;
      return send("event: error\ndata: " + mail.error().message + "\n\n", deliver);
    }
    if (!*mail) continue;  // the view shows the change, so it has the message: never here
    app::JsonWriter w;
    write_mail(w, **mail);
    chunk += "id: " + std::to_string(c->first) + "\nevent: mail\ndata: " + w.take() + "\n\n";
  }
  after_ = scanned_to;
  if (chunk.empty()) return next(deliver);
  send(std::move(chunk), deliver);
}

}  // namespace mailbox::server
