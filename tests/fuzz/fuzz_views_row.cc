// A row of the views as read from disk: mail rows, sent mail rows, alarm rows, dead
// letters and the counters, through their decoders and into the JSON the API answers
// with. The first byte picks the kind of row, the rest is its value. A row that decodes must survive
// encoding and decoding again, and its JSON must be valid.
#include <cstdint>
#include <string>
#include <string_view>

#include "app/json_writer.h"
#include "app/queries/rows.h"
#include "core/eventstore/big_endian.h"
#include "server/resource_json.h"
#include "tests/fuzz/fuzz_check.h"

using namespace mailbox;
using namespace mailbox::queries;

namespace {

template <class Row, class Decode, class Write>
void check_row(std::string_view bytes, Decode decode, Write write) {
  const std::optional<Row> row = decode(bytes);
  if (!row) return;
  fuzz::check(decode(encode(*row)) == row, "a row does not survive encode and decode");
  app::JsonWriter w;
  write(w, *row);
  fuzz::check_json(w.str(), "a row's JSON");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view value(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 5) {
    case 0: check_row<MailRow>(value, decode_mail, server::write_mail); break;
    case 1: check_row<AlarmRow>(value, decode_alarm, server::write_alarm); break;
    case 2: check_row<DeadLetterRow>(value, decode_dead_letter, server::write_dead_letter); break;
    case 4: check_row<SentRow>(value, decode_sent, server::write_sent); break;
    default:  // an unread count, or the position an xa/ row points at
      if (auto n = eventstore::decode_u64(value)) fuzz::check(eventstore::encode_u64(*n) == value, "a counter does not round-trip");
  }
  return 0;
}
