#include "app/replication/nats_link.h"

#include "app/replication/nkey.h"

#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cctype>

namespace mailbox::replication {

namespace {

// How long closing a link waits for libnats' last callback.
constexpr std::chrono::seconds kCloseWait{5};

std::string status_text(natsStatus s) {
  const char* last = nats_GetLastError(nullptr);
  std::string text = natsStatus_GetText(s);
  if (last != nullptr && *last != '\0' && text.find(last) == std::string::npos) text += std::string(": ") + last;
  return text;
}

std::unexpected<Error> failed(natsStatus s, const std::string& doing, jsErrCode js_error = static_cast<jsErrCode>(0)) {
  Code code = Code::unavailable;
  if (s == NATS_CONNECTION_AUTH_FAILED || s == NATS_NOT_PERMITTED) code = Code::permission_denied;
  // A TLS failure (an untrusted certificate, a plain server) is set-up, not an outage.
  if (s == NATS_SSL_ERROR || s == NATS_SECURE_CONNECTION_REQUIRED || s == NATS_SECURE_CONNECTION_WANTED)
    code = Code::failed_precondition;
  std::string message = doing + ": " + status_text(s);
  if (js_error != 0) message += " (JetStream error " + std::to_string(static_cast<int>(js_error)) + ")";
  return app::fail(code, std::move(message));
}

// Owns a libnats object and destroys it with its own function.
template <class T, void (*Destroy)(T*)>
struct Owned {
  T* p = nullptr;
  Owned() = default;
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() { reset(); }
  void reset() {
    if (p != nullptr) Destroy(p);
    p = nullptr;
  }
  T** out() {
    reset();
    return &p;
  }
};

using Msg = Owned<natsMsg, natsMsg_Destroy>;

StreamMessage to_message(natsMsg* m) {
  StreamMessage out;
  out.data.assign(natsMsg_GetData(m), static_cast<std::size_t>(natsMsg_GetDataLength(m)));
  const char** keys = nullptr;
  int count = 0;
  if (natsMsgHeader_Keys(m, &keys, &count) == NATS_OK) {
    for (int i = 0; i < count; ++i) {
      const char* value = nullptr;
      if (natsMsgHeader_Get(m, keys[i], &value) == NATS_OK && value != nullptr) out.headers[keys[i]] = value;
    }
    free(static_cast<void*>(keys));
  }
  out.sequence = natsMsg_GetSequence(m);
  return out;
}

}  // namespace

std::string log_subject(const std::string& stream) {
  std::string lower = stream;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower + ".log";
}

struct NatsLink::Impl {
  OnChange on_change;
  Owned<natsOptions, natsOptions_Destroy> options;
  Owned<natsConnection, natsConnection_Destroy> connection;
  Owned<jsCtx, jsCtx_Destroy> js;
  Owned<natsSubscription, natsSubscription_Destroy> following;

  // publish_in_order's own context: its acknowledgements come to on_ack.
  Owned<jsCtx, jsCtx_Destroy> pipelined;
  std::mutex acks_mutex;
  std::uint64_t acked = 0, refused = 0, last_sequence = 0;
  std::string refusal;  // the first refusal's text
  static void on_ack(jsCtx*, natsMsg* msg, jsPubAck* pa, jsPubAckErr* pae, void* self) {
    auto* impl = static_cast<Impl*>(self);
    {
      std::lock_guard lock(impl->acks_mutex);
      if (pae != nullptr) {
        if (impl->refused++ == 0)
          impl->refusal = std::string(pae->ErrText != nullptr ? pae->ErrText : natsStatus_GetText(pae->Err)) +
                          (pae->ErrCode != 0 ? " (JetStream error " + std::to_string(static_cast<int>(pae->ErrCode)) + ")"
                                             : std::string());
      } else if (pa != nullptr) {
        ++impl->acked;
        impl->last_sequence = std::max(impl->last_sequence, pa->Sequence);
      }
    }
    natsMsg_Destroy(msg);
  }

  std::atomic<bool> closing{false};  // our own close: not a loss worth telling
  // libnats calls back from its own thread, also after natsConnection_Close returned:
  // the link waits for the closed callback (the last) before it frees this.
  std::mutex closed_mutex;
  std::condition_variable closed_cv;
  bool closed = false;
  static void on_closed(natsConnection*, void* self) {
    auto* impl = static_cast<Impl*>(self);
    std::lock_guard lock(impl->closed_mutex);
    impl->closed = true;
    impl->closed_cv.notify_all();
  }
  static void disconnected(natsConnection*, void* self) {
    auto* impl = static_cast<Impl*>(self);
    if (impl->on_change && !impl->closing) impl->on_change(false, "disconnected");
  }
  static void reconnected(natsConnection* nc, void* self) {
    auto* impl = static_cast<Impl*>(self);
    char url[256] = {0};
    natsConnection_GetConnectedUrl(nc, url, sizeof url);
    if (impl->on_change) impl->on_change(true, url);
  }
};

NatsLink::NatsLink(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

NatsLink::~NatsLink() {
  impl_->closing = true;
  impl_->following.reset();
  if (impl_->connection.p == nullptr) return;
  natsConnection_Close(impl_->connection.p);
  std::unique_lock lock(impl_->closed_mutex);
  if (!impl_->closed_cv.wait_for(lock, kCloseWait, [&] { return impl_->closed; })) {
    // A callback may still come: leave its target alive rather than free it under it.
    lock.unlock();
    (void)impl_.release();
    return;
  }
  lock.unlock();
  impl_->pipelined.reset();
  impl_->js.reset();
  impl_->connection.reset();
}

Result<std::unique_ptr<NatsLink>> NatsLink::connect(const NatsOptions& options, OnChange on_change) {
  if (options.urls.empty()) return app::fail(Code::invalid_argument, "no NATS server URL given");
  auto impl = std::make_unique<Impl>();
  impl->on_change = std::move(on_change);
  if (auto s = natsOptions_Create(impl->options.out()); s != NATS_OK) return failed(s, "NATS options");
  natsOptions* o = impl->options.p;
  std::vector<const char*> urls;
  bool secure = false;
  for (const auto& u : options.urls) {
    urls.push_back(u.c_str());
    secure = secure || u.rfind("tls://", 0) == 0;
  }
  natsStatus s = natsOptions_SetServers(o, urls.data(), static_cast<int>(urls.size()));
  if (s == NATS_OK) s = natsOptions_SetName(o, options.name.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(o, options.connect_timeout.count());
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(o, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(o, 250);
  if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(o, &Impl::disconnected, impl.get());
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(o, &Impl::reconnected, impl.get());
  if (s == NATS_OK) s = natsOptions_SetClosedCB(o, &Impl::on_closed, impl.get());
  if (s != NATS_OK) {
    return app::fail(Code::invalid_argument, "NATS server URLs: " + status_text(s));
  }
  if (secure && (s = natsOptions_SetSecure(o, true)) != NATS_OK) return failed(s, "NATS TLS");
  if (!options.ca_file.empty() && (s = natsOptions_LoadCATrustedCertificates(o, options.ca_file.c_str())) != NATS_OK)
    return app::fail(Code::invalid_argument, "NATS CA file '" + options.ca_file + "': " + status_text(s));
  if (!options.creds_file.empty() &&
      (s = natsOptions_SetUserCredentialsFromFiles(o, options.creds_file.c_str(), nullptr)) != NATS_OK)
    return app::fail(Code::invalid_argument, "NATS credentials file '" + options.creds_file + "': " + status_text(s));
  if (!options.nkey_seed_file.empty()) {
    auto pub = nkey_public_key(options.nkey_seed_file);
    if (!pub) return std::unexpected(pub.error());
    if ((s = natsOptions_SetNKeyFromSeed(o, pub->c_str(), options.nkey_seed_file.c_str())) != NATS_OK)
      return app::fail(Code::invalid_argument, "NATS nkey seed file '" + options.nkey_seed_file + "': " + status_text(s));
  }
  if ((s = natsConnection_Connect(impl->connection.out(), o)) != NATS_OK) return failed(s, "connecting to NATS");
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = 5000;
  if ((s = natsConnection_JetStream(impl->js.out(), impl->connection.p, &jo)) != NATS_OK)
    return failed(s, "JetStream context");
  return std::unique_ptr<NatsLink>(new NatsLink(std::move(impl)));
}

bool NatsLink::connected() const { return natsConnection_Status(impl_->connection.p) == NATS_CONN_STATUS_CONNECTED; }

std::int64_t NatsLink::max_payload() const { return natsConnection_GetMaxPayload(impl_->connection.p); }

Result<std::optional<StreamState>> NatsLink::stream_state(const std::string& stream) {
  Owned<jsStreamInfo, jsStreamInfo_Destroy> info;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(info.out(), impl_->js.p, stream.c_str(), nullptr, &jerr);
  if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) return std::optional<StreamState>{};
  if (s != NATS_OK) return failed(s, "reading stream " + stream, jerr);
  const auto& st = info.p->State;
  return std::optional<StreamState>(StreamState{st.Msgs, st.FirstSeq, st.LastSeq});
}

Result<StreamState> NatsLink::ensure_stream(const StreamSpec& spec) {
  Owned<jsStreamInfo, jsStreamInfo_Destroy> info;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetStreamInfo(info.out(), impl_->js.p, spec.name.c_str(), nullptr, &jerr);
  if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    cfg.Name = spec.name.c_str();
    const char* subjects[] = {spec.subject.c_str()};
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    cfg.Replicas = spec.replicas;
    if (spec.max_age_seconds > 0) cfg.MaxAge = spec.max_age_seconds * 1'000'000'000;
    if (spec.max_bytes > 0) cfg.MaxBytes = spec.max_bytes;
    jerr = static_cast<jsErrCode>(0);
    s = js_AddStream(info.out(), impl_->js.p, &cfg, nullptr, &jerr);
    if (s != NATS_OK) return failed(s, "creating stream " + spec.name, jerr);
    spdlog::info("replication: created stream {} (subject {}, file storage, {} replica(s))", spec.name, spec.subject,
                 spec.replicas);
  } else if (s != NATS_OK) {
    return failed(s, "reading stream " + spec.name, jerr);
  } else {
    const jsStreamConfig* cfg = info.p->Config;
    bool has_subject = false;
    for (int i = 0; i < cfg->SubjectsLen; ++i) has_subject = has_subject || spec.subject == cfg->Subjects[i];
    if (!has_subject)
      return app::fail(Code::failed_precondition,
                       "stream " + spec.name + " exists but does not hold subject " + spec.subject);
    if (cfg->Storage != js_FileStorage)
      return app::fail(Code::failed_precondition, "stream " + spec.name + " exists but keeps messages in memory");
    if (cfg->Replicas != spec.replicas)
      spdlog::warn("replication: stream {} has {} replica(s), not the {} asked for; kept as it is", spec.name,
                   cfg->Replicas, spec.replicas);
  }
  const auto& st = info.p->State;
  const std::int64_t max_bytes = info.p->Config != nullptr ? info.p->Config->MaxBytes : 0;
  return StreamState{st.Msgs, st.FirstSeq, st.LastSeq, max_bytes > 0 ? max_bytes : 0};
}

Result<std::optional<StreamMessage>> NatsLink::last_message(const std::string& stream, const std::string& subject) {
  Msg m;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetLastMsg(m.out(), impl_->js.p, stream.c_str(), subject.c_str(), nullptr, &jerr);
  if (s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr) return std::optional<StreamMessage>{};
  if (s != NATS_OK) return failed(s, "reading the last message of " + stream, jerr);
  return std::optional<StreamMessage>(to_message(m.p));
}

Result<std::optional<StreamMessage>> NatsLink::message(const std::string& stream, std::uint64_t sequence) {
  Msg m;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetMsg(m.out(), impl_->js.p, stream.c_str(), sequence, nullptr, &jerr);
  if (s == NATS_NOT_FOUND || jerr == JSNoMessageFoundErr) return std::optional<StreamMessage>{};
  if (s != NATS_OK) return failed(s, "reading message " + std::to_string(sequence) + " of " + stream, jerr);
  return std::optional<StreamMessage>(to_message(m.p));
}

Result<std::uint64_t> NatsLink::publish(const std::string& subject, const std::map<std::string, std::string>& headers,
                                        const std::string& data, std::uint64_t expected_last,
                                        std::int64_t timeout_ms) {
  Msg m;
  natsStatus s = natsMsg_Create(m.out(), subject.c_str(), nullptr, data.data(), static_cast<int>(data.size()));
  for (const auto& [k, v] : headers)
    if (s == NATS_OK) s = natsMsgHeader_Set(m.p, k.c_str(), v.c_str());
  if (s != NATS_OK) return failed(s, "making a message");
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = timeout_ms;
  if (expected_last > 0) po.ExpectLastSeq = expected_last;
  else po.ExpectNoMessage = true;
  Owned<jsPubAck, jsPubAck_Destroy> ack;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  s = js_PublishMsg(ack.out(), impl_->js.p, m.p, &po, &jerr);
  if (jerr == JSStreamWrongLastSequenceErr)
    return app::fail_because(Code::aborted, "wrong_last_sequence",
                             "the stream's last sequence is not " + std::to_string(expected_last));
  if (s == NATS_MAX_PAYLOAD)
    return app::fail(Code::invalid_argument, "a message of " + std::to_string(data.size()) +
                                                 " bytes is over the server's max_payload");
  if (s != NATS_OK) return failed(s, "publishing to " + subject, jerr);
  return ack.p->Sequence;
}

Result<std::uint64_t> NatsLink::publish_in_order(const std::vector<Outgoing>& messages, std::uint64_t expected_last,
                                                 std::int64_t timeout_ms) {
  if (messages.empty()) return expected_last;
  if (!connected()) return app::fail(Code::unavailable, "not connected to NATS");
  Impl& impl = *impl_;
  if (impl.pipelined.p == nullptr) {
    jsOptions jo;
    jsOptions_Init(&jo);
    jo.Wait = 5000;
    jo.PublishAsync.MaxPending = 4096;
    jo.PublishAsync.AckHandler = &Impl::on_ack;
    jo.PublishAsync.AckHandlerClosure = &impl;
    if (natsStatus s = natsConnection_JetStream(impl.pipelined.out(), impl.connection.p, &jo); s != NATS_OK)
      return failed(s, "JetStream context");
  }
  {
    std::lock_guard lock(impl.acks_mutex);
    impl.acked = impl.refused = impl.last_sequence = 0;
    impl.refusal.clear();
  }
  std::uint64_t expected = expected_last;
  natsStatus s = NATS_OK;
  for (const auto& out : messages) {
    Msg m;
    s = natsMsg_Create(m.out(), out.subject.c_str(), nullptr, out.data.data(), static_cast<int>(out.data.size()));
    for (const auto& [k, v] : out.headers)
      if (s == NATS_OK) s = natsMsgHeader_Set(m.p, k.c_str(), v.c_str());
    if (s != NATS_OK) break;
    jsPubOptions po;
    jsPubOptions_Init(&po);
    po.MaxWait = timeout_ms;
    if (expected > 0) po.ExpectLastSeq = expected;
    s = js_PublishMsgAsync(impl.pipelined.p, &m.p, &po);  // takes the message when it succeeds
    if (s != NATS_OK) break;
    ++expected;
  }
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = timeout_ms;
  const natsStatus waited = js_PublishAsyncComplete(impl.pipelined.p, &po);
  if (waited != NATS_OK) {
    // Their acknowledgements are no longer awaited: the caller reads the stream again.
    natsMsgList pending{};
    if (js_PublishAsyncGetPendingList(&pending, impl.pipelined.p) == NATS_OK) natsMsgList_Destroy(&pending);
  }
  std::lock_guard lock(impl.acks_mutex);
  if (impl.refused > 0)
    return app::fail_because(Code::aborted, "refused",
                             std::to_string(impl.refused) + " of " + std::to_string(messages.size()) +
                                 " messages refused, the first: " + impl.refusal);
  if (s != NATS_OK) return failed(s, "publishing to " + messages.front().subject);
  if (waited != NATS_OK || impl.acked != messages.size())
    return app::fail(Code::unavailable, "JetStream acknowledged " + std::to_string(impl.acked) + " of " +
                                            std::to_string(messages.size()) + " messages in time");
  return impl.last_sequence;
}

Status NatsLink::follow(const std::string& stream, const std::string& subject, std::uint64_t from) {
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = stream.c_str();  // named: no lookup of the stream by subject (less to permit)
  so.Ordered = true;
  so.Config.DeliverPolicy = js_DeliverByStartSequence;
  so.Config.OptStartSeq = std::max<std::uint64_t>(from, 1);
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_SubscribeSync(impl_->following.out(), impl_->js.p, subject.c_str(), nullptr, &so, &jerr);
  if (s != NATS_OK) return failed(s, "following " + subject, jerr);
  return {};
}

Result<std::optional<StreamMessage>> NatsLink::next(std::int64_t timeout_ms) {
  if (impl_->following.p == nullptr) return app::fail(Code::failed_precondition, "not following a subject");
  Msg m;
  natsStatus s = natsSubscription_NextMsg(m.out(), impl_->following.p, timeout_ms);
  if (s == NATS_TIMEOUT) return std::optional<StreamMessage>{};
  if (s != NATS_OK) return failed(s, "reading the stream");
  StreamMessage out = to_message(m.p);
  jsMsgMetaData* meta = nullptr;
  if (natsMsg_GetMetaData(&meta, m.p) == NATS_OK) {
    out.sequence = meta->Sequence.Stream;
    out.pending = meta->NumPending;
    jsMsgMetaData_Destroy(meta);
  }
  return std::optional<StreamMessage>(std::move(out));
}

void NatsLink::unfollow() { impl_->following.reset(); }

}  // namespace mailbox::replication
