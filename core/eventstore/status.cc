#include "core/eventstore/status.h"

namespace mailbox::eventstore {

const char* code_name(Code code) {
  switch (code) {
    case Code::invalid_argument: return "invalid_argument";
    case Code::not_found: return "not_found";
    case Code::already_exists: return "already_exists";
    case Code::permission_denied: return "permission_denied";
    case Code::failed_precondition: return "failed_precondition";
    case Code::resource_exhausted: return "resource_exhausted";
    case Code::aborted: return "aborted";
    case Code::unavailable: return "unavailable";
    case Code::corruption: return "corruption";
    case Code::internal: return "internal";
  }
  return "unknown";
}

}  // namespace mailbox::eventstore
