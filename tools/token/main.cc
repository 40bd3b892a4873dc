// mailbox-token: prints a bearer token (a signed JWT) that mailboxd accepts.
#include <boost/program_options.hpp>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "app/commands/validation.h"
#include "app/json_writer.h"
#include "tools/token/token_signer.h"

namespace {

namespace po = boost::program_options;
using namespace mailbox;

const char* kUsage =
    "mailbox-token: prints a bearer token (a JWT) for mailboxd\n\n"
    "Usage: mailbox-token (--hs256-secret-file FILE | --private-key PEM) --sub PHONE [options]\n\n"
    "The key's type picks the algorithm: the secret HS256, an RSA key RS256, an EC P-256 key\n"
    "ES256. With a private key and no --kid, the kid is the RFC 7638 thumbprint of its public\n"
    "key, which is the id mailboxd gives that public key. Exit codes: 0 printed, 1 signing\n"
    "failed, 2 usage error or a key file that is refused.\n\nOptions";

int usage_error(const std::string& message) {
  std::fprintf(stderr, "mailbox-token: %s (see mailbox-token --help)\n", message.c_str());
  return 2;
}

// "90s", "15m", "1h": a positive whole number of seconds, minutes or hours.
std::optional<std::int64_t> parse_duration_seconds(const std::string& text) {
  if (text.size() < 2) return std::nullopt;
  const char unit = text.back();
  const std::int64_t scale = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : 0;
  if (scale == 0) return std::nullopt;
  std::int64_t value = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    if (value > (std::numeric_limits<std::int64_t>::max() / scale - 9) / 10) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  if (value == 0) return std::nullopt;
  return value * scale;
}

struct Flags {
  std::string secret_file, private_key, sub, scope, ttl, kid, iss, aud, jti;
  std::optional<std::int64_t> exp;
};

std::string header_json(const token::SigningKey& key, const Flags& flags) {
  app::JsonWriter json;
  json.begin_object().field("alg", server::auth::algorithm_name(key.algorithm)).field("typ", "JWT");
  if (!flags.kid.empty()) json.field("kid", flags.kid);
  else if (key.thumbprint) json.field("kid", *key.thumbprint);
  return json.end_object().take();
}

std::string payload_json(const Flags& flags, std::int64_t now, std::int64_t exp) {
  app::JsonWriter json;
  json.begin_object().field("sub", flags.sub);
  if (!flags.scope.empty()) json.field("scope", flags.scope);
  if (!flags.iss.empty()) json.field("iss", flags.iss);
  if (!flags.aud.empty()) json.field("aud", flags.aud);
  if (!flags.jti.empty()) json.field("jti", flags.jti);
  return json.field("iat", now).field("exp", exp).end_object().take();
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  std::int64_t exp_flag = 0;
  po::options_description options(kUsage);
  options.add_options()
      ("help,h", "print this help and exit")
      ("hs256-secret-file", po::value(&flags.secret_file), "sign with HS256, with the secret in FILE")
      ("private-key", po::value(&flags.private_key), "sign with the PEM private key in FILE (RS256 or ES256)")
      ("sub", po::value(&flags.sub), "the subject: a phone number (required)")
      ("scope", po::value(&flags.scope), "space-separated scopes, e.g. \"mailbox:admin\"")
      ("ttl", po::value(&flags.ttl)->default_value("1h"), "lifetime: 90s, 15m, 1h")
      ("exp", po::value(&exp_flag), "expiry, in seconds since 1970 (overrides --ttl; may be past)")
      ("kid", po::value(&flags.kid), "the key id to put in the header")
      ("iss", po::value(&flags.iss), "the issuer")
      ("aud", po::value(&flags.aud), "the audience")
      ("jti", po::value(&flags.jti), "the token id");
  po::variables_map vm;
  try {
    const po::positional_options_description none;  // so that a stray argument is an error
    po::store(po::command_line_parser(argc, argv).options(options).positional(none).run(), vm);
    if (vm.count("help")) {
      std::ostringstream help;
      help << options;
      std::printf("%s", help.str().c_str());
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return usage_error(e.what());
  }
  if (vm.count("exp")) flags.exp = exp_flag;

  if (flags.secret_file.empty() == flags.private_key.empty())
    return usage_error("give exactly one of --hs256-secret-file and --private-key");
  if (flags.sub.empty()) return usage_error("--sub is required");
  if (auto valid = commands::validate_phone("sub", flags.sub); !valid)
    return usage_error("--sub " + valid.error().message);
  const auto ttl = parse_duration_seconds(flags.ttl);
  if (!ttl) return usage_error("--ttl must be a positive number with s, m or h, e.g. 90s, 15m, 1h");

  auto key = flags.secret_file.empty() ? token::read_pem_signing_key(flags.private_key)
                                       : token::read_hs256_signing_key(flags.secret_file);
  if (!key) return usage_error(key.error().message);

  const std::int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
  const std::int64_t exp = flags.exp ? *flags.exp : now + *ttl;
  auto token = token::sign_compact_jws(*key, header_json(*key, flags), payload_json(flags, now, exp));
  if (!token) {
    std::fprintf(stderr, "mailbox-token: %s\n", token.error().message.c_str());
    return 1;
  }
  std::printf("%s\n", token->c_str());
  return 0;
}
