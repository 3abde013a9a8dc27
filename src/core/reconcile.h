// Reconciliation: after a command was killed mid-way, the next one cleans up what it left.
//
// Every row in a transitional state records the process doing the work. If that process is
// gone, its row, volume, server, run folder and port are removed (or, for a refresh, only the
// unfinished snapshot). With `sweep` (no other dbtwin process holds the state folder), volumes,
// ports, run folders and server processes that no row accounts for are removed too.
#pragma once

#include "base/result.h"

namespace dbtwin::core {

class Context;

Status reconcile(Context& ctx, bool sweep);

}  // namespace dbtwin::core
