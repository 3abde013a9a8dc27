// JSON shapes of what users see, shared by the CLI's --json and the HTTP API.
#pragma once

#include <nlohmann/json.hpp>

#include "core/clones.h"
#include "core/pool_admin.h"
#include "core/templates.h"

namespace dbtwin::core {

nlohmann::json to_json(const CloneView& v);
nlohmann::json to_json(const TemplateView& v);
nlohmann::json to_json(const catalog::SnapshotRow& s);
nlohmann::json to_json(const PoolStatus& s);

}  // namespace dbtwin::core
