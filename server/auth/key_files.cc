#include "server/auth/key_files.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <simdjson.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>

#include "server/auth/jwk.h"

namespace mailbox::server::auth {

namespace {

constexpr std::size_t kMinHs256SecretBytes = 32;

app::Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return app::fail(app::Code::invalid_argument, path + ": cannot be read (" + std::strerror(errno) + ")");
  std::string bytes;
  char buffer[8192];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    bytes.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > kMaxKeyFileBytes)
      return app::fail(app::Code::invalid_argument,
                       path + ": is larger than " + std::to_string(kMaxKeyFileBytes) + " bytes");
  }
  if (in.bad()) return app::fail(app::Code::invalid_argument, path + ": cannot be read (" + std::strerror(errno) + ")");
  return bytes;
}

std::unexpected<app::Error> refuse(const std::string& path, const std::string& what) {
  return app::fail(app::Code::invalid_argument, path + ": " + what);
}

struct OpenSslString {
  void operator()(void* p) const { OPENSSL_free(p); }
};

// The PEM blocks of text, each a "PUBLIC KEY".
app::Result<std::vector<Key>> read_pem_keys(const std::string& path, const std::string& text) {
  const BioPtr bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!bio) return refuse(path, "OpenSSL could not read it");
  std::vector<Key> keys;
  for (int block = 1;; ++block) {
    char* name_raw = nullptr;
    char* header_raw = nullptr;
    unsigned char* data_raw = nullptr;
    long length = 0;
    ERR_clear_error();
    const int read = PEM_read_bio(bio.get(), &name_raw, &header_raw, &data_raw, &length);
    const std::unique_ptr<char, OpenSslString> name(name_raw), header(header_raw);
    const std::unique_ptr<unsigned char, OpenSslString> data(data_raw);
    if (read != 1) {
      const unsigned long error = ERR_peek_last_error();
      ERR_clear_error();
      if (ERR_GET_LIB(error) == ERR_LIB_PEM && ERR_GET_REASON(error) == PEM_R_NO_START_LINE) break;  // the end
      return refuse(path, "PEM block " + std::to_string(block) + " is not valid PEM");
    }
    const std::string where = "PEM block " + std::to_string(block);
    if (std::string_view(name.get()) != "PUBLIC KEY")
      return refuse(path, where + " is a \"" + name.get() +
                              "\": only \"PUBLIC KEY\" blocks (as `openssl pkey -pubout` writes them) belong here");
    const unsigned char* p = data.get();
    PkeyPtr key(d2i_PUBKEY(nullptr, &p, length));
    ERR_clear_error();
    if (!key || p != data.get() + length) return refuse(path, where + " is not a public key OpenSSL can read");
    auto algorithm = key_algorithm(key.get());
    if (!algorithm) return refuse(path, where + " is " + algorithm.error());
    auto id = jwk_thumbprint(key.get());
    if (!id) return refuse(path, where + " is " + id.error());
    keys.push_back(Key{std::move(*id), *algorithm, {}, std::move(key)});
  }
  if (keys.empty()) return refuse(path, "holds neither a PEM public key nor a JWKS document");
  return keys;
}

// A JWK member that must be a string when present: nullopt when absent.
std::expected<std::optional<std::string_view>, std::string> string_member(simdjson::dom::object jwk,
                                                                          std::string_view name) {
  simdjson::dom::element value;
  const auto error = jwk.at_key(name).get(value);
  if (error == simdjson::NO_SUCH_FIELD) return std::nullopt;
  std::string_view text;
  if (error || value.get_string().get(text)) return std::unexpected("\"" + std::string(name) + "\" is not a string");
  return text;
}

std::expected<Key, std::string> read_jwk(simdjson::dom::element element) {
  simdjson::dom::object jwk;
  if (element.get_object().get(jwk)) return std::unexpected(std::string("is not a JSON object"));
  std::optional<std::string_view> kty, kid, alg, use, d, n, e, crv, x, y;
  const std::pair<const char*, std::optional<std::string_view>*> members[] = {
      {"kty", &kty}, {"kid", &kid}, {"alg", &alg}, {"use", &use}, {"d", &d},
      {"n", &n},     {"e", &e},     {"crv", &crv}, {"x", &x},     {"y", &y}};
  for (auto [name, member] : members) {
    auto value = string_member(jwk, name);
    if (!value) return std::unexpected(value.error());
    *member = *value;
  }
  if (!kty) return std::unexpected(std::string("has no \"kty\""));
  if (d) return std::unexpected(std::string("holds a private key (\"d\"): publish only the public key"));
  if (use && *use != "sig") return std::unexpected(std::string("has \"use\" other than \"sig\""));
  if (kid && kid->empty()) return std::unexpected(std::string("has an empty \"kid\""));

  std::expected<PkeyPtr, std::string> key = std::unexpected(std::string());
  if (*kty == "RSA") {
    if (!n || !e) return std::unexpected(std::string("is an RSA key without \"n\" and \"e\""));
    key = rsa_public_key_from_jwk(*n, *e);
  } else if (*kty == "EC") {
    if (!crv || !x || !y) return std::unexpected(std::string("is an EC key without \"crv\", \"x\" and \"y\""));
    key = ec_public_key_from_jwk(*crv, *x, *y);
  } else if (*kty == "oct") {
    return std::unexpected(std::string("is a symmetric key (\"oct\"): the HS256 secret has its own file"));
  } else {
    return std::unexpected(std::string("has a \"kty\" other than RSA and EC"));
  }
  ERR_clear_error();
  if (!key) return std::unexpected(key.error());
  auto algorithm = key_algorithm(key->get());
  if (!algorithm) return std::unexpected("is " + algorithm.error());
  if (alg && *alg != algorithm_name(*algorithm))
    return std::unexpected("has \"alg\" \"" + std::string(*alg) + "\", but this key is used for " +
                           std::string(algorithm_name(*algorithm)) + " only");
  std::string id;
  if (kid) {
    id = *kid;
  } else {
    auto thumbprint = jwk_thumbprint(key->get());
    if (!thumbprint) return std::unexpected(thumbprint.error());
    id = std::move(*thumbprint);
  }
  return Key{std::move(id), *algorithm, {}, std::move(*key)};
}

app::Result<std::vector<Key>> read_jwks(const std::string& path, const std::string& text) {
  simdjson::dom::parser parser;
  const simdjson::padded_string padded(text);
  simdjson::dom::element document;
  if (parser.parse(padded).get(document)) return refuse(path, "is not valid JSON (a JWKS document was expected)");
  simdjson::dom::array array;
  if (document["keys"].get_array().get(array)) return refuse(path, "is JSON without a \"keys\" array (not a JWKS document)");
  std::vector<Key> keys;
  std::size_t index = 0;
  for (simdjson::dom::element element : array) {
    auto key = read_jwk(element);
    if (!key) return refuse(path, "key " + std::to_string(index) + " of \"keys\" " + key.error());
    keys.push_back(std::move(*key));
    ++index;
  }
  if (keys.empty()) return refuse(path, "has an empty \"keys\" array");
  return keys;
}

}  // namespace

app::Result<std::string> read_hs256_secret(const std::string& path) {
  auto bytes = read_file(path);
  if (!bytes) return bytes;
  if (!bytes->empty() && bytes->back() == '\n') bytes->pop_back();
  if (bytes->size() < kMinHs256SecretBytes)
    return refuse(path, "the HS256 secret is " + std::to_string(bytes->size()) + " bytes; it must be at least " +
                            std::to_string(kMinHs256SecretBytes) + " (one trailing newline is not counted)");
  return bytes;
}

app::Result<Key> read_hs256_key(const std::string& path) {
  auto secret = read_hs256_secret(path);
  if (!secret) return std::unexpected(secret.error());
  return Key{std::string(kHs256KeyId), Algorithm::hs256, std::move(*secret), nullptr};
}

app::Result<std::vector<Key>> read_public_keys(const std::string& path) {
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  const auto first = text->find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return refuse(path, "is empty");
  if ((*text)[first] == '{') return read_jwks(path, *text);
  return read_pem_keys(path, *text);
}

}  // namespace mailbox::server::auth
