// dbtwin_bench: clone-ready latency per pool driver, engine and template size, the copy driver
// as the size-proportional baseline, and the disk that N clones of the big template really use.
// Everything goes through the real `dbtwin` executable; see bench/README.md. Prints figures,
// never asserts them.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "base/scope_guard.h"
#include "base/strings.h"
#include "datagen.h"
#include "instance.h"
#include "os/files.h"
#include "os/mount.h"
#include "os/process.h"
#include "results.h"

namespace dbtwin::bench {

namespace {

std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop = true;
}

Status check_stop() {
  if (g_stop) return err(Errc::internal, "interrupted");
  return {};
}

struct Options {
  bool quick = false;
  int runs = 7;
  int copy_runs = 3;
  int space_clones = 20;
  std::vector<std::string> drivers{"btrfs", "reflink", "overlay", "copy"};
  std::vector<std::string> engines{"postgres", "mariadb"};
  std::vector<Size> sizes;
  uint64_t loop_size = 0;
  fs::path work = "/var/tmp/dbtwin-bench";
  fs::path dbtwin;
  int port_base = 29000;
  bool cleanup_only = false;
};

struct DriverSpec {
  std::string name;
  std::string loop_fs;  // "btrfs"/"xfs" for a loop-backed pool; empty: a folder on the host
  bool cow = true;
};

Result<DriverSpec> driver_spec(const std::string& name) {
  if (name == "btrfs") return DriverSpec{name, "btrfs", true};
  if (name == "reflink") return DriverSpec{name, "xfs", true};
  if (name == "overlay") return DriverSpec{name, "", true};
  if (name == "copy") return DriverSpec{name, "", false};
  return err(Errc::invalid_argument, "unknown driver '{}' (btrfs, reflink, overlay, copy)", name);
}

const auto g_start = std::chrono::steady_clock::now();

template <typename... Args>
void progress(fmt::format_string<Args...> f, Args&&... args) {
  double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - g_start).count();
  fmt::print(stderr, "[{:7.1f}s] {}\n", t, fmt::format(f, std::forward<Args>(args)...));
}

std::string first_line(const std::string& s) {
  return std::string(trim(s.substr(0, s.find('\n'))));
}
std::string error_text(const Error& e) {
  return first_line(e.message);
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

std::string load_average() {
  auto text = os::read_file("/proc/loadavg");
  if (!text.ok()) return "?";
  auto parts = split(std::string(trim(*text)), ' ');
  return parts.size() >= 3 ? parts[0] + " " + parts[1] + " " + parts[2] : "?";
}

Instance instance_for(const Options& o, const DriverSpec& d, size_t index) {
  fs::path dir = o.work / d.name;
  int lo = o.port_base + static_cast<int>(index) * 100;
  std::optional<std::string> driver;
  if (d.loop_fs.empty()) driver = d.name;
  return Instance(o.dbtwin, o.work / "dbtwin.toml", dir / "state",
                  fmt::format("{}-{}", lo, lo + 99), driver);
}

// Used bytes of the pool's file system once everything written so far is on disk. On btrfs,
// deleted subvolumes are freed by a background cleaner: wait for it, or a deletion finishing
// during a measurement would be counted against the clones.
Result<int64_t> pool_used(const Instance& inst, const DriverSpec& d) {
  if (d.name == "btrfs") {
    os::SpawnOptions sync;
    sync.argv = {"btrfs", "subvolume", "sync", inst.pool_root().string()};
    TRY(os::run_checked(std::move(sync), Errc::storage));
  }
  TRY(os::sync_fs(inst.pool_root()));
  return static_cast<int64_t>(TRY(os::fs_space(inst.pool_root())).used());
}

Status destroy_clones(const Instance& inst, const std::vector<std::string>& names) {
  if (names.empty()) return {};
  std::vector<std::string> args{"clone", "destroy"};
  args.insert(args.end(), names.begin(), names.end());
  TRY(inst.json(args));
  return {};
}

// Creates one clone, timed; the clone is left running.
Result<std::pair<double, double>> timed_clone(const Instance& inst, const std::string& tmpl,
                                              const std::string& name) {
  double wall = 0;
  auto j = TRY(inst.json({"clone", "create", tmpl, name}, wall));
  return std::pair<double, double>{wall, j.value("seconds", std::nan(""))};
}

Status measure_latency(const Options& o, const Instance& inst, const DriverSpec& d,
                       const std::string& engine, const Size& size, const std::string& tmpl,
                       uint64_t bytes, Results& res) {
  auto& lf = res.latency.emplace_back();
  lf.driver = d.name;
  lf.engine = engine;
  lf.size = size.label;
  lf.template_bytes = bytes;
  int runs = d.cow ? o.runs : o.copy_runs;
  for (int i = 1; i <= runs; ++i) {
    TRY(check_stop());
    std::string name = fmt::format("lat-{}", i);
    auto made = timed_clone(inst, tmpl, name);
    if (!made.ok()) {
      lf.error = error_text(made.error());
      return std::move(made).error();
    }
    lf.wall.push_back(made->first);
    lf.json.push_back(made->second);
    progress("  {} {} {} run {}/{}: {:.3f} s (json {:.3f} s)", d.name, engine, size.label, i, runs,
             made->first, made->second);
    TRY(destroy_clones(inst, {name}));
  }
  return {};
}

Status measure_space(const Options& o, const Instance& inst, const DriverSpec& d,
                     const std::string& engine, const std::string& tmpl, uint64_t bytes,
                     Results& res) {
  auto& sf = res.space.emplace_back();
  sf.driver = d.name;
  sf.engine = engine;
  sf.template_bytes = bytes;
  sf.df_shared = d.loop_fs.empty();
  std::vector<std::string> made;
  ScopeGuard drop([&] { (void)destroy_clones(inst, made); });
  auto body = [&]() -> Status {
    sf.df_before = TRY(pool_used(inst, d));
    for (int i = 1; i <= o.space_clones; ++i) {
      TRY(check_stop());
      std::string name = fmt::format("space-{}", i);
      auto t = TRY(timed_clone(inst, tmpl, name));
      made.push_back(name);
      sf.clones = i;
      progress("  {} {} space clone {}/{}: {:.3f} s", d.name, engine, i, o.space_clones, t.first);
    }
    sf.df_after = TRY(pool_used(inst, d));
    auto list = TRY(inst.json({"clone", "list", "--template", tmpl}));
    for (const auto& c : list) {
      if (c["used_bytes"].is_number()) sf.sum_used += c["used_bytes"].get<uint64_t>();
    }
    progress("  {} {} {} clones: df {} -> {}, sum used_bytes {}", d.name, engine, sf.clones,
             format_bytes(static_cast<uint64_t>(sf.df_before)),
             format_bytes(static_cast<uint64_t>(sf.df_after)), format_bytes(sf.sum_used));
    return {};
  };
  auto st = body();
  if (!st.ok()) sf.error = error_text(st.error());
  return st;
}

// Templates for every size, the latency runs, then the space figure; templates are deleted
// (with any clone left) on the way out.
Status run_engine(const Options& o, const Instance& inst, const DriverSpec& d,
                  const std::string& engine, Results& res) {
  std::vector<std::string> templates;
  ScopeGuard drop([&] {
    for (const auto& t : templates) (void)inst.json({"template", "delete", t, "--force"});
  });
  std::vector<uint64_t> bytes;
  for (size_t i = 0; i < o.sizes.size(); ++i) {
    TRY(check_stop());
    const Size& size = o.sizes[i];
    auto data = TRY(write_dataset(o.work / "data", engine, size.target));
    std::string name = fmt::format("{}-{}", engine, i == 0 ? "small" : "big");
    progress("{} {}: template {} ({}, {}) ...", d.name, engine, name, size.label, data.recipe);
    double wall = 0;
    auto j = TRY(inst.json(
        {"template", "create", name, "--engine", engine, "--from-dump", data.sql.string()}, wall));
    templates.push_back(name);
    uint64_t b = j["snapshots"].at(0).value("size_bytes", uint64_t{0});
    bytes.push_back(b);
    res.templates.push_back({d.name, engine, size.label, data.recipe, b, wall});
    progress("{} {}: template {} ready in {:.1f} s, snapshot {}", d.name, engine, name, wall,
             format_bytes(b));
  }
  // One untimed clone first, so that no figure pays for loading the engine's binaries.
  TRY(check_stop());
  TRY(timed_clone(inst, templates.front(), "warmup"));
  TRY(destroy_clones(inst, {"warmup"}));
  for (size_t i = 0; i < o.sizes.size(); ++i) {
    TRY(measure_latency(o, inst, d, engine, o.sizes[i], templates[i], bytes[i], res));
  }
  if (d.cow && o.space_clones > 0) {
    TRY(measure_space(o, inst, d, engine, templates.back(), bytes.back(), res));
  }
  return {};
}

// Deletes every template (and clone) of the instance, unmounts a loop pool and removes the
// driver's folder. Leaves the folder in place if something is still mounted under it.
Status teardown(const Instance& inst, const DriverSpec& d, const fs::path& dir) {
  if (!os::exists(dir)) return {};
  if (os::exists(inst.state() / "catalog.db")) {
    auto list = inst.json({"template", "list"});
    if (list.ok()) {
      for (const auto& t : *list) {
        auto del = inst.json({"template", "delete", t.value("name", ""), "--force"});
        if (!del.ok()) progress("cleanup: {}", error_text(del.error()));
      }
    } else {
      progress("cleanup: {}", error_text(list.error()));
    }
  }
  if (!d.loop_fs.empty()) TRY(os::unmount(inst.pool_root()));
  for (const auto& m : TRY(os::list_mounts())) {
    if (starts_with(m.target.string(), dir.string() + "/")) {
      return err(Errc::conflict, "{} is still mounted; left {} in place", m.target.string(),
                 dir.string());
    }
  }
  return os::remove_tree(dir);
}

Status run_driver(const Options& o, const DriverSpec& d, size_t index, Results& res) {
  fs::path dir = o.work / d.name;
  Instance inst = instance_for(o, d, index);
  TRY(teardown(inst, d, dir));  // what an interrupted earlier run left
  TRY(os::make_dirs(dir, 0755));
  ScopeGuard cleanup([&] {
    auto st = teardown(inst, d, dir);
    if (!st.ok())
      res.notes.push_back(fmt::format("{}: cleanup: {}", d.name, error_text(st.error())));
  });
  uint64_t total = 0;
  for (const auto& s : o.sizes) total += s.target;
  uint64_t need = d.loop_fs.empty() ? total + o.sizes.back().target : o.loop_size;
  auto host = TRY(os::fs_space(o.work));
  if (host.available < need + (2ull << 30)) {
    return err(Errc::no_space, "needs about {} free on the host, {} available",
               format_bytes(need + (2ull << 30)), format_bytes(host.available));
  }
  if (!d.loop_fs.empty()) {
    progress("{}: pool init --loop {} --fs {}", d.name, format_bytes(o.loop_size), d.loop_fs);
    TRY(inst.json({"pool", "init", "--loop", std::to_string(o.loop_size), "--fs", d.loop_fs}));
  }
  auto status = TRY(inst.json({"pool", "status"}));
  if (status.value("driver", "") != d.name) {
    return err(Errc::unavailable, "the pool uses the {} driver, not {}", status.value("driver", ""),
               d.name);
  }
  for (const auto& engine : o.engines) {
    auto st = run_engine(o, inst, d, engine, res);
    if (!st.ok()) {
      res.notes.push_back(fmt::format("{} {}: {}", d.name, engine, error_text(st.error())));
      progress("{} {}: FAILED: {}", d.name, engine, error_text(st.error()));
      TRY(check_stop());
    }
  }
  return {};
}

// The work folder holds only what the bench made; a marker file proves it before anything in
// it is removed.
Status prepare_work(const fs::path& work) {
  fs::path marker = work / ".dbtwin-bench";
  if (os::exists(work) && !os::exists(marker) && !TRY(os::list_dir(work)).empty()) {
    return err(Errc::conflict, "{} exists and was not made by dbtwin_bench; pick another --work",
               work.string());
  }
  TRY(os::make_dirs(work, 0755));
  TRY(os::write_file(marker, "made by dbtwin_bench; removed when it finishes\n"));
  // An empty configuration file: /etc/dbtwin/dbtwin.toml must not change what is measured.
  return os::write_file(work / "dbtwin.toml", "# dbtwin_bench: embedded defaults only\n");
}

Status cleanup_all(const Options& o) {
  if (!os::exists(o.work)) return {};
  TRY(prepare_work(o.work));
  for (size_t i = 0; i < o.drivers.size(); ++i) {
    auto d = TRY(driver_spec(o.drivers[i]));
    TRY(teardown(instance_for(o, d, i), d, o.work / d.name));
  }
  return os::remove_tree(o.work);
}

void print_header(const Options& o, const std::string& load_before, double seconds) {
  auto kernel = os::read_file("/proc/sys/kernel/osrelease");
  os::SpawnOptions ask;
  ask.argv = {o.dbtwin.string(), "--version"};
  auto version = os::run_checked(std::move(ask));
  fmt::print("dbtwin clone benchmark ({})\n", o.quick ? "quick" : "full");
  fmt::print(
      "dbtwin {} | kernel {} | {} CPUs | load average {} at start, {} at end | {:.0f} s in all\n",
      version.ok() ? std::string(trim(*version)) : "?",
      kernel.ok() ? std::string(trim(*kernel)) : "?", std::thread::hardware_concurrency(),
      load_before, load_average(), seconds);
  std::vector<std::string> sizes;
  for (const auto& s : o.sizes) sizes.push_back(s.label);
  fmt::print(
      "drivers {} | engines {} | sizes {} | {} runs per CoW figure, {} per copy figure | "
      "space: {} clones | loop pools of {} | warm page cache\n",
      join(o.drivers, ","), join(o.engines, ","), join(sizes, " and "), o.runs, o.copy_runs,
      o.space_clones, format_bytes(o.loop_size));
}

Result<Options> parse(int argc, char** argv) {
  Options o;
  std::string drivers = join(o.drivers, ","), engines = join(o.engines, ",");
  std::string small, big, loop;
  int runs = 0, copy_runs = 0, space = -1;
  CLI::App app{"dbtwin_bench: clone-ready latency and clone space through the dbtwin CLI"};
  app.add_flag("--quick", o.quick, "100 MiB and 500 MiB templates, 3 runs, 5 space clones");
  app.add_option("--dbtwin", o.dbtwin, "the dbtwin executable")->required();
  app.add_option("--work", o.work, "scratch folder (removed at the end)")->capture_default_str();
  app.add_option("--drivers", drivers, "comma-separated")->capture_default_str();
  app.add_option("--engines", engines, "comma-separated")->capture_default_str();
  app.add_option("--small", small, "small template size (default 1G; quick 100M)");
  app.add_option("--big", big, "big template size (default 5G; quick 500M)");
  app.add_option("--runs", runs, "clone creations per figure on CoW drivers (default 7; quick 3)");
  app.add_option("--copy-runs", copy_runs,
                 "clone creations per figure on the copy driver (default 3)");
  app.add_option("--space-clones", space,
                 "clones of the big template for the space figure (default 20; quick 5)");
  app.add_option("--loop-size", loop,
                 "size of each loop-backed pool (default: 2.5 x (small + big), at least 4G)");
  app.add_option("--port-base", o.port_base, "first clone port; each driver takes 100")
      ->capture_default_str();
  app.add_flag("--cleanup", o.cleanup_only, "only remove what an interrupted run left in --work");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  o.drivers = split(drivers, ',');
  o.engines = split(engines, ',');
  for (const auto& d : o.drivers) TRY(driver_spec(d));
  auto size_of = [](const std::string& text, const char* fallback) -> Result<Size> {
    std::string t = text.empty() ? fallback : text;
    uint64_t b = TRY(parse_size(t));
    return Size{format_bytes(b), b};
  };
  o.sizes = {TRY(size_of(small, o.quick ? "100M" : "1G")),
             TRY(size_of(big, o.quick ? "500M" : "5G"))};
  o.runs = runs > 0 ? runs : (o.quick ? 3 : 7);
  o.copy_runs = copy_runs > 0 ? copy_runs : 3;
  o.space_clones = space >= 0 ? space : (o.quick ? 5 : 20);
  uint64_t auto_loop =
      std::max<uint64_t>(4ull << 30, (o.sizes[0].target + o.sizes[1].target) * 5 / 2);
  auto_loop = (auto_loop + (1ull << 30) - 1) / (1ull << 30) * (1ull << 30);
  o.loop_size = loop.empty() ? auto_loop : TRY(parse_size(loop));
  o.dbtwin = fs::absolute(o.dbtwin);
  o.work = fs::absolute(o.work);
  return o;
}

int run(int argc, char** argv) {
  auto parsed = parse(argc, argv);
  if (!parsed.ok()) {
    fmt::print(stderr, "dbtwin_bench: {}\n", parsed.error().message);
    return 2;
  }
  Options o = std::move(parsed).value();
  if (!os::is_root()) {
    fmt::print(stderr, "dbtwin_bench: needs root (loop devices, mounts, the service user)\n");
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  if (o.cleanup_only) {
    auto st = cleanup_all(o);
    if (!st.ok()) fmt::print(stderr, "dbtwin_bench: cleanup: {}\n", st.error().message);
    return st.ok() ? 0 : 1;
  }
  if (auto st = prepare_work(o.work); !st.ok()) {
    fmt::print(stderr, "dbtwin_bench: {}\n", st.error().message);
    return 2;
  }
  std::string load_before = load_average();
  Results res;
  for (size_t i = 0; i < o.drivers.size() && !g_stop; ++i) {
    auto d = driver_spec(o.drivers[i]).value();
    auto st = run_driver(o, d, i, res);
    if (!st.ok()) {
      res.notes.push_back(fmt::format("{}: {}", d.name, error_text(st.error())));
      progress("{}: FAILED: {}", d.name, error_text(st.error()));
    }
  }
  auto removed = cleanup_all(o);
  if (!removed.ok()) res.notes.push_back("cleanup: " + error_text(removed.error()));
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - g_start).count();
  fmt::print("\n");
  print_header(o, load_before, seconds);
  print_report(res, o.sizes, 0.5, 1.3);
  return g_stop || !res.notes.empty() ? 1 : 0;
}

}  // namespace

}  // namespace dbtwin::bench

int main(int argc, char** argv) {
  return dbtwin::bench::run(argc, argv);
}
