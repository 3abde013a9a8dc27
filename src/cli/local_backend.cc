// LocalBackend: the core operations, in process, on this machine's state.
#include <filesystem>

#include "cli/backend.h"
#include "core/refresh_schedule.h"

namespace dbtwin::cli {

namespace {

class LocalBackend final : public Backend {
 public:
  explicit LocalBackend(core::Context& ctx) : ctx_(ctx) {}

  Result<core::CloneView> create_clone(const core::CloneRequest& req) override {
    core::CloneRequest resolved = req;
    // In process the hook is a script path; the clone keeps it absolute, for reset.
    if (req.exec) {
      if (!std::filesystem::exists(*req.exec))
        return err(Errc::not_found, "hook script {} does not exist", *req.exec);
      resolved.exec = std::filesystem::absolute(*req.exec).lexically_normal().string();
    }
    return core::create_clone(ctx_, resolved);
  }
  Result<core::CloneView> show_clone(const std::string& name) override {
    return core::show_clone(ctx_, name, true);
  }
  Result<std::vector<core::CloneView>> list_clones(
      const std::optional<std::string>& tmpl) override {
    return core::list_clones(ctx_, tmpl, true);
  }
  Result<core::CloneView> stop_clone(const std::string& name) override {
    return core::stop_clone(ctx_, name);
  }
  Result<core::CloneView> start_clone(const std::string& name) override {
    return core::start_clone(ctx_, name);
  }
  Result<core::CloneView> reset_clone(const std::string& name) override {
    return core::reset_clone(ctx_, name);
  }
  Result<core::CloneView> set_protected(const std::string& name, bool value) override {
    return core::set_protected(ctx_, name, value);
  }
  Result<core::CloneView> extend_clone(const std::string& name, std::chrono::seconds ttl) override {
    return core::extend_clone(ctx_, name, ttl);
  }
  Status destroy_clone(const std::string& name, bool force) override {
    return core::destroy_clone(ctx_, name, force);
  }

  Result<std::vector<core::TemplateView>> create_templates(
      const core::TemplateRequest& req, const engine::Progress& progress) override {
    return core::create_templates(ctx_, req, progress);
  }
  Result<core::TemplateView> refresh_template(const std::string& name,
                                              const engine::Progress& progress) override {
    return core::refresh_template(ctx_, name, progress);
  }
  Result<core::TemplateView> show_template(const std::string& name) override {
    return core::show_template(ctx_, name);
  }
  Result<std::vector<core::TemplateView>> list_templates() override {
    return core::list_templates(ctx_);
  }
  Status delete_template(const std::string& name, bool force) override {
    return core::delete_template(ctx_, name, force);
  }
  Result<core::TemplateView> set_schedule(const std::string& name, const std::string& schedule,
                                          int keep) override {
    return core::set_schedule(ctx_, name, schedule, keep);
  }
  Result<std::vector<catalog::SnapshotRow>> list_snapshots(const std::string& tmpl) override {
    return TRY(core::show_template(ctx_, tmpl)).snapshots;
  }

  Result<core::PoolStatus> pool_status() override { return core::pool_status(ctx_); }

 private:
  core::Context& ctx_;
};

}  // namespace

std::unique_ptr<Backend> make_local_backend(core::Context& ctx) {
  return std::make_unique<LocalBackend>(ctx);
}

}  // namespace dbtwin::cli
