#include "failure_support.h"

#include <signal.h>

#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "base/strings.h"
#include "catalog/catalog.h"

namespace dbtwin::test::failure {

namespace {

// True if `arg` names `path` itself or something inside it (not clone.ab for clone.a).
bool names_path(const std::string& arg, const std::string& path) {
  for (size_t at = arg.find(path); at != std::string::npos; at = arg.find(path, at + 1)) {
    size_t end = at + path.size();
    if (end == arg.size()) return true;
    char c = arg[end];
    bool id_char =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!id_char) return true;
  }
  return false;
}

std::string joined(const std::vector<std::string>& argv) {
  return fmt::format("{}", fmt::join(argv, " "));
}

// Field `n` (1-based, n >= 3) of /proc/PID/stat, read after the comm field; empty if gone.
std::string stat_field(pid_t pid, int n) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return "";
  auto close = line.rfind(')');
  if (close == std::string::npos) return "";
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  for (int i = 3; i <= n; ++i) {
    if (!(rest >> field)) return "";
  }
  return field;
}

std::vector<std::string> mount_points() {
  std::vector<std::string> out;
  std::ifstream in("/proc/self/mounts");
  std::string src, target, rest;
  while (in >> src >> target && std::getline(in, rest)) out.push_back(target);
  return out;
}

std::set<std::string> list_names(const fs::path& dir) {
  std::set<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.insert(e.path().filename().string());
  return out;
}

// What the catalog file holds, read without running dbtwin (which would reconcile first).
void check_catalog(const Install& inst, const Expected& e, std::set<std::string>* volumes,
                   std::set<std::string>* allowed_paths) {
  auto cat = catalog::Catalog::open(inst.state() / "catalog.db");
  ASSERT_TRUE(cat.ok()) << cat.error().message;
  auto& c = **cat;

  auto template_rows = c.list_templates();
  auto clone_rows = c.list_clones(std::nullopt);
  auto snapshot_rows = c.list_snapshots(std::nullopt, true);
  auto port_rows = c.list_ports();
  ASSERT_TRUE(template_rows.ok() && clone_rows.ok() && snapshot_rows.ok() && port_rows.ok());

  std::set<std::string> templates;
  for (const auto& t : *template_rows) {
    templates.insert(t.name);
    EXPECT_EQ(t.state, "ready") << "template " << t.name;
  }
  EXPECT_EQ(templates, e.templates) << "template rows";

  std::set<std::string> clones;
  std::set<std::string> wanted_ports;
  for (const auto& row : *clone_rows) {
    clones.insert(row.name);
    EXPECT_NE(row.state, "creating") << "clone " << row.name;
    EXPECT_NE(row.state, "destroying") << "clone " << row.name;
    volumes->insert(row.volume);
    wanted_ports.insert(std::to_string(row.port));
    allowed_paths->insert((inst.pool_root() / row.volume).string());
    allowed_paths->insert((inst.state() / "run" / std::to_string(row.port)).string());
  }
  EXPECT_EQ(clones, e.clones) << "clone rows";

  for (const auto& s : *snapshot_rows) {
    EXPECT_EQ(s.state, "ready") << "snapshot " << s.id << " of " << s.template_name;
    EXPECT_TRUE(e.templates.count(s.template_name))
        << "snapshot " << s.id << " of " << s.template_name;
    if (s.hidden) {
      EXPECT_GT(c.clones_using_snapshot(s.id).value_or(0), 0) << "unused hidden snapshot " << s.id;
    }
    volumes->insert(s.volume);
  }

  std::set<std::string> ports, owners, wanted_owners;
  for (const auto& [port, owner] : *port_rows) {
    ports.insert(std::to_string(port));
    owners.insert(owner);
  }
  for (const auto& name : e.clones) wanted_owners.insert("clone:" + name);
  EXPECT_EQ(owners, wanted_owners) << "port rows";
  EXPECT_EQ(ports, wanted_ports) << "port rows";
  EXPECT_EQ(list_names(inst.state() / "run"), wanted_ports)
      << "run folders in " << (inst.state() / "run");
}

}  // namespace

Install::Install(std::string driver, fs::path pool_root)
    : pool_(pool_root.empty() ? dir_ / "pool" : std::move(pool_root)),
      port_lo_(unique_port_base()) {
  cli_ = std::make_unique<Cli>(state(), port_lo_, std::move(driver), pool_);
}

Install::~Install() {
  cli_.reset();
  // What the CLI could not remove (a test that failed half-way) must not outlive the test.
  for (pid_t pid : os::list_pids()) {
    if (pid == os::self_pid()) continue;
    for (const auto& arg : os::process_cmdline(pid)) {
      if (names_path(arg, state().string()) || names_path(arg, pool_.string())) {
        ::kill(pid, SIGKILL);
        break;
      }
    }
  }
}

nlohmann::json Install::template_from_sql(const std::string& name, const std::string& engine,
                                          const std::string& sql) const {
  fs::path dump = scratch() / (name + ".sql");
  write_text(dump, sql);
  return cli_->ok_json(
      {"template", "create", name, "--engine", engine, "--from-dump", dump.string()});
}

nlohmann::json Install::clone(const std::string& tmpl, const std::string& name,
                              const std::vector<std::string>& extra) const {
  std::vector<std::string> args = {"clone", "create", tmpl, name};
  args.insert(args.end(), extra.begin(), extra.end());
  return cli_->ok_json(args);
}

void expect_nothing_leaked(const Install& inst, const Expected& e) {
  std::set<std::string> volumes;        // what the catalog accounts for
  std::set<std::string> allowed_paths;  // what live servers may name: their volume, run folder
  check_catalog(inst, e, &volumes, &allowed_paths);

  // The pool folder holds the catalog's volumes and nothing else (no half copy, no staging).
  auto in_pool = list_names(inst.pool_root());
  in_pool.erase("lost+found");
  EXPECT_EQ(in_pool, volumes) << "the pool folder " << inst.pool_root()
                              << " vs the catalog's volumes";

  // No process names the state or pool folder but the servers of the clones that remain.
  for (pid_t pid : os::list_pids()) {
    if (pid == os::self_pid()) continue;
    auto argv = os::process_cmdline(pid);
    bool ours = false, allowed = false;
    for (const auto& arg : argv) {
      ours = ours || names_path(arg, inst.state().string()) ||
             names_path(arg, inst.pool_root().string());
      for (const auto& p : allowed_paths) allowed = allowed || names_path(arg, p);
    }
    EXPECT_TRUE(!ours || allowed) << "orphan process " << pid << ": " << joined(argv);
  }

  // No mount below the state or pool folder but the clones' own (overlay).
  for (const auto& target : mount_points()) {
    bool below = starts_with(target, inst.state().string() + "/") ||
                 starts_with(target, inst.pool_root().string() + "/");
    if (!below) continue;
    bool allowed = false;
    for (const auto& p : allowed_paths) allowed = allowed || names_path(target, p);
    EXPECT_TRUE(allowed) << "orphan mount " << target;
  }

  // The CLI agrees, and finds nothing to clean up: the failed command undid its own steps.
  auto clones = inst.run({"--json", "clone", "list"});
  EXPECT_EQ(clones.exit_code, 0) << clones.err;
  EXPECT_EQ(clones.err, "") << "the next command had to clean up";
  if (clones.exit_code == 0) {
    EXPECT_EQ(names_of(clones.json()), e.clones);
  }
  auto templates = inst.run({"--json", "template", "list"});
  EXPECT_EQ(templates.exit_code, 0) << templates.err;
  if (templates.exit_code == 0) {
    EXPECT_EQ(names_of(templates.json()), e.templates);
  }
  if (!e.templates.empty()) {
    auto pool = inst.run({"--json", "pool", "status"});
    EXPECT_EQ(pool.exit_code, 0) << pool.err;
    if (pool.exit_code == 0) {
      EXPECT_EQ(pool.json().value("volumes", -1), static_cast<int>(volumes.size())) << pool.out;
    }
  }
}

std::string items_sql(int rows) {
  std::string out = "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(80));\n";
  for (int start = 1; start <= rows; start += 1000) {
    out += "INSERT INTO items VALUES ";
    for (int id = start; id < start + 1000 && id <= rows; ++id) {
      out += fmt::format("{}({}, 'item-{}-abcdefghijklmnopqrstuvwxyz')", id == start ? "" : ",", id,
                         id);
    }
    out += ";\n";
  }
  return out;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << "writing " << path;
}

bool file_exists(const fs::path& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

std::string url_of(const nlohmann::json& clone) {
  return clone.is_object() ? clone.value("url", "") : "";
}

std::set<std::string> names_of(const nlohmann::json& list) {
  std::set<std::string> out;
  if (!list.is_array()) return out;
  for (const auto& item : list) out.insert(item.value("name", ""));
  return out;
}

Background::Background(const Install& inst, const std::vector<std::string>& args,
                       const std::vector<std::string>& env) {
  os::SpawnOptions opts;
  opts.argv = {DBTWIN_BINARY};
  opts.argv.insert(opts.argv.end(), args.begin(), args.end());
  opts.env = inst.cli().env();
  opts.env.insert(opts.env.end(), env.begin(), env.end());
  auto child = os::ChildProcess::spawn(opts);
  EXPECT_TRUE(child.ok()) << (child.ok() ? "" : child.error().message);
  if (child.ok()) child_.emplace(std::move(*child));
}

Background::~Background() {
  if (child_ && !status_) (void)kill9();
}

int Background::kill9() {
  if (!child_) return -1;
  if (status_) return *status_;
  // The dbtwin process only, as `kill -9 PID` from a shell: its tools keep running.
  ::kill(child_->pid(), SIGKILL);
  return wait();
}

int Background::wait() {
  if (!child_) return -1;
  if (!status_) {
    auto code = child_->wait();
    status_ = code.ok() ? *code : -1;
  }
  return *status_;
}

bool Background::running() {
  if (!child_ || status_) return false;
  if (auto done = child_->try_wait()) {
    status_ = *done;
    return false;
  }
  return true;
}

bool wait_until(const std::function<bool()>& ready, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!ready()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

bool has_child_running(pid_t parent, const std::set<std::string>& names) {
  std::string want = std::to_string(parent);
  for (pid_t pid : os::list_pids()) {
    if (stat_field(pid, 4) != want) continue;
    auto argv = os::process_cmdline(pid);
    for (size_t i = 0; i < argv.size() && i < 2; ++i) {
      if (names.count(fs::path(argv[i]).filename().string())) return true;
    }
  }
  return false;
}

fs::path postgres_bindir() {
  fs::path best;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    fs::path bin = e.path() / "bin";
    if (fs::exists(bin / "postgres") && (best.empty() || bin > best)) best = bin;
  }
  return best;
}

}  // namespace dbtwin::test::failure
