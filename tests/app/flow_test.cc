#include <doctest/doctest.h>

#include <set>

#include "app/engine.h"
#include "tests/support/engine_parts.h"
#include "tests/support/engine_fixture.h"
#include "tests/support/eventually.h"

using namespace mailbox;
using namespace std::chrono_literals;
using eventstore::Code;

using Fixture = testing::EngineFixture;

TEST_CASE("a sent message is saved to the receiver's mailbox and alarms both sides") {
  Fixture f;
  auto sent = f.send("01012345678", "01099998888", "안녕하세요 👋");
  CHECK(sent.position == 1);
  CHECK(sent.sent.sender == "01012345678");
  REQUIRE(f.engine->wait_visible("readmails", sent.position, 5s));

  auto page = f.engine->readmails().for_receiver("01099998888", 10, "").value();
  REQUIRE(page.items.size() == 1);
  const auto& mail = page.items[0];
  CHECK(mail.id == sent.sent.message_id);
  CHECK(mail.sender == "01012345678");  // the leading 0 is kept
  CHECK(mail.receiver == "01099998888");
  CHECK(mail.text == "안녕하세요 👋");    // byte for byte
  CHECK(mail.sent_at_us == sent.sent.sent_at_us);
  CHECK_FALSE(mail.read);
  CHECK_FALSE(page.next_cursor.has_value());
  CHECK(f.engine->readmails().unread_count("01099998888").value() == 1);
  CHECK(f.engine->readmails().by_id(sent.sent.message_id).value()->text == "안녕하세요 👋");
  CHECK(f.engine->readmails().for_receiver("01012345678", 10, "").value().items.empty());

  REQUIRE(f.engine->wait_visible("alarms", sent.position, 5s));
  auto to_sender = f.engine->alarms().for_phone("01012345678", 10, "").value();
  auto to_receiver = f.engine->alarms().for_phone("01099998888", 10, "").value();
  REQUIRE(to_sender.items.size() == 1);
  REQUIRE(to_receiver.items.size() == 1);
  CHECK(to_sender.items[0].kind == "sent");
  CHECK(to_receiver.items[0].kind == "arrived");
  CHECK(to_receiver.items[0].message_id == sent.sent.message_id);
  CHECK(to_receiver.items[0].channel == "test");
  auto delivered = f.sink.delivered();
  REQUIRE(delivered.size() == 2);
  CHECK(delivered[1].text_preview == "안녕하세요 👋");
  CHECK(delivered[0].alarm_id == to_sender.items[0].alarm_id);

  // The message's stream tells its whole story.
  auto stream = testing::log_of(*f.engine).read_stream(app::message_stream(sent.sent.message_id), 1, 10).value();
  std::multiset<std::string> types;
  for (const auto& e : stream) types.insert(e.type);
  CHECK(types == std::multiset<std::string>{"Sent", "Saved", "Alarmed", "Alarmed"});
  CHECK(stream[0].type == "Sent");
  for (std::size_t i = 1; i < stream.size(); ++i) {
    CHECK(stream[i].causation_position >= stream[0].position);
    CHECK(stream[i].correlation_id == stream[0].id);
  }
}

TEST_CASE("only the receiver marks a delivered message read, once") {
  Fixture f;
  auto sent = f.send("01012345678", "01099998888", "read me");
  REQUIRE(f.engine->wait_visible("readmails", sent.position, 5s));
  const std::string id = sent.sent.message_id;

  auto stranger = f.engine->mark_read().mark_read_and_wait({id, "01000000000"});
  REQUIRE_FALSE(stranger.has_value());
  CHECK(stranger.error().code == Code::permission_denied);
  CHECK(stranger.error().field == "receiver");
  auto missing = f.engine->mark_read().mark_read_and_wait({"no-such-id", "01099998888"});
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == Code::not_found);

  auto first = f.engine->mark_read().mark_read_and_wait({id, "01099998888"});
  REQUIRE(first.has_value());
  CHECK_FALSE(first->already_read);
  auto again = f.engine->mark_read().mark_read_and_wait({id, "01099998888"});
  REQUIRE(again.has_value());
  CHECK(again->already_read);
  CHECK(again->position == first->position);

  REQUIRE(testing::followers_of(*f.engine).wait_handled("readmails", first->position, 5s));
  CHECK(f.engine->readmails().by_id(id).value()->read);
  CHECK(f.engine->readmails().unread_count("01099998888").value() == 0);
}

TEST_CASE("a send with an idempotency key is stored once, and the key with another message is refused") {
  Fixture f;
  commands::SendMessage command{"01012345678", "01099998888", "once", "key-1"};
  auto first = f.engine->send().send_and_wait(command).value();
  auto retry = f.engine->send().send_and_wait(command).value();
  CHECK(retry.duplicate);
  CHECK(retry.sent.message_id == first.sent.message_id);
  CHECK(retry.position == first.position);

  command.text = "something else";
  auto reused = f.engine->send().send_and_wait(command);
  REQUIRE_FALSE(reused.has_value());
  CHECK(reused.error().field == "idempotency_key");

  // The key is the sender's: another sender may use it.
  auto other = f.engine->send().send_and_wait({"01055555555", "01099998888", "once", "key-1"}).value();
  CHECK_FALSE(other.duplicate);
  CHECK(other.sent.message_id != first.sent.message_id);

  REQUIRE(f.engine->wait_visible("readmails", other.position, 5s));
  CHECK(f.engine->readmails().for_receiver("01099998888", 10, "").value().items.size() == 2);
  // Two messages were stored, each once: the retry and the refused reuse added nothing.
  std::size_t sent = 0;
  const auto events = testing::log_of(*f.engine).read_log(1, 1000).value();
  for (const auto& e : events) sent += e.type == "Sent";
  CHECK(sent == 2);
}

TEST_CASE("invalid sends are refused before anything is written") {
  Fixture f;
  const commands::SendMessage bad[] = {
      {"010-1234", "01099998888", "x", std::nullopt},
      {"01012345678", "", "x", std::nullopt},
      {"01012345678", "01099998888", "", std::nullopt},
      {"01012345678", "01099998888", "ok", std::string(256, 'k')},
  };
  const char* fields[] = {"sender", "receiver", "text", "idempotency_key"};
  for (std::size_t i = 0; i < std::size(bad); ++i) {
    auto r = f.engine->send().send_and_wait(bad[i]);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == Code::invalid_argument);
    CHECK(r.error().field == fields[i]);
  }
  CHECK(testing::log_of(*f.engine).head() == 0);
}

TEST_CASE("a refusing alarm sink delays alarms only: mail is saved, alarms follow when it is back") {
  Fixture f;
  f.sink.set_down(true);
  std::vector<commands::SendResult> sent;
  for (int i = 0; i < 5; ++i) sent.push_back(f.send("01012345678", "01099998888", "m" + std::to_string(i)));
  REQUIRE(f.engine->wait_visible("readmails", sent.back().position, 5s));
  CHECK(f.engine->readmails().for_receiver("01099998888", 10, "").value().items.size() == 5);
  CHECK(f.sink.delivered().empty());
  CHECK(f.engine->alarms().for_phone("01099998888", 10, "").value().items.empty());
  // The mailbox may be saved before the alarm policy first tries the sink: wait for a refusal.
  auto refused = [&] { return testing::followers_of(*f.engine).status("alarm-policy")->retries > 0; };
  REQUIRE_MESSAGE(testing::eventually(refused), "the alarm policy never met the refusing sink");
  CHECK(f.sink.delivered().empty());

  f.sink.set_down(false);
  REQUIRE(f.engine->wait_visible("alarms", sent.back().position, 10s));
  CHECK(f.engine->alarms().for_phone("01099998888", 10, "").value().items.size() == 5);
  CHECK(f.engine->alarms().for_phone("01012345678", 10, "").value().items.size() == 5);
  CHECK(f.sink.delivered().size() == 10);
}
