// Running SQL in a clone as its own user (the demo, tests, and hooks written in C++).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "core/context.h"
#include "engine/engine.h"

namespace dbtwin::core {

Result<std::vector<engine::Row>> query_clone(Context& ctx, const std::string& name,
                                             const std::string& sql);
Status exec_clone(Context& ctx, const std::string& name, const std::string& sql);

}  // namespace dbtwin::core
