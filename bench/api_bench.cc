// dbtwin_api_bench: the clone service's figures. Clone-create latency through the HTTP API
// (POST /v1/clones) beside the in-process CLI (`dbtwin clone create`), the throughput of N
// parallel creators both ways, and what the daemon costs at rest while it manages 100 running
// clones (CPU, memory), with the clone servers' own memory for context. Everything goes through
// the real `dbtwin` executable and a real `dbtwin serve`; see bench/README.md. Prints figures,
// never asserts them.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "base/strings.h"
#include "bench_daemon.h"
#include "instance.h"
#include "os/files.h"
#include "os/mount.h"
#include "os/net.h"
#include "os/process.h"
#include "proc_stats.h"
#include "results.h"

namespace dbtwin::bench {

namespace {

using Clock = std::chrono::steady_clock;

std::atomic<bool> g_stop{false};
void on_signal(int) {
  g_stop = true;
}

Status check_stop() {
  if (g_stop) return err(Errc::internal, "interrupted");
  return {};
}

const auto g_start = Clock::now();

template <typename... Args>
void progress(fmt::format_string<Args...> f, Args&&... args) {
  double t = std::chrono::duration<double>(Clock::now() - g_start).count();
  fmt::print(stderr, "[{:7.1f}s] {}\n", t, fmt::format(f, std::forward<Args>(args)...));
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

struct Options {
  fs::path dbtwin;
  fs::path work = "/var/tmp/dbtwin-api-bench";
  std::string fs = "xfs";
  std::string loop_size = "6G";
  int rows = 1000;
  int runs = 50;
  int creators = 8;
  int per_creator = 5;
  int idle_clones = 100;
  int idle_seconds = 30;
  std::string interval;  // lifecycle.interval for the daemon; empty: its default
  int port_base = 31000;
  bool cleanup_only = false;
};

std::string load_average() {
  auto text = os::read_file("/proc/loadavg");
  if (!text.ok()) return "?";
  auto parts = split(std::string(trim(*text)), ' ');
  return parts.size() >= 3 ? parts[0] + " " + parts[1] + " " + parts[2] : "?";
}

std::string first_line(const std::string& s) {
  return std::string(trim(s.substr(0, s.find('\n'))));
}

// ---- figures ----------------------------------------------------------------------------------

struct Latency {
  std::vector<double> wall;   // client side: the request or the process, start to end
  std::vector<double> inner;  // the answer's "seconds": dbtwin's own measure of the same path
  std::string error;
};

struct Throughput {
  int creators = 0;
  int clones = 0;
  double wall = 0;
  std::vector<double> each;
  std::string error;
};

struct Idle {
  int clones = 0;
  double create_wall = 0;  // making the clones (parallel creators through the API)
  double seconds = 0;
  double cpu = 0;  // daemon utime + stime over `seconds`
  uint64_t rss = 0, hwm = 0;
  int threads = 0;
  ServerMemory servers;
  std::vector<double> list;  // GET /v1/clones with every clone
  std::string error;
};

struct Figures {
  std::string pool, template_info, interval;
  Latency api, cli;
  Throughput api_tp, cli_tp;
  Idle idle;
  std::vector<std::string> notes;
};

// One creation through the API; the clone is left running.
Result<std::pair<double, double>> api_create(const Daemon& d, const std::string& name) {
  nlohmann::json body = {{"template", "shop"}, {"name", name}};
  auto a = d.call("POST", "/v1/clones", body.dump());
  if (a.status != 201)
    return err(Errc::internal, "POST /v1/clones {}: {} {}", name, a.status, first_line(a.body));
  auto j = nlohmann::json::parse(a.body, nullptr, false);
  double inner = j.is_object() ? j.value("seconds", std::nan("")) : std::nan("");
  return std::pair<double, double>{a.wall, inner};
}

Status api_destroy(const Daemon& d, const std::string& name) {
  auto a = d.call("DELETE", "/v1/clones/" + name);
  if (a.status != 204)
    return err(Errc::internal, "DELETE /v1/clones/{}: {} {}", name, a.status, first_line(a.body));
  return {};
}

Result<std::pair<double, double>> cli_create(const Instance& inst, const std::string& name) {
  double wall = 0;
  auto j = TRY(inst.json({"clone", "create", "shop", name}, wall));
  return std::pair<double, double>{wall, j.value("seconds", std::nan(""))};
}

Status cli_destroy(const Instance& inst, const std::vector<std::string>& names) {
  if (names.empty()) return {};
  std::vector<std::string> args{"clone", "destroy"};
  args.insert(args.end(), names.begin(), names.end());
  TRY(inst.json(args));
  return {};
}

using Create = std::function<Result<std::pair<double, double>>(const std::string&)>;
using Destroy = std::function<Status(const std::vector<std::string>&)>;

// `runs` sequential creations, each destroyed right after (not timed), after one untimed one.
void measure_latency(const std::string& label, int runs, const Create& create,
                     const Destroy& destroy, Latency& out) {
  auto body = [&]() -> Status {
    TRY(create("warmup"));
    TRY(destroy({"warmup"}));
    for (int i = 1; i <= runs; ++i) {
      TRY(check_stop());
      std::string name = fmt::format("lat-{}", i);
      auto t = TRY(create(name));
      out.wall.push_back(t.first);
      out.inner.push_back(t.second);
      TRY(destroy({name}));
      if (i % 10 == 0) progress("  {} latency {}/{}: last {:.3f} s", label, i, runs, t.first);
    }
    return {};
  };
  if (auto st = body(); !st) out.error = first_line(st.error().message);
}

// `creators` threads each make `per` clones one after another; the clones are left running.
std::vector<std::string> parallel_create(const std::string& prefix, int creators, int per,
                                         const Create& create, Throughput& out) {
  std::mutex mu;
  std::vector<std::string> made;
  std::vector<std::thread> threads;
  auto t0 = Clock::now();
  for (int c = 0; c < creators; ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; i < per && !g_stop; ++i) {
        std::string name = fmt::format("{}-{}-{}", prefix, c, i);
        auto t = create(name);
        std::lock_guard lock(mu);
        if (!t) {
          if (out.error.empty()) out.error = first_line(t.error().message);
          return;
        }
        made.push_back(name);
        out.each.push_back(t->first);
      }
    });
  }
  for (auto& t : threads) t.join();
  out.wall = seconds_since(t0);
  out.creators = creators;
  out.clones = static_cast<int>(made.size());
  return made;
}

Status api_destroy_all(const Daemon& d, const std::vector<std::string>& names, int parallel) {
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status result;
  std::vector<std::thread> threads;
  for (int c = 0; c < parallel; ++c) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < names.size(); i = next++) {
        auto st = api_destroy(d, names[i]);
        std::lock_guard lock(mu);
        if (!st && result) result = std::move(st);
      }
    });
  }
  for (auto& t : threads) t.join();
  return result;
}

void measure_idle(const Options& o, const Instance& inst, const Daemon& d, Idle& out) {
  std::vector<std::string> made;
  auto body = [&]() -> Status {
    Throughput tp;
    int per = (o.idle_clones + o.creators - 1) / o.creators;
    int left = o.idle_clones;
    // Exactly idle_clones: the first creators make one more when it does not divide.
    std::vector<int> counts;
    for (int c = 0; c < o.creators; ++c) {
      int n = std::min(per, left);
      counts.push_back(n);
      left -= n;
    }
    std::mutex mu;
    std::vector<std::thread> threads;
    auto t0 = Clock::now();
    for (int c = 0; c < o.creators; ++c) {
      threads.emplace_back([&, c] {
        for (int i = 0; i < counts[c] && !g_stop; ++i) {
          std::string name = fmt::format("idle-{}-{}", c, i);
          auto t = api_create(d, name);
          std::lock_guard lock(mu);
          if (!t) {
            if (tp.error.empty()) tp.error = first_line(t.error().message);
            return;
          }
          made.push_back(name);
          if (made.size() % 20 == 0) progress("  idle: {} clones running", made.size());
        }
      });
    }
    for (auto& t : threads) t.join();
    out.create_wall = seconds_since(t0);
    out.clones = static_cast<int>(made.size());
    if (!tp.error.empty()) return err(Errc::internal, "{}", tp.error);
    TRY(check_stop());
    // Settle: the creations' own work (and the first supervisor passes over them) is over.
    std::this_thread::sleep_for(std::chrono::seconds(5));
    progress("  idle: measuring the daemon for {} s with {} clones", o.idle_seconds, out.clones);
    double c0 = cpu_seconds(d.pid());
    auto t1 = Clock::now();
    for (int s = 0; s < o.idle_seconds && !g_stop; ++s)
      std::this_thread::sleep_for(std::chrono::seconds(1));
    out.cpu = cpu_seconds(d.pid()) - c0;
    out.seconds = seconds_since(t1);
    out.rss = proc_kb(d.pid(), "status", "VmRSS:");
    out.hwm = proc_kb(d.pid(), "status", "VmHWM:");
    out.threads = static_cast<int>(proc_number(d.pid(), "status", "Threads:"));
    out.servers = server_memory(inst.pool_root());
    for (int i = 0; i < 20; ++i) {
      auto a = d.call("GET", "/v1/clones");
      if (a.status != 200) return err(Errc::internal, "GET /v1/clones: {}", a.status);
      out.list.push_back(a.wall);
    }
    return {};
  };
  if (auto st = body(); !st) out.error = first_line(st.error().message);
  progress("  idle: destroying {} clones", made.size());
  if (auto st = api_destroy_all(d, made, o.creators); !st && out.error.empty())
    out.error = first_line(st.error().message);
}

// ---- set-up and tear-down ---------------------------------------------------------------------

std::string items_sql(int rows) {
  std::string out = "CREATE TABLE items (id INT PRIMARY KEY, name TEXT NOT NULL, qty INT);\n";
  for (int i = 1; i <= rows; ++i) {
    out += (i % 500 == 1 ? "INSERT INTO items VALUES " : ",") +
           fmt::format("({},'item-{}',{})", i, i, i % 13) +
           (i % 500 == 0 || i == rows ? ";\n" : "");
  }
  return out;
}

Instance instance_for(const Options& o) {
  return Instance(o.dbtwin, o.work / "dbtwin.toml", o.work / "state",
                  fmt::format("{}-{}", o.port_base, o.port_base + 199), std::nullopt);
}

// Deletes the template (and every clone), unmounts the loop pool and removes the work folder.
Status teardown(const Options& o) {
  if (!os::exists(o.work)) return {};
  Instance inst = instance_for(o);
  // A daemon of an earlier run that died harder than Ctrl-C: its command line names our state.
  for (const auto& [pid, p] : all_processes()) {
    if (p.cmdline.find(inst.state().string()) != std::string::npos &&
        p.cmdline.find(" serve ") != std::string::npos) {
      ::kill(pid, SIGTERM);
      for (int i = 0; i < 100 && os::exists(fmt::format("/proc/{}", pid)); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  if (os::exists(inst.state() / "catalog.db")) {
    if (auto list = inst.json({"template", "list"}); list.ok()) {
      for (const auto& t : *list)
        (void)inst.json({"template", "delete", t.value("name", ""), "--force"});
    }
  }
  for (const auto& m : TRY(os::list_mounts())) {
    if (m.target == inst.pool_root()) TRY(os::unmount(inst.pool_root()));
  }
  for (const auto& m : TRY(os::list_mounts())) {
    if (starts_with(m.target.string(), o.work.string() + "/"))
      return err(Errc::conflict, "{} is still mounted; left {} in place", m.target.string(),
                 o.work.string());
  }
  return os::remove_tree(o.work);
}

Status prepare_work(const Options& o) {
  fs::path marker = o.work / ".dbtwin-bench";
  if (os::exists(o.work) && !os::exists(marker) && !TRY(os::list_dir(o.work)).empty())
    return err(Errc::conflict, "{} exists and was not made by a dbtwin bench; pick another --work",
               o.work.string());
  TRY(teardown(o));  // what an interrupted run left
  TRY(os::make_dirs(o.work, 0755));
  TRY(os::write_file(marker, "made by dbtwin_api_bench; removed when it finishes\n"));
  return os::write_file(o.work / "dbtwin.toml", "# dbtwin_api_bench: embedded defaults only\n");
}

int free_port(int from) {
  for (int p = from; p < from + 100; ++p) {
    if (os::tcp_port_free("127.0.0.1", p)) return p;
  }
  return from;
}

Status run_all(const Options& o, Figures& f) {
  Instance inst = instance_for(o);
  progress("pool init --loop {} --fs {}", o.loop_size, o.fs);
  TRY(inst.json({"pool", "init", "--loop", o.loop_size, "--fs", o.fs}));
  auto pool = TRY(inst.json({"pool", "status"}));
  f.pool = fmt::format("{} (loop-mounted {}, {})", pool.value("driver", "?"), o.fs, o.loop_size);
  fs::path dump = o.work / "shop.sql";
  TRY(os::write_file(dump, items_sql(o.rows)));
  auto t = TRY(inst.json(
      {"template", "create", "shop", "--engine", "postgres", "--from-dump", dump.string()}));
  uint64_t bytes = t["snapshots"].at(0).value("size_bytes", uint64_t{0});
  f.template_info = fmt::format("PostgreSQL, {} rows, snapshot {}", o.rows, format_bytes(bytes));
  progress("template shop ready ({})", f.template_info);

  // The CLI alone first, as a user without a daemon runs it.
  Create cli_c = [&](const std::string& n) { return cli_create(inst, n); };
  Destroy cli_d = [&](const std::vector<std::string>& n) { return cli_destroy(inst, n); };
  progress("CLI: {} sequential creations", o.runs);
  measure_latency("CLI", o.runs, cli_c, cli_d, f.cli);
  TRY(check_stop());
  progress("CLI: {} parallel creators x {}", o.creators, o.per_creator);
  auto made = parallel_create("cpar", o.creators, o.per_creator, cli_c, f.cli_tp);
  TRY(cli_destroy(inst, made));
  TRY(check_stop());

  std::vector<std::string> env;
  if (!o.interval.empty()) env.push_back("DBTWIN_LIFECYCLE_INTERVAL=" + o.interval);
  f.interval = o.interval.empty() ? "default (2s)" : o.interval;
  int port = free_port(o.port_base + 200);
  progress("dbtwin serve on 127.0.0.1:{}", port);
  auto daemon = TRY(Daemon::start(inst, o.work / "daemon.log", port, env));
  Create api_c = [&](const std::string& n) { return api_create(*daemon, n); };
  Destroy api_d = [&](const std::vector<std::string>& names) -> Status {
    for (const auto& n : names) TRY(api_destroy(*daemon, n));
    return {};
  };
  progress("API: {} sequential creations", o.runs);
  measure_latency("API", o.runs, api_c, api_d, f.api);
  TRY(check_stop());
  progress("API: {} parallel creators x {}", o.creators, o.per_creator);
  made = parallel_create("apar", o.creators, o.per_creator, api_c, f.api_tp);
  TRY(api_destroy_all(*daemon, made, o.creators));
  TRY(check_stop());
  if (o.idle_clones > 0) {
    progress("idle: {} clones", o.idle_clones);
    measure_idle(o, inst, *daemon, f.idle);
  }
  return daemon->stop();
}

// ---- report -----------------------------------------------------------------------------------

std::string secs(double s) {
  return std::isnan(s) ? "-" : fmt::format("{:.3f}", s);
}

void print_latency(const std::string& what, const Latency& l) {
  if (l.wall.empty()) {
    fmt::print("  {:<34} no figure: {}\n", what, l.error);
    return;
  }
  double sum = 0;
  for (double w : l.wall) sum += w;
  fmt::print("  {:<34} {:>3} {:>8} {:>8} {:>8} {:>8} {:>8} {:>10}\n", what, l.wall.size(),
             secs(percentile(l.wall, 0.5)), secs(percentile(l.wall, 0.99)),
             secs(sum / static_cast<double>(l.wall.size())),
             secs(*std::min_element(l.wall.begin(), l.wall.end())),
             secs(*std::max_element(l.wall.begin(), l.wall.end())), secs(percentile(l.inner, 0.5)));
  if (!l.error.empty()) fmt::print("  {:<34} stopped early: {}\n", "", l.error);
}

void print_throughput(const std::string& what, const Throughput& t) {
  if (t.clones == 0) {
    fmt::print("  {:<34} no figure: {}\n", what, t.error);
    return;
  }
  fmt::print("  {:<34} {:>3} clones in {:6.2f} s = {:5.2f} clones/s (each: p50 {} s, p99 {} s)\n",
             what, t.clones, t.wall, t.clones / t.wall, secs(percentile(t.each, 0.5)),
             secs(percentile(t.each, 0.99)));
  if (!t.error.empty()) fmt::print("  {:<34} stopped early: {}\n", "", t.error);
}

void print_report(const Options& o, const Figures& f, const std::string& load_before) {
  auto kernel = os::read_file("/proc/sys/kernel/osrelease");
  os::SpawnOptions ask;
  ask.argv = {o.dbtwin.string(), "--version"};
  auto version = os::run_checked(std::move(ask));
  fmt::print("\ndbtwin API benchmark\n");
  fmt::print("{} | kernel {} | {} CPUs | load average {} at start, {} at end | {:.0f} s\n",
             version.ok() ? std::string(trim(*version)) : "?",
             kernel.ok() ? std::string(trim(*kernel)) : "?", std::thread::hardware_concurrency(),
             load_before, load_average(), seconds_since(g_start));
  fmt::print("pool {} | template {} | daemon lifecycle interval {} | warm page cache\n\n", f.pool,
             f.template_info, f.interval);

  fmt::print("Clone-create latency, seconds: {} sequential creations, each destroyed after\n",
             o.runs);
  fmt::print("  {:<34} {:>3} {:>8} {:>8} {:>8} {:>8} {:>8} {:>10}\n", "", "n", "p50", "p99", "mean",
             "min", "max", "inner p50");
  print_latency("API  POST /v1/clones (201)", f.api);
  print_latency("CLI  dbtwin clone create (exit)", f.cli);
  fmt::print(
      "  (API: request sent to answer read, a new connection each; CLI: spawn to exit; "
      "inner: the answer's own \"seconds\")\n\n");

  fmt::print("Throughput: {} parallel creators, {} clones each, one after another\n", o.creators,
             o.per_creator);
  print_throughput("API  POST /v1/clones", f.api_tp);
  print_throughput("CLI  dbtwin clone create processes", f.cli_tp);
  if (f.api_tp.clones > 0 && f.cli_tp.clones > 0)
    fmt::print("  API / CLI: {:.2f}x\n",
               (f.api_tp.clones / f.api_tp.wall) / (f.cli_tp.clones / f.cli_tp.wall));
  fmt::print("\n");

  const Idle& i = f.idle;
  if (o.idle_clones > 0 && (i.clones > 0 || !i.error.empty())) {
    fmt::print("Daemon at rest while managing {} running clones\n", i.clones);
    if (!i.error.empty()) fmt::print("  stopped early: {}\n", i.error);
    if (i.seconds > 0) {
      fmt::print("  daemon CPU:     {:.2f} s of CPU over {:.0f} s = {:.2f} % of one core\n", i.cpu,
                 i.seconds, 100 * i.cpu / i.seconds);
      fmt::print("  daemon memory:  RSS {} (peak {}), {} threads\n", format_bytes(i.rss),
                 format_bytes(i.hwm), i.threads);
      fmt::print(
          "  clone servers:  {} servers, {} processes, RSS sum {} ({} each), PSS sum {} "
          "({} each)\n",
          i.servers.servers, i.servers.processes, format_bytes(i.servers.rss),
          format_bytes(i.servers.servers ? i.servers.rss / i.servers.servers : 0),
          format_bytes(i.servers.pss),
          format_bytes(i.servers.servers ? i.servers.pss / i.servers.servers : 0));
      fmt::print("  GET /v1/clones with {} clones: p50 {} s, max {} s (20 requests)\n", i.clones,
                 secs(percentile(i.list, 0.5)),
                 secs(*std::max_element(i.list.begin(), i.list.end())));
      fmt::print("  making them: {:.1f} s with {} parallel API creators ({:.2f} clones/s)\n",
                 i.create_wall, o.creators, i.clones / i.create_wall);
      fmt::print(
          "  (RSS counts shared memory once per process; PSS splits it between its users)\n");
    }
  }
  for (const auto& n : f.notes) fmt::print("note: {}\n", n);
}

Result<Options> parse(int argc, char** argv) {
  Options o;
  CLI::App app{"dbtwin_api_bench: the clone service's latency, throughput and idle cost"};
  app.add_option("--dbtwin", o.dbtwin, "the dbtwin executable")->required();
  app.add_option("--work", o.work, "scratch folder (removed at the end)")->capture_default_str();
  app.add_option("--fs", o.fs, "file system of the loop pool: xfs (reflink) or btrfs")
      ->capture_default_str();
  app.add_option("--loop-size", o.loop_size, "size of the loop pool")->capture_default_str();
  app.add_option("--rows", o.rows, "rows in the template's table")->capture_default_str();
  app.add_option("--runs", o.runs, "sequential creations per latency figure")
      ->capture_default_str();
  app.add_option("--creators", o.creators, "parallel creators")->capture_default_str();
  app.add_option("--per-creator", o.per_creator, "clones each parallel creator makes")
      ->capture_default_str();
  app.add_option("--idle-clones", o.idle_clones, "running clones for the idle figure (0: none)")
      ->capture_default_str();
  app.add_option("--idle-seconds", o.idle_seconds, "how long the idle daemon is watched")
      ->capture_default_str();
  app.add_option("--interval", o.interval, "the daemon's lifecycle.interval (default: its own)");
  app.add_option("--port-base", o.port_base, "first clone port; 200 clone ports, then the daemon's")
      ->capture_default_str();
  app.add_flag("--cleanup", o.cleanup_only, "only remove what an interrupted run left in --work");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  if (o.fs != "xfs" && o.fs != "btrfs") return err(Errc::invalid_argument, "--fs: xfs or btrfs");
  if (o.idle_clones > 200) return err(Errc::invalid_argument, "--idle-clones: at most 200 ports");
  if (o.runs < 1 || o.creators < 1 || o.per_creator < 1)
    return err(Errc::invalid_argument, "--runs, --creators and --per-creator must be at least 1");
  o.dbtwin = fs::absolute(o.dbtwin);
  o.work = fs::absolute(o.work);
  return o;
}

int run(int argc, char** argv) {
  auto parsed = parse(argc, argv);
  if (!parsed) {
    fmt::print(stderr, "dbtwin_api_bench: {}\n", parsed.error().message);
    return 2;
  }
  const Options o = std::move(parsed).value();
  if (!os::is_root()) {
    fmt::print(stderr, "dbtwin_api_bench: needs root (a loop-mounted pool, the service user)\n");
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  if (o.cleanup_only) {
    auto st = teardown(o);
    if (!st) fmt::print(stderr, "dbtwin_api_bench: cleanup: {}\n", st.error().message);
    return st ? 0 : 1;
  }
  if (auto st = prepare_work(o); !st) {
    fmt::print(stderr, "dbtwin_api_bench: {}\n", st.error().message);
    return 2;
  }
  std::string load_before = load_average();
  Figures f;
  if (auto st = run_all(o, f); !st) {
    f.notes.push_back(first_line(st.error().message));
    progress("FAILED: {}", first_line(st.error().message));
  }
  if (auto st = teardown(o); !st) f.notes.push_back("cleanup: " + first_line(st.error().message));
  print_report(o, f, load_before);
  bool partial = !f.api.error.empty() || !f.cli.error.empty() || !f.idle.error.empty() ||
                 !f.api_tp.error.empty() || !f.cli_tp.error.empty();
  return g_stop || partial || !f.notes.empty() ? 1 : 0;
}

}  // namespace

}  // namespace dbtwin::bench

int main(int argc, char** argv) {
  return dbtwin::bench::run(argc, argv);
}
