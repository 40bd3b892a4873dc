#include "server/auth/key.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/hmac.h>

#include <array>
#include <climits>
#include <vector>

namespace mailbox::server::auth {

namespace {

constexpr std::size_t kEs256SignatureBytes = 64;

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

bool hmac_sha256_matches(std::string_view secret, std::string_view input, std::string_view signature) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  if (secret.size() > INT_MAX) return false;
  if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), bytes(input), input.size(), mac.data(),
           &length) == nullptr)
    return false;
  return signature.size() == length && CRYPTO_memcmp(mac.data(), signature.data(), length) == 0;
}

bool digest_verify(EVP_PKEY* key, std::string_view input, const unsigned char* signature, std::size_t size) {
  const MdCtxPtr ctx(EVP_MD_CTX_new());
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), signature, size, bytes(input), input.size()) == 1;
}

// JWS writes an ECDSA signature as r||s, 32 bytes each (RFC 7518 section 3.4);
// OpenSSL verifies the DER form (X9.62 ECDSA-Sig-Value).
std::vector<unsigned char> es256_signature_as_der(std::string_view raw) {
  if (raw.size() != kEs256SignatureBytes) return {};
  const EcdsaSigPtr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(bytes(raw), kEs256SignatureBytes / 2, nullptr);
  BIGNUM* s = BN_bin2bn(bytes(raw) + kEs256SignatureBytes / 2, kEs256SignatureBytes / 2, nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {  // on success sig owns r and s
    BN_free(r);
    BN_free(s);
    return {};
  }
  const int length = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (length <= 0) return {};
  std::vector<unsigned char> der(static_cast<std::size_t>(length));
  unsigned char* out = der.data();
  if (i2d_ECDSA_SIG(sig.get(), &out) != length) return {};
  return der;
}

bool verify_with(const Key& key, std::string_view input, std::string_view signature) {
  switch (key.algorithm) {
    case Algorithm::hs256:
      return hmac_sha256_matches(key.secret, input, signature);
    case Algorithm::rs256:
      return digest_verify(key.public_key.get(), input, bytes(signature), signature.size());
    case Algorithm::es256: {
      const std::vector<unsigned char> der = es256_signature_as_der(signature);
      return !der.empty() && digest_verify(key.public_key.get(), input, der.data(), der.size());
    }
  }
  return false;
}

}  // namespace

bool Key::verify(std::string_view signing_input, std::string_view signature) const {
  const bool ok = verify_with(*this, signing_input, signature);
  if (!ok) ERR_clear_error();
  return ok;
}

}  // namespace mailbox::server::auth
