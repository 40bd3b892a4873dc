#pragma once
// Keys and signed tokens for the auth tests, made with OpenSSL directly (not with the
// code under test): RSA 2048 and P-256 keys from EVP_PKEY_Q_keygen, their PEM and JWK
// forms, and compact JWS tokens over any header and claims JSON, well-formed or not.

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace mailbox::testing {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using TestKey = std::unique_ptr<EVP_PKEY, PkeyFree>;

inline TestKey generate_rsa_key(std::size_t bits = 2048) {
  TestKey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", bits));
  if (!key) throw std::runtime_error("RSA key generation failed");
  return key;
}

inline TestKey generate_ec_key(const char* curve = "P-256") {
  TestKey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
  if (!key) throw std::runtime_error("EC key generation failed");
  return key;
}

// Keys made once per test process (an RSA key takes a while), each on first use.
inline EVP_PKEY* rsa_key_1() { static TestKey key = generate_rsa_key(); return key.get(); }
inline EVP_PKEY* rsa_key_2() { static TestKey key = generate_rsa_key(); return key.get(); }
inline EVP_PKEY* ec_key_1() { static TestKey key = generate_ec_key(); return key.get(); }
inline EVP_PKEY* ec_key_2() { static TestKey key = generate_ec_key(); return key.get(); }

// Standard base64 from OpenSSL, then made URL-safe and unpadded.
inline std::string b64url(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

inline std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return text;
}

inline std::string public_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (PEM_write_bio_PUBKEY(bio, key) != 1) throw std::runtime_error("PEM_write_bio_PUBKEY failed");
  return bio_text(bio);
}

inline std::string private_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw std::runtime_error("PEM_write_bio_PrivateKey failed");
  return bio_text(bio);
}

inline std::string bignum_bytes(EVP_PKEY* key, const char* name, int pad) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) throw std::runtime_error("no key parameter");
  std::string out(static_cast<std::size_t>(pad ? pad : BN_num_bytes(bn)), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  pad ? BN_bn2binpad(bn, p, pad) : BN_bn2bin(bn, p);
  BN_free(bn);
  return out;
}

// The public JWK of an RSA or EC P-256 key; extra is spliced in as more members
// (e.g. R"("alg":"RS256")"). kid empty: no "kid".
inline std::string public_jwk(EVP_PKEY* key, const std::string& kid, const std::string& extra = "") {
  std::string jwk = "{";
  if (!kid.empty()) jwk += "\"kid\":\"" + kid + "\",";
  if (EVP_PKEY_is_a(key, "RSA")) {
    jwk += "\"kty\":\"RSA\",\"n\":\"" + b64url(bignum_bytes(key, OSSL_PKEY_PARAM_RSA_N, 0)) + "\",\"e\":\"" +
           b64url(bignum_bytes(key, OSSL_PKEY_PARAM_RSA_E, 0)) + "\"";
  } else {
    jwk += "\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" + b64url(bignum_bytes(key, OSSL_PKEY_PARAM_EC_PUB_X, 32)) +
           "\",\"y\":\"" + b64url(bignum_bytes(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32)) + "\"";
  }
  if (!extra.empty()) jwk += "," + extra;
  return jwk + "}";
}

// The RFC 7638 thumbprint of an RSA or EC P-256 key: SHA-256 over its required JWK
// members in lexicographic order, in base64url. A PEM public key's id in mailboxd.
inline std::string rfc7638_thumbprint(EVP_PKEY* key) {
  std::string members;
  if (EVP_PKEY_is_a(key, "RSA"))
    members = "{\"e\":\"" + b64url(bignum_bytes(key, OSSL_PKEY_PARAM_RSA_E, 0)) + "\",\"kty\":\"RSA\",\"n\":\"" +
              b64url(bignum_bytes(key, OSSL_PKEY_PARAM_RSA_N, 0)) + "\"}";
  else
    members = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + b64url(bignum_bytes(key, OSSL_PKEY_PARAM_EC_PUB_X, 32)) +
              "\",\"y\":\"" + b64url(bignum_bytes(key, OSSL_PKEY_PARAM_EC_PUB_Y, 32)) + "\"}";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(members.data(), members.size(), digest, &n, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("EVP_Digest failed");
  return b64url(std::string_view(reinterpret_cast<const char*>(digest), n));
}

inline std::string jwks(const std::vector<std::string>& jwks) {
  std::string out = "{\"keys\":[";
  for (std::size_t i = 0; i < jwks.size(); ++i) out += (i ? "," : "") + jwks[i];
  return out + "]}";
}

inline void write_file(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline std::string signing_input(std::string_view header_json, std::string_view claims_json) {
  return b64url(header_json) + "." + b64url(claims_json);
}

inline std::string hmac_sha256(std::string_view secret, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &n);
  return std::string(reinterpret_cast<char*>(mac), n);
}

// The DER signature OpenSSL makes with key over data (SHA-256).
inline std::string digest_sign(EVP_PKEY* key, std::string_view data) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t n = 0;
  std::string sig;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  if (EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestSign(ctx, nullptr, &n, in, data.size()) == 1) {
    sig.resize(n);
    if (EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &n, in, data.size()) == 1) sig.resize(n);
    else sig.clear();
  }
  EVP_MD_CTX_free(ctx);
  if (sig.empty()) throw std::runtime_error("EVP_DigestSign failed");
  return sig;
}

// An ECDSA DER signature as JWS writes it: r||s, 32 bytes each.
inline std::string der_to_raw_es256(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (!sig) throw std::runtime_error("d2i_ECDSA_SIG failed");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::string raw(64, '\0');
  BN_bn2binpad(r, reinterpret_cast<unsigned char*>(raw.data()), 32);
  BN_bn2binpad(s, reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
  ECDSA_SIG_free(sig);
  return raw;
}

// Tokens: the header and claims JSON are used as given, byte for byte.
inline std::string hs256_token(std::string_view secret, std::string_view header_json, std::string_view claims_json) {
  const std::string input = signing_input(header_json, claims_json);
  return input + "." + b64url(hmac_sha256(secret, input));
}

inline std::string rs256_token(EVP_PKEY* key, std::string_view header_json, std::string_view claims_json) {
  const std::string input = signing_input(header_json, claims_json);
  return input + "." + b64url(digest_sign(key, input));
}

inline std::string es256_token(EVP_PKEY* key, std::string_view header_json, std::string_view claims_json) {
  const std::string input = signing_input(header_json, claims_json);
  return input + "." + b64url(der_to_raw_es256(digest_sign(key, input)));
}

// A JWS header: {"alg":alg,"typ":"JWT"} with "kid" when kid is not empty.
inline std::string jws_header(std::string_view alg, std::string_view kid = "") {
  std::string h = "{\"alg\":\"" + std::string(alg) + "\",\"typ\":\"JWT\"";
  if (!kid.empty()) h += ",\"kid\":\"" + std::string(kid) + "\"";
  return h + "}";
}

inline std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace mailbox::testing
