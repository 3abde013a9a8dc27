// Clone operations. Each multi-step operation undoes its finished steps on failure.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "catalog/rows.h"
#include "core/context.h"

namespace dbtwin::core {

struct CloneRequest {
  std::string template_name;
  std::optional<std::string> name;        // generated from the template name if absent
  std::optional<int64_t> snapshot_id;     // the newest snapshot if absent
  std::optional<std::string> from_clone;  // copy another clone's current state instead
  std::optional<std::chrono::seconds> ttl;
  std::optional<std::string> password;  // random if absent
  std::string user = "dbtwin";
  std::optional<std::string> exec;  // a script run once the clone is ready
  std::string owner;
};

// What the user sees of a clone: its row plus live facts.
struct CloneView {
  catalog::CloneRow row;
  std::string state;  // the recorded state, or "crashed" if a running server is gone
  std::string url;
  std::string host;
  std::optional<uint64_t> used_bytes;
  double seconds = 0;  // for create/reset: from the command's start to the first login
};

Result<CloneView> create_clone(Context& ctx, const CloneRequest& req);
Result<CloneView> show_clone(Context& ctx, const std::string& name, bool with_space);
Result<std::vector<CloneView>> list_clones(Context& ctx, const std::optional<std::string>& tmpl,
                                           bool with_space);
Result<CloneView> stop_clone(Context& ctx, const std::string& name);
Result<CloneView> start_clone(Context& ctx, const std::string& name);
Result<CloneView> reset_clone(Context& ctx, const std::string& name);
Result<CloneView> set_protected(Context& ctx, const std::string& name, bool value);
Result<CloneView> extend_clone(Context& ctx, const std::string& name, std::chrono::seconds ttl);
// Destroys a clone: server, volume, run folder, port, row. A protected clone is a conflict
// unless `force`.
Status destroy_clone(Context& ctx, const std::string& name, bool force);

}  // namespace dbtwin::core
