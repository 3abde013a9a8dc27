#include "support/cli_matrix.h"

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "base/strings.h"
#include "engine/conn_url.h"
#include "engine/mysql_client.h"
#include "engine/pg_client.h"
#include "os/process.h"

namespace dbtwin::test {

namespace fs = std::filesystem;

namespace {
// Sparse images: only what is written costs disk. Big enough for a few dozen clones of a small
// template on every driver (XFS needs at least 300 MiB).
constexpr uint64_t kLoopSize = 1024ull << 20;
}  // namespace

const PoolCase& pool_case(const std::string& name) {
  for (const auto& p : pool_cases()) {
    if (p.name == name) return p;
  }
  ADD_FAILURE() << "no pool case named " << name;
  return pool_cases().front();
}

const std::vector<PoolCase>& pool_cases() {
  static const std::vector<PoolCase> cases = {
      {"btrfs", "btrfs", "auto", "btrfs", true, true},
      {"xfs", "xfs", "auto", "reflink", true, true},
      {"overlay", "", "overlay", "overlay", true, false},
      {"copy", "", "copy", "copy", false, false},
  };
  return cases;
}

std::vector<std::string> engines() {
  return {"postgres", "mariadb"};
}

std::vector<MatrixCase> matrix() {
  std::vector<MatrixCase> out;
  for (const auto& p : pool_cases()) {
    for (const auto& e : engines()) out.push_back({p, e});
  }
  return out;
}

void PrintTo(const MatrixCase& c, std::ostream* os) {
  *os << c.pool.name << " (" << c.pool.expected << ") x " << c.engine;
}

std::string matrix_name(const ::testing::TestParamInfo<MatrixCase>& info) {
  return info.param.pool.name + "_" + info.param.engine;
}

std::string engine_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

std::unique_ptr<CliWorld> CliWorld::make(const PoolCase& pool, std::string* why_not) {
  if (!running_as_root() && (!pool.loop_fs.empty() || pool.driver == "overlay")) {
    if (why_not) *why_not = "the " + pool.name + " pool needs root (mounts, loop devices)";
    return nullptr;
  }
  std::unique_ptr<CliWorld> w(new CliWorld());
  w->pool_ = pool;
  if (!pool.loop_fs.empty()) {
    w->loop_ = LoopFs::make(pool.loop_fs, kLoopSize, why_not);
    if (!w->loop_) return nullptr;
    w->pool_root_ = w->loop_->mountpoint();
  } else {
    w->pool_root_ = w->dir_ / "pool";
  }
  w->cli_ =
      std::make_unique<Cli>(w->dir_ / "state", unique_port_base(), pool.driver, w->pool_root_);
  return w;
}

CliWorld::~CliWorld() {
  tear_down();
}

void CliWorld::tear_down() {
  if (cli_) {
    cli_.reset();  // destroys clones and templates through the CLI
    // Whatever the CLI could not stop (a test that broke the catalog) must not outlive the test.
    for (const auto& needle : {pool_root_.string(), (dir_ / "state").string()}) {
      for (pid_t pid : processes_mentioning(needle)) ::kill(pid, SIGKILL);
    }
  }
  loop_.reset();
}

nlohmann::json CliWorld::create_template(const std::string& name, const std::string& engine,
                                         const std::vector<std::string>& source) const {
  std::vector<std::string> args = {"template", "create"};
  if (!name.empty()) args.push_back(name);
  args.insert(args.end(), {"--engine", engine});
  args.insert(args.end(), source.begin(), source.end());
  return cli_->ok_json(args);
}

nlohmann::json CliWorld::items_template(const std::string& name, const std::string& engine,
                                        int rows) const {
  fs::path dump = scratch() / (name + ".sql");
  write_text(dump, items_sql(rows));
  return create_template(name, engine, {"--from-dump", dump.string()});
}

nlohmann::json CliWorld::create_clone(const std::string& tmpl, const std::string& name,
                                      const std::vector<std::string>& extra) const {
  std::vector<std::string> args = {"clone", "create", tmpl};
  if (!name.empty()) args.push_back(name);
  args.insert(args.end(), extra.begin(), extra.end());
  return cli_->ok_json(args);
}

int CliWorld::volumes() const {
  auto st = cli_->ok_json({"pool", "status"});
  return st.is_object() ? st.value("volumes", -1) : -1;
}

void MatrixTest::SetUp() {
  std::string why;
  world_ = CliWorld::make(GetParam().pool, &why);
  if (!world_) GTEST_SKIP() << why;
}

void MatrixTest::TearDown() {
  if (world_) world_->tear_down();
}

std::string url_of(const nlohmann::json& clone) {
  return clone.is_object() ? clone.value("url", std::string()) : std::string();
}

std::string items_sql(int rows, const std::string& table) {
  std::ostringstream out;
  out << "CREATE TABLE " << table
      << " (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, qty INT NOT NULL);\n";
  for (int i = 1; i <= rows; ++i) {
    out << (i % 100 == 1 ? "INSERT INTO " + table + " VALUES " : ",") << "(" << i << ",'item-" << i
        << "'," << (i * 7) % 13 << ")" << (i % 100 == 0 || i == rows ? ";\n" : "");
  }
  return out.str();
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int run_program(const std::vector<std::string>& argv, std::string* out,
                const std::vector<std::string>& env) {
  os::SpawnOptions opts;
  opts.argv = argv;
  opts.env = env;
  auto r = os::run(opts);
  if (!r) {
    if (out) *out = r.error().message;
    return -1;
  }
  if (out) *out = r->out;
  if (r->exit_code != 0) ADD_FAILURE() << argv[0] << " failed: " << r->err;
  return r->exit_code;
}

std::vector<pid_t> processes_mentioning(const std::string& needle) {
  std::vector<pid_t> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == ::getpid()) continue;
    std::string cmdline = read_text(entry.path() / "cmdline");
    for (auto& c : cmdline)
      if (c == '\0') c = ' ';
    if (cmdline.find(needle) != std::string::npos && pid_alive(pid)) found.push_back(pid);
  }
  return found;
}

std::vector<std::string> mounts_below(const fs::path& dir) {
  std::vector<std::string> found;
  for (const auto& line : split(read_text("/proc/self/mounts"), '\n')) {
    auto fields = split(line, ' ');
    if (fields.size() > 1 && starts_with(fields[1], dir.string() + "/")) found.push_back(fields[1]);
  }
  return found;
}

bool pid_alive(pid_t pid) {
  std::string stat = read_text("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return false;
  auto close = stat.rfind(')');
  return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] != 'Z';
}

std::string server_identity(const std::string& url) {
  if (starts_with(url, "postgres")) return sql(url, "SELECT pg_postmaster_start_time()");
  std::string pid_file = sql(url, "SELECT @@pid_file");
  if (starts_with(pid_file, "ERROR")) return pid_file;
  return std::string(trim(read_text(pid_file)));
}

struct HeldConnection::Impl {
  std::optional<engine::PgConnection> pg;
  std::optional<engine::MysqlConnection> my;
};

HeldConnection::HeldConnection(const std::string& url) : impl_(std::make_unique<Impl>()) {
  auto parsed = engine::parse_conn_url(url, {"postgres", "postgresql", "mysql", "mariadb"});
  if (!parsed) {
    error_ = parsed.error().message;
    return;
  }
  if (starts_with(parsed->scheme, "postgres")) {
    auto c = engine::PgConnection::connect(
        {parsed->host, parsed->port, parsed->user, parsed->password, parsed->database, 10});
    if (c)
      impl_->pg.emplace(std::move(*c));
    else
      error_ = c.error().message;
  } else {
    engine::MysqlTarget t;
    t.host = parsed->host;
    t.port = parsed->port;
    t.user = parsed->user;
    t.password = parsed->password;
    t.database = parsed->database;
    auto c = engine::MysqlConnection::connect(t);
    if (c)
      impl_->my.emplace(std::move(*c));
    else
      error_ = c.error().message;
  }
}

HeldConnection::~HeldConnection() = default;

bool HeldConnection::ok() const {
  return impl_->pg.has_value() || impl_->my.has_value();
}

std::string HeldConnection::scalar(const std::string& query) {
  if (!ok()) return "ERROR: not connected: " + error_;
  auto rows = impl_->pg ? impl_->pg->query(query) : impl_->my->query(query);
  if (!rows) return "ERROR: " + rows.error().message;
  if (rows->empty() || rows->front().empty()) return "";
  return rows->front().front().value_or("NULL");
}

void report_figure(const std::string& what, double value, const std::string& unit) {
  std::printf("[figure] %s %.3f %s\n", what.c_str(), value, unit.c_str());
  std::fflush(stdout);
  ::testing::Test::RecordProperty(what, std::to_string(value));
}

}  // namespace dbtwin::test
