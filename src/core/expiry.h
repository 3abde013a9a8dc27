// Time to live: clones past their expiry are destroyed (never protected ones).
#pragma once

#include "base/result.h"

namespace dbtwin::core {

class Context;

// Destroys every unprotected clone whose time to live has passed; adds a note for each.
Status expire_clones(Context& ctx);

}  // namespace dbtwin::core
