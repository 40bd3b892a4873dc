#pragma once
// The error vocabulary of backups: the application's (app/status.h), by short names.

#include "app/status.h"

namespace mailbox::backup {

using app::Code;
using app::Error;
using app::fail;
using app::Result;
using app::Status;

}  // namespace mailbox::backup
