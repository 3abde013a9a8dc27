// Users: the service user that runs engine servers when dbtwin runs as root.
#pragma once

#include <optional>
#include <string>

#include "base/result.h"
#include "os/process.h"

namespace dbtwin::os {

Result<Identity> lookup_user(const std::string& name);
// Looks the user up, creating it as a system user with no login shell if it is missing.
Result<Identity> ensure_system_user(const std::string& name);
// The name of the invoking person: $SUDO_USER, else the name of the real uid.
std::string invoking_user_name();

}  // namespace dbtwin::os
