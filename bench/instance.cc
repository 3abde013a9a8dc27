#include "instance.h"

#include <chrono>

#include "base/strings.h"

extern char** environ;

namespace dbtwin::bench {

namespace {

// The caller's environment without DBTWIN_* variables: the bench sets everything it relies on
// by flag, so a developer's own settings cannot skew the figures.
std::vector<std::string> clean_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    if (!starts_with(entry, "DBTWIN_")) env.push_back(std::move(entry));
  }
  return env;
}

}  // namespace

Instance::Instance(fs::path dbtwin, fs::path config, fs::path state, std::string port_range,
                   std::optional<std::string> driver)
    : dbtwin_(std::move(dbtwin)),
      config_(std::move(config)),
      state_(std::move(state)),
      port_range_(std::move(port_range)),
      driver_(std::move(driver)),
      env_(clean_environment()) {}

os::SpawnOptions Instance::spawn_options(const std::vector<std::string>& args,
                                         const std::vector<std::string>& extra_env) const {
  os::SpawnOptions opts;
  opts.argv = {dbtwin_.string(), "--config",     config_.string(), "--state-dir",
               state_.string(),  "--port-range", port_range_};
  if (driver_) opts.argv.insert(opts.argv.end(), {"--pool-driver", *driver_});
  opts.argv.insert(opts.argv.end(), args.begin(), args.end());
  opts.inherit_env = false;
  opts.env = env_;
  opts.env.insert(opts.env.end(), extra_env.begin(), extra_env.end());
  return opts;
}

Result<Timed> Instance::run(const std::vector<std::string>& args) const {
  std::vector<std::string> with_json{"--json"};
  with_json.insert(with_json.end(), args.begin(), args.end());
  os::SpawnOptions opts = spawn_options(with_json);
  auto start = std::chrono::steady_clock::now();
  auto done = TRY(os::run(std::move(opts)));
  auto end = std::chrono::steady_clock::now();
  return Timed{done.exit_code, std::move(done.out), std::move(done.err),
               std::chrono::duration<double>(end - start).count()};
}

Result<nlohmann::json> Instance::json(const std::vector<std::string>& args, double& wall) const {
  auto t = TRY(run(args));
  wall = t.wall;
  std::string what = "dbtwin";
  for (const auto& a : args) what += " " + a;
  nlohmann::json j = nlohmann::json::parse(t.out, nullptr, false);
  if (t.exit_code != 0) {
    // With --json, dbtwin prints {"error": {"message": ...}} on stdout.
    std::string msg = !j.is_discarded() && j.contains("error") ? j["error"].value("message", "")
                                                               : std::string(trim(t.err));
    return err(Errc::internal, "{} failed (exit {}): {}", what, t.exit_code, msg);
  }
  if (j.is_discarded()) return err(Errc::internal, "{}: output is not JSON: {}", what, t.out);
  return j;
}

Result<nlohmann::json> Instance::json(const std::vector<std::string>& args) const {
  double wall = 0;
  return json(args, wall);
}

}  // namespace dbtwin::bench
