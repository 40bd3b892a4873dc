#include "server/access.h"

#include <algorithm>

namespace mailbox::server {

std::string_view rule_name(Rule rule) {
  switch (rule) {
    case Rule::open: return "open";
    case Rule::self_only: return "self_only";
    case Rule::own_mailbox: return "own_mailbox";
    case Rule::participant: return "participant";
    case Rule::admin_scope: return "admin_scope";
  }
  return "unknown";
}

bool Caller::has_scope(std::string_view scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

app::Actor Caller::actor() const {
  return app::Actor{authenticated ? subject : "anonymous", token_id, address};
}

Problem forbidden(Rule rule, std::string detail) {
  Problem p = problem("forbidden", std::move(detail));
  p.rule = std::string(rule_name(rule));
  return p;
}

std::expected<std::string, Problem> own_number(const Caller& caller, Rule rule, std::string given,
                                               std::string_view field) {
  if (!caller.authenticated) return given;
  if (given.empty()) return caller.subject;
  if (given != caller.subject)
    return std::unexpected(forbidden(rule, std::string(field) + ": only your own number (" + caller.subject + ")"));
  return given;
}

}  // namespace mailbox::server
