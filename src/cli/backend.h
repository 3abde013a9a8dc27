// Backend: the operations the CLI's commands run, either in process against the local state
// (LocalBackend, no daemon needed) or through a `dbtwin serve` daemon over HTTP (RemoteBackend,
// --server URL). Both return the same views, so a command prints the same either way.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "core/clones.h"
#include "core/pool_admin.h"
#include "core/templates.h"
#include "engine/engine.h"

namespace dbtwin::cli {

class Backend {
 public:
  virtual ~Backend() = default;

  // `req.exec` is a hook as the user named it: a script path in process, a hook name in the
  // daemon's hooks folder through a server.
  virtual Result<core::CloneView> create_clone(const core::CloneRequest& req) = 0;
  virtual Result<core::CloneView> show_clone(const std::string& name) = 0;
  virtual Result<std::vector<core::CloneView>> list_clones(
      const std::optional<std::string>& tmpl) = 0;
  virtual Result<core::CloneView> stop_clone(const std::string& name) = 0;
  virtual Result<core::CloneView> start_clone(const std::string& name) = 0;
  virtual Result<core::CloneView> reset_clone(const std::string& name) = 0;
  virtual Result<core::CloneView> set_protected(const std::string& name, bool value) = 0;
  virtual Result<core::CloneView> extend_clone(const std::string& name,
                                               std::chrono::seconds ttl) = 0;
  virtual Status destroy_clone(const std::string& name, bool force) = 0;

  // Long imports: `progress` gets (done, total) bytes as they advance.
  virtual Result<std::vector<core::TemplateView>> create_templates(
      const core::TemplateRequest& req, const engine::Progress& progress) = 0;
  virtual Result<core::TemplateView> refresh_template(const std::string& name,
                                                      const engine::Progress& progress) = 0;
  virtual Result<core::TemplateView> show_template(const std::string& name) = 0;
  virtual Result<std::vector<core::TemplateView>> list_templates() = 0;
  virtual Status delete_template(const std::string& name, bool force) = 0;
  // Sets a template's refresh schedule ("" turns it off) and how many unused snapshots a
  // refresh keeps (0: the configured default).
  virtual Result<core::TemplateView> set_schedule(const std::string& name,
                                                  const std::string& schedule, int keep) = 0;
  // A template's snapshots, newest first, hidden ones left out.
  virtual Result<std::vector<catalog::SnapshotRow>> list_snapshots(const std::string& tmpl) = 0;

  virtual Result<core::PoolStatus> pool_status() = 0;
};

// In process, on this machine's state.
std::unique_ptr<Backend> make_local_backend(core::Context& ctx);

// Through the daemon at `url`: http://host:port, https://host:port, host:port, or
// unix:///path/to.sock (also unix:/path). A non-empty `token` is sent as a bearer token.
Result<std::unique_ptr<Backend>> make_remote_backend(const std::string& url,
                                                     const std::string& token);

}  // namespace dbtwin::cli
