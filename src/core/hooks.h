// Hooks: a user's script run after a clone is ready (post-spawn), with the clone's facts in its
// environment. A failing hook fails the operation (fail closed).
#pragma once

#include <string>

#include "base/result.h"
#include "catalog/rows.h"

namespace dbtwin::core {

struct HookFacts {
  std::string clone, template_name, host, user, password, database, url;
  int port = 0;
};

// Runs `script` with DBTWIN_CLONE, DBTWIN_TEMPLATE, DBTWIN_HOST, DBTWIN_PORT, DBTWIN_USER,
// DBTWIN_PASSWORD, DBTWIN_DATABASE and DBTWIN_URL set; its output goes to our stderr.
// hook_failed with the exit code if it fails.
Status run_hook(const std::string& script, const HookFacts& facts);

}  // namespace dbtwin::core
