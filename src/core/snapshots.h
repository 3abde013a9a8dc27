// Snapshots that core takes itself: of a clone (for a clone of a clone, or to freeze it into a
// template), and their removal.
#pragma once

#include <string>

#include "base/result.h"
#include "catalog/rows.h"
#include "core/context.h"

namespace dbtwin::core {

struct SnapshotOfClone {
  std::string template_name;  // the template the snapshot belongs to
  std::string origin;         // e.g. "clone:dev1", "freeze:dev1"
  bool hidden = false;
  bool clean = false;  // true: always a clean stop first (templates must start directly)
};

// Takes an immutable snapshot of a clone's volume. Live when the pool's snapshots are atomic
// and a crash-consistent image will do; otherwise the clone is quiesced (clean stop, snapshot,
// start again), and it is running again afterwards if it was before.
Result<catalog::SnapshotRow> snapshot_clone(Context& ctx, const catalog::CloneRow& clone,
                                            const SnapshotOfClone& how);

// Removes a snapshot's volume and row. The caller checks that no clone uses it.
Status drop_snapshot(Context& ctx, const catalog::SnapshotRow& snap);

// Removes a hidden snapshot once no clone uses it any more.
Status drop_hidden_if_unused(Context& ctx, int64_t snapshot_id);

}  // namespace dbtwin::core
