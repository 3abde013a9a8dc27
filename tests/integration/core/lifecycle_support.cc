#include "lifecycle_support.h"

#include <signal.h>

#include <map>
#include <thread>

#include "core/clone_sql.h"
#include "core/templates.h"
#include "os/process.h"
#include "support/cli.h"
#include "support/cli_matrix.h"
#include "support/engine_server.h"

namespace dbtwin::test::lifecycle {

std::unique_ptr<World> World::make(const std::string& engine, std::string* why_not) {
  auto kind = engine::parse_kind(engine);
  if (!kind) {
    *why_not = kind.error().message;
    return nullptr;
  }
  if (auto eng = installed_engine(*kind); !eng) {
    *why_not = eng.error().message;
    return nullptr;
  }
  std::unique_ptr<World> w(new World());
  w->engine_ = engine;
  std::string no_loop;
  w->loop_ = LoopFs::make("btrfs", uint64_t{2} << 30, &no_loop);
  core::Config c;
  c.state_dir = w->dir_ / "state";
  c.port_min = unique_port_base();
  c.port_max = c.port_min + 99;
  if (w->loop_) {
    c.pool_driver = "btrfs";
    c.pool_path = w->loop_->mountpoint() / "pool";
  } else {
    c.pool_driver = "copy";  // no loop devices here: a plain folder
  }
  c.ready_timeout = std::chrono::seconds(90);
  w->config_ = c;
  auto ctx = core::Context::open(c);
  if (!ctx) {
    *why_not = "cannot open a state folder: " + ctx.error().message;
    return nullptr;
  }
  w->ctx_ = std::move(*ctx);
  return w;
}

World::~World() {
  if (ctx_) {
    destroy_clones();
    if (auto templates = core::list_templates(*ctx_)) {
      for (const auto& t : *templates) (void)core::delete_template(*ctx_, t.row.name, true);
    }
    ctx_.reset();
  }
  // Whatever could not be stopped (a test that broke a clone) must not outlive the test.
  std::vector<std::string> needles = {(dir_ / "state").string()};
  if (loop_) needles.push_back(loop_->mountpoint().string());
  for (const auto& needle : needles) {
    for (pid_t pid : processes_mentioning(needle)) ::kill(pid, SIGKILL);
  }
  loop_.reset();
}

std::unique_ptr<core::Context> World::open(const std::function<void(core::Config&)>& tweak) {
  core::Config c = config_;
  if (tweak) tweak(c);
  auto ctx = core::Context::open(c, core::Context::Options{false});
  EXPECT_TRUE(ctx.ok()) << ctx.error().message;
  return ctx ? std::move(*ctx) : nullptr;
}

void World::make_template(const std::string& name, int rows) {
  fs::path dump = dir_ / (name + ".sql");
  write_text(dump, items_sql(rows));
  core::TemplateRequest req;
  req.name = name;
  req.engine = engine_;
  req.source = core::TemplateRequest::Source::dump;
  req.dumps = {dump};
  auto made = core::create_template(*ctx_, req, {});
  ASSERT_TRUE(made.ok()) << made.error().message;
}

core::CloneView World::clone(const std::string& tmpl, const std::string& name,
                             std::optional<std::chrono::seconds> ttl) {
  core::CloneRequest req;
  req.template_name = tmpl;
  req.name = name;
  req.ttl = ttl;
  auto made = core::create_clone(*ctx_, req);
  EXPECT_TRUE(made.ok()) << made.error().message;
  return made ? *made : core::CloneView{};
}

void World::destroy_clones() {
  auto clones = ctx_->catalog().list_clones(std::nullopt);
  if (!clones) return;
  for (const auto& c : *clones) {
    auto gone = core::destroy_clone(*ctx_, c.name, true);
    EXPECT_TRUE(gone.ok()) << gone.error().message;
  }
}

std::string World::scalar(const std::string& clone, const std::string& sql) {
  auto rows = core::query_clone(*ctx_, clone, sql);
  if (!rows) return "ERROR: " + rows.error().message;
  if (rows->empty() || rows->front().empty() || !rows->front()[0]) return "";
  return *rows->front()[0];
}

namespace {

struct Shared {
  std::unique_ptr<World> world;
  std::string why_not;
};

std::map<std::string, Shared>& shared() {
  static std::map<std::string, Shared> worlds;
  return worlds;
}

}  // namespace

World* shared_world(const std::string& engine, std::string* why_not) {
  auto it = shared().find(engine);
  if (it == shared().end()) {
    Shared s;
    s.world = World::make(engine, &s.why_not);
    if (s.world) {
      s.world->make_template("shop", 20);
      if (::testing::Test::HasFatalFailure()) {
        s.world.reset();
        s.why_not = "the template could not be made";
      }
    }
    it = shared().emplace(engine, std::move(s)).first;
  }
  if (!it->second.world) *why_not = it->second.why_not;
  return it->second.world.get();
}

void drop_shared_worlds() {
  shared().clear();
}

bool kill_server(core::Context& ctx, const std::string& clone) {
  auto row = ctx.catalog().find_clone(clone);
  if (!row.ok() || !*row) return false;
  os::ProcessId id{static_cast<pid_t>((*row)->server_pid),
                   static_cast<uint64_t>((*row)->server_start)};
  if (!os::process_alive(id)) return false;
  if (!os::signal_process(id, SIGKILL).ok()) return false;
  return eventually([&] { return !os::process_alive(id); }, std::chrono::seconds(10));
}

bool eventually(const std::function<bool()>& ready, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (ready()) return true;
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace dbtwin::test::lifecycle
