#include "server/auth/jwk.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <array>
#include <cstring>

#include "server/auth/base64url.h"

namespace mailbox::server::auth {

namespace {

constexpr std::size_t kMinRsaBits = 2048;
constexpr std::size_t kP256CoordinateBytes = 32;

std::string sha256_base64url(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1) return {};
  return base64url_encode(std::string_view(reinterpret_cast<const char*>(digest.data()), length));
}

// The big-endian bytes of a parameter of key: minimal (pad 0) or left-padded to pad.
std::string bignum_param(const EVP_PKEY* key, const char* name, int pad) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) return {};
  const BignumPtr bn(raw);
  std::string bytes(static_cast<std::size_t>(pad > 0 ? pad : BN_num_bytes(bn.get())), '\0');
  auto* out = reinterpret_cast<unsigned char*>(bytes.data());
  const int written = pad > 0 ? BN_bn2binpad(bn.get(), out, pad) : BN_bn2bin(bn.get(), out);
  if (written < 0) return {};
  return bytes;
}

bool is_p256(const EVP_PKEY* key) {
  std::array<char, 64> name{};
  std::size_t length = 0;
  if (EVP_PKEY_get_group_name(key, name.data(), name.size(), &length) != 1) return false;
  const std::string_view group(name.data(), length);
  return group == "prime256v1" || group == "P-256" || group == "secp256r1";
}

// Asks OpenSSL whether key's public part is sound (for EC: a point on the curve).
bool public_part_checks(EVP_PKEY* key) {
  const PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  return ctx && EVP_PKEY_public_check(ctx.get()) == 1;
}

std::expected<PkeyPtr, std::string> key_from_params(const char* type, OSSL_PARAM_BLD* builder) {
  const ParamPtr params(OSSL_PARAM_BLD_to_param(builder));
  const PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1)
    return std::unexpected(std::string("OpenSSL could not make a ") + type + " key");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    return std::unexpected(std::string("OpenSSL refused the ") + type + " key's members");
  PkeyPtr key(raw);
  if (!public_part_checks(key.get())) return std::unexpected(std::string("OpenSSL's check of the ") + type + " public key failed");
  return key;
}

}  // namespace

std::expected<Algorithm, std::string> key_algorithm(const EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    const int bits = EVP_PKEY_get_bits(key);
    if (bits < static_cast<int>(kMinRsaBits))
      return std::unexpected("an RSA key of " + std::to_string(bits) + " bits: RS256 needs at least " +
                             std::to_string(kMinRsaBits));
    return Algorithm::rs256;
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    if (!is_p256(key)) return std::unexpected(std::string("an EC key on a curve other than P-256 (only ES256 is accepted)"));
    return Algorithm::es256;
  }
  const char* type = EVP_PKEY_get0_type_name(key);
  return std::unexpected(std::string("a key of type ") + (type ? type : "unknown") +
                         ": only RSA (RS256) and EC P-256 (ES256) keys are accepted");
}

std::expected<std::string, std::string> jwk_thumbprint(const EVP_PKEY* key) {
  auto algorithm = key_algorithm(key);
  if (!algorithm) return std::unexpected(algorithm.error());
  if (*algorithm == Algorithm::rs256) {
    const std::string n = bignum_param(key, OSSL_PKEY_PARAM_RSA_N, 0);
    const std::string e = bignum_param(key, OSSL_PKEY_PARAM_RSA_E, 0);
    if (n.empty() || e.empty()) return std::unexpected(std::string("OpenSSL gave no modulus or exponent for the RSA key"));
    return rsa_jwk_thumbprint(base64url_encode(n), base64url_encode(e));
  }
  const std::string x = bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_X, kP256CoordinateBytes);
  const std::string y = bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_Y, kP256CoordinateBytes);
  if (x.empty() || y.empty()) return std::unexpected(std::string("OpenSSL gave no public point for the EC key"));
  return ec_jwk_thumbprint("P-256", base64url_encode(x), base64url_encode(y));
}

// RFC 7638 section 3.2: the required members only, in lexicographic order, no spaces.
std::string rsa_jwk_thumbprint(std::string_view n, std::string_view e) {
  std::string json = "{\"e\":\"";
  json.append(e).append("\",\"kty\":\"RSA\",\"n\":\"").append(n).append("\"}");
  return sha256_base64url(json);
}

std::string ec_jwk_thumbprint(std::string_view crv, std::string_view x, std::string_view y) {
  std::string json = "{\"crv\":\"";
  json.append(crv).append("\",\"kty\":\"EC\",\"x\":\"").append(x).append("\",\"y\":\"").append(y).append("\"}");
  return sha256_base64url(json);
}

std::expected<PkeyPtr, std::string> rsa_public_key_from_jwk(std::string_view n, std::string_view e) {
  auto n_bytes = base64url_decode(n);
  auto e_bytes = base64url_decode(e);
  if (!n_bytes || n_bytes->empty()) return std::unexpected(std::string("\"n\" is not base64url"));
  if (!e_bytes || e_bytes->empty()) return std::unexpected(std::string("\"e\" is not base64url"));
  const BignumPtr n_bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(n_bytes->data()),
                                 static_cast<int>(n_bytes->size()), nullptr));
  const BignumPtr e_bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(e_bytes->data()),
                                 static_cast<int>(e_bytes->size()), nullptr));
  const ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!n_bn || !e_bn || !builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n_bn.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e_bn.get()) != 1)
    return std::unexpected(std::string("OpenSSL could not take the RSA key's members"));
  auto key = key_from_params("RSA", builder.get());
  if (!key) return key;
  if (auto algorithm = key_algorithm(key->get()); !algorithm) return std::unexpected(algorithm.error());
  return key;
}

std::expected<PkeyPtr, std::string> ec_public_key_from_jwk(std::string_view crv, std::string_view x,
                                                           std::string_view y) {
  if (crv != "P-256") return std::unexpected(std::string("\"crv\" is not P-256 (only ES256 is accepted)"));
  auto x_bytes = base64url_decode(x);
  auto y_bytes = base64url_decode(y);
  if (!x_bytes || x_bytes->size() != kP256CoordinateBytes)
    return std::unexpected(std::string("\"x\" is not base64url of 32 bytes"));
  if (!y_bytes || y_bytes->size() != kP256CoordinateBytes)
    return std::unexpected(std::string("\"y\" is not base64url of 32 bytes"));
  std::string point = "\x04" + *x_bytes + *y_bytes;  // uncompressed: 0x04 || x || y (SEC 1)
  const ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
    return std::unexpected(std::string("OpenSSL could not take the EC key's members"));
  return key_from_params("EC", builder.get());
}

}  // namespace mailbox::server::auth
