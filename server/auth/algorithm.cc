#include "server/auth/algorithm.h"

namespace mailbox::server::auth {

std::string_view algorithm_name(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::hs256: return "HS256";
    case Algorithm::rs256: return "RS256";
    case Algorithm::es256: return "ES256";
  }
  return "?";
}

std::optional<Algorithm> parse_algorithm(std::string_view alg) {
  for (Algorithm a : {Algorithm::hs256, Algorithm::rs256, Algorithm::es256})
    if (alg == algorithm_name(a)) return a;
  return std::nullopt;
}

}  // namespace mailbox::server::auth
