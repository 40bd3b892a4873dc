#include "server/auth/principal.h"

#include <algorithm>

namespace mailbox::server::auth {

bool Principal::has_scope(std::string_view scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

}  // namespace mailbox::server::auth
