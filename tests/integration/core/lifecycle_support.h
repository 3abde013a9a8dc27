// Support for the lifecycle tests (supervisor, reaper, scheduled refresh, quotas): a private
// dbtwin state folder driven in process through core::Context, as the daemon drives it.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "core/clones.h"
#include "core/context.h"
#include "support/pools.h"
#include "support/temp_dir.h"

namespace dbtwin::test::lifecycle {

namespace fs = std::filesystem;

// A state folder, a port block and a pool: a loop-mounted btrfs (O(1) clones) where the
// machine can, else the copy driver in a folder. Destruction destroys every clone and template
// and kills whatever still names the state or pool folder.
class World {
 public:
  // nullptr and *why_not when this machine cannot run the engine's servers.
  static std::unique_ptr<World> make(const std::string& engine, std::string* why_not);
  World(const World&) = delete;
  World& operator=(const World&) = delete;
  ~World();

  // The configuration every Context of this world starts from.
  const core::Config& config() const { return config_; }
  // The world's own Context.
  core::Context& ctx() { return *ctx_; }
  // Another Context on the same state folder, with `tweak` applied to the configuration (a
  // second daemon thread, or other quotas).
  std::unique_ptr<core::Context> open(const std::function<void(core::Config&)>& tweak = {});

  const std::string& engine() const { return engine_; }
  const fs::path& scratch() const { return dir_.path(); }

  // A template of the world's engine from a dump of `rows` items (table items: id, name, qty).
  void make_template(const std::string& name, int rows);
  // A clone of `tmpl`; a test failure (and an empty view) if it cannot be made.
  core::CloneView clone(const std::string& tmpl, const std::string& name,
                        std::optional<std::chrono::seconds> ttl = std::nullopt);
  // Destroys every clone (protected ones too).
  void destroy_clones();
  // The first column of the first row of `sql` in the clone, as its own user; "ERROR: ..." if
  // it fails.
  std::string scalar(const std::string& clone, const std::string& sql);

 private:
  World() = default;
  std::string engine_;
  TempDir dir_{"dbtwin-lifecycle"};
  std::unique_ptr<LoopFs> loop_;
  core::Config config_;
  std::unique_ptr<core::Context> ctx_;
};

// One world per engine for a whole test suite, made on first use with a template "shop" of 20
// items; nullptr and *why_not if the machine cannot run that engine. Tests destroy their
// clones; drop_shared_worlds() (from TearDownTestSuite) removes the rest.
World* shared_world(const std::string& engine, std::string* why_not);
void drop_shared_worlds();

// kill -9 of the clone's server, then waits until it is gone; false if it was not running.
bool kill_server(core::Context& ctx, const std::string& clone);

// Polls `ready` every 100 ms until it holds or `limit` passes; whether it held.
bool eventually(const std::function<bool()>& ready, std::chrono::milliseconds limit);

}  // namespace dbtwin::test::lifecycle
