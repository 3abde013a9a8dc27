// dbtwin serve: the HTTP API plus the background loops (supervisor, reaper, scheduled refresh).
#pragma once

#include <string>
#include <vector>

#include "api/http.h"
#include "base/result.h"
#include "core/context.h"

namespace dbtwin::api {

struct ServeOptions {
  std::string listen;  // overrides server.listen when not empty
};

// Serves until SIGTERM or SIGINT. `startup` is a context opened with reconciliation; what it
// found is reported as events. Clone servers keep running when the daemon stops.
Status serve(core::Context& startup, const ServeOptions& options);

// Every route the daemon answers, for the OpenAPI document's test.
std::vector<Route> route_table(const core::Config& config);

}  // namespace dbtwin::api
