#include "app/backup/sha256.h"

#include <openssl/evp.h>

#include <fstream>
#include <memory>
#include <vector>

namespace mailbox::backup {

Result<std::string> sha256_of_file(const std::filesystem::path& file, const std::stop_token& stop) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return fail(Code::unavailable, "cannot read '" + file.string() + "'");
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
    return fail(Code::internal, "OpenSSL cannot start a SHA-256");
  std::vector<char> chunk(1 << 20);
  while (in) {
    if (stop.stop_requested()) return fail(Code::aborted, "stopped while reading '" + file.string() + "'");
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const auto n = static_cast<std::size_t>(in.gcount());
    if (n > 0 && EVP_DigestUpdate(ctx.get(), chunk.data(), n) != 1)
      return fail(Code::internal, "OpenSSL failed in a SHA-256");
  }
  if (in.bad()) return fail(Code::unavailable, "cannot read '" + file.string() + "'");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_DigestFinal_ex(ctx.get(), digest, &size) != 1) return fail(Code::internal, "OpenSSL failed in a SHA-256");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

}  // namespace mailbox::backup
