#include "tools/token/token_signer.h"

#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <array>
#include <climits>
#include <vector>

#include "server/auth/base64url.h"
#include "server/auth/jwk.h"
#include "server/auth/key_files.h"

namespace mailbox::token {

namespace auth = server::auth;

namespace {

std::unexpected<app::Error> refuse(std::string message) {
  ERR_clear_error();
  return app::fail(app::Code::invalid_argument, std::move(message));
}

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

app::Result<std::string> hmac_sha256(std::string_view secret, std::string_view input) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  if (secret.size() > INT_MAX ||
      HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), bytes(input), input.size(), mac.data(),
           &length) == nullptr)
    return app::fail(app::Code::internal, "OpenSSL could not compute the HMAC");
  return std::string(reinterpret_cast<const char*>(mac.data()), length);
}

app::Result<std::string> digest_sign(EVP_PKEY* key, std::string_view input) {
  const auth::MdCtxPtr ctx(EVP_MD_CTX_new());
  std::size_t length = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length, bytes(input), input.size()) != 1)
    return app::fail(app::Code::internal, "OpenSSL could not sign");
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, bytes(input),
                     input.size()) != 1)
    return app::fail(app::Code::internal, "OpenSSL could not sign");
  signature.resize(length);
  return signature;
}

// OpenSSL's DER ECDSA-Sig-Value as JWS writes it: r||s, each left-padded to 32 bytes.
app::Result<std::string> der_to_jws_es256(const std::string& der) {
  const unsigned char* p = bytes(der);
  const auth::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) return app::fail(app::Code::internal, "OpenSSL gave an unreadable ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(r, out, 32) != 32 || BN_bn2binpad(s, out + 32, 32) != 32)
    return app::fail(app::Code::internal, "OpenSSL gave an ECDSA signature too long for P-256");
  return raw;
}

}  // namespace

app::Result<SigningKey> read_hs256_signing_key(const std::string& path) {
  auto secret = auth::read_hs256_secret(path);
  if (!secret) return std::unexpected(secret.error());
  SigningKey key;
  key.secret = std::move(*secret);
  return key;
}

app::Result<SigningKey> read_pem_signing_key(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return refuse(path + ": cannot be read");
  // No passphrase: an encrypted key is refused rather than prompted for.
  pem_password_cb* no_passphrase = [](char*, int, int, void*) { return 0; };
  auth::PkeyPtr pkey(PEM_read_PrivateKey(file, nullptr, no_passphrase, nullptr));
  std::fclose(file);
  if (!pkey) return refuse(path + ": holds no PEM private key OpenSSL can read (an encrypted one is not read)");
  auto algorithm = auth::key_algorithm(pkey.get());
  if (!algorithm) return refuse(path + ": is " + algorithm.error());
  auto thumbprint = auth::jwk_thumbprint(pkey.get());
  if (!thumbprint) return refuse(path + ": is " + thumbprint.error());
  SigningKey key;
  key.algorithm = *algorithm;
  key.private_key = std::move(pkey);
  key.thumbprint = std::move(*thumbprint);
  return key;
}

app::Result<std::string> sign_compact_jws(const SigningKey& key, std::string_view header_json,
                                          std::string_view payload_json) {
  std::string token = auth::base64url_encode(header_json) + "." + auth::base64url_encode(payload_json);
  app::Result<std::string> signature = std::string();
  switch (key.algorithm) {
    case auth::Algorithm::hs256: signature = hmac_sha256(key.secret, token); break;
    case auth::Algorithm::rs256: signature = digest_sign(key.private_key.get(), token); break;
    case auth::Algorithm::es256:
      signature = digest_sign(key.private_key.get(), token);
      if (signature) signature = der_to_jws_es256(*signature);
      break;
  }
  if (!signature) return std::unexpected(signature.error());
  return token + "." + auth::base64url_encode(*signature);
}

}  // namespace mailbox::token
