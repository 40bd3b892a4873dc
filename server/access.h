#pragma once
// Who is calling, and the rules that say what each route lets them do. Every route of
// the table (routes.cc) names one rule; api.cc applies the ones that need nothing but
// the caller, and handlers the ones that depend on what is asked (whose mailbox).
//
// Without keys (open mode) there is no caller to check: mailboxd then serves loopback
// clients only, and every rule lets them through, as before identity existed.

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "app/actor.h"
#include "server/reply.h"

namespace mailbox::server {

enum class Rule {
  open,         // anyone; a token sent along is ignored
  self_only,    // the caller's own number (user, receiver or phone), which defaults to it
  own_mailbox,  // the caller's own mailbox (receiver defaults to the caller)
  participant,  // a message of the caller's, as sender or receiver; others are not found
  admin_scope,  // a token with the mailbox:admin scope
};

// The rule's name, as problems report it in their `rule` member.
std::string_view rule_name(Rule rule);

inline constexpr std::string_view kAdminScope = "mailbox:admin";

struct Caller {
  bool authenticated = false;  // false in open mode (no keys)
  std::string subject;         // the token's sub: a phone number
  std::vector<std::string> scopes;
  std::string token_id;        // the token's jti, if any
  std::string address;         // the client's IP address

  bool has_scope(std::string_view scope) const;
  // Who the command's events are attributed to: the subject, or "anonymous".
  app::Actor actor() const;
};

// The caller's own number for a self_only or own_mailbox field: the given value when it
// is the caller's (or in open mode, where it is required as given), the caller's
// subject when none is given; a 403 naming the rule when it is someone else's.
// In open mode a missing value is left empty for the handler to refuse as before.
std::expected<std::string, Problem> own_number(const Caller& caller, Rule rule, std::string given,
                                               std::string_view field);

// A 403 problem naming the rule that refused.
Problem forbidden(Rule rule, std::string detail);

}  // namespace mailbox::server
