#include "app/replication/nkey.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <vector>

namespace mailbox::replication {

namespace {

constexpr std::uint8_t kSeedPrefix = 18 << 3;  // 'S'
constexpr std::uint8_t kUserPrefix = 20 << 3;  // 'U'
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::uint16_t crc16(const std::vector<std::uint8_t>& bytes) {  // XMODEM: polynomial 0x1021, from 0
  std::uint16_t crc = 0;
  for (std::uint8_t b : bytes) {
    crc ^= static_cast<std::uint16_t>(b) << 8;
    for (int i = 0; i < 8; ++i) crc = (crc & 0x8000) ? static_cast<std::uint16_t>((crc << 1) ^ 0x1021) : crc << 1;
  }
  return crc;
}

std::string base32(const std::vector<std::uint8_t>& bytes) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (std::uint8_t b : bytes) {
    buffer = (buffer << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 31];
  return out;
}

bool unbase32(std::string_view text, std::vector<std::uint8_t>& out) {
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= '2' && c <= '7' ? c - '2' + 26 : -1;
    if (v < 0) return false;
    buffer = (buffer << 5) | static_cast<unsigned>(v);
    bits += 5;
    if (bits >= 8) {
      out.push_back(static_cast<std::uint8_t>(buffer >> (bits - 8)));
      bits -= 8;
    }
  }
  return true;
}

std::string with_crc(std::vector<std::uint8_t> raw) {
  const std::uint16_t crc = crc16(raw);
  raw.push_back(static_cast<std::uint8_t>(crc & 0xff));
  raw.push_back(static_cast<std::uint8_t>(crc >> 8));
  return base32(raw);
}

}  // namespace

std::string encode_user_seed(const std::array<std::uint8_t, 32>& seed) {
  std::vector<std::uint8_t> raw = {static_cast<std::uint8_t>(kSeedPrefix | (kUserPrefix >> 5)),
                                   static_cast<std::uint8_t>((kUserPrefix & 31) << 3)};
  raw.insert(raw.end(), seed.begin(), seed.end());
  return with_crc(std::move(raw));
}

app::Result<std::string> nkey_public_key_of_seed(std::string_view seed) {
  std::vector<std::uint8_t> raw;
  if (!unbase32(seed, raw) || raw.size() != 36) return app::fail(app::Code::invalid_argument, "not an nkey seed");
  const std::uint16_t crc = static_cast<std::uint16_t>(raw[34] | (raw[35] << 8));
  raw.resize(34);
  if (crc16(raw) != crc) return app::fail(app::Code::invalid_argument, "the nkey seed's checksum does not match");
  if ((raw[0] & 0xf8) != kSeedPrefix || static_cast<std::uint8_t>(((raw[0] & 7) << 5) | (raw[1] >> 3)) != kUserPrefix)
    return app::fail(app::Code::invalid_argument, "not a user nkey seed (SU...)");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, raw.data() + 2, 32), &EVP_PKEY_free);
  std::array<std::uint8_t, 32> pub{};
  std::size_t len = pub.size();
  if (!key || EVP_PKEY_get_raw_public_key(key.get(), pub.data(), &len) != 1 || len != 32)
    return app::fail(app::Code::invalid_argument, "the nkey seed is not an ed25519 key");
  std::vector<std::uint8_t> out = {kUserPrefix};
  out.insert(out.end(), pub.begin(), pub.end());
  return with_crc(std::move(out));
}

app::Result<std::string> nkey_public_key(const std::string& seed_file) {
  std::ifstream in(seed_file);
  if (!in) return app::fail(app::Code::invalid_argument, "cannot read the nkey seed file '" + seed_file + "'");
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.rfind("SU", 0) != 0) continue;
    auto pub = nkey_public_key_of_seed(line);
    if (!pub) return app::fail(app::Code::invalid_argument, "nkey seed file '" + seed_file + "': " + pub.error().message);
    return pub;
  }
  return app::fail(app::Code::invalid_argument, "the nkey seed file '" + seed_file + "' holds no user seed (SU...)");
}

}  // namespace mailbox::replication
