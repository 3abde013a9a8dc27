#include "engine/server_util.h"

#include <fcntl.h>
#include <signal.h>

#include <thread>

#include "base/strings.h"
#include "os/files.h"

namespace dbtwin::engine {

os::SpawnOptions spawn_options(std::vector<std::string> argv,
                               const std::optional<os::Identity>& run_as, const fs::path& cwd) {
  os::SpawnOptions opts;
  opts.argv = std::move(argv);
  opts.run_as = run_as;
  opts.cwd = cwd;
  return opts;
}

Result<fs::path> find_program(const fs::path& bindir, const std::vector<std::string>& names,
                              const std::vector<fs::path>& dirs) {
  for (const auto& name : names) {
    if (!bindir.empty()) {
      auto found = os::find_executable((fs::absolute(bindir) / name).string());
      if (found.ok()) return found;
    } else {
      auto found = os::find_executable(name, dirs);
      if (found.ok()) return found;
    }
  }
  if (!bindir.empty()) {
    return err(Errc::unavailable, "{} is not installed: not found in {}", names.front(),
               bindir.string());
  }
  return err(Errc::unavailable, "{} is not installed: not found on PATH", names.front());
}

Status make_owned_dir(const fs::path& dir, mode_t mode, const std::optional<os::Identity>& owner) {
  TRY(os::make_dirs(dir, mode));
  TRY(os::set_mode(dir, mode));
  if (owner) TRY(os::set_owner(dir, owner->uid, owner->gid));
  return {};
}

Status write_owned_file(const fs::path& path, std::string_view content, mode_t mode,
                        const std::optional<os::Identity>& owner) {
  TRY(os::write_file(path, content, mode));
  TRY(os::set_mode(path, mode));
  if (owner) TRY(os::set_owner(path, owner->uid, owner->gid));
  return {};
}

Result<SecretFile> SecretFile::create(const fs::path& dir, std::string_view stem,
                                      std::string_view content,
                                      const std::optional<os::Identity>& owner) {
  fs::path path = dir / fmt::format(".{}-{}", stem, random_token(12));
  SecretFile file(path);  // removes a partial file on failure below
  TRY(os::write_file(path, "", 0600));
  TRY(os::set_mode(path, 0600));  // before the secret goes in, whatever the umask
  if (owner) TRY(os::set_owner(path, owner->uid, owner->gid));
  TRY(os::write_file(path, content, 0600));
  return file;
}

SecretFile::~SecretFile() {
  if (!path_.empty()) (void)os::remove_file(path_);
}

Result<CapturedOutput> CapturedOutput::create(const fs::path& dir, std::string_view stem) {
  fs::path path = dir / fmt::format(".{}-{}.err", stem, random_token(8));
  auto fd = TRY(os::open_fd(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  return CapturedOutput(path, std::move(fd));
}

CapturedOutput::~CapturedOutput() {
  if (!path_.empty()) (void)os::remove_file(path_);
}

std::string CapturedOutput::tail(int lines) const {
  return file_tail(path_, lines);
}

std::string last_lines(std::string_view text, int lines) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  size_t pos = text.size();
  for (int i = 0; i < lines && pos != std::string_view::npos && pos > 0; ++i) {
    pos = text.rfind('\n', pos - 1);
  }
  if (pos == std::string_view::npos) return std::string(text);
  return std::string(text.substr(pos == 0 ? 0 : pos + 1));
}

std::string file_tail(const fs::path& path, int lines) {
  auto text = os::read_file(path);
  if (!text.ok()) return {};
  return last_lines(*text, lines);
}

Result<UniqueFd> open_log(const fs::path& log_file) {
  if (log_file.has_parent_path()) TRY(os::make_dirs(log_file.parent_path(), 0755));
  return os::open_fd(log_file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
}

namespace {

// The pid on the first line of a pid file, or 0.
pid_t pid_in_file(const fs::path& pid_file) {
  auto text = os::read_file(pid_file);
  if (!text.ok()) return 0;
  auto first = std::string(trim(text->substr(0, text->find('\n'))));
  try {
    return static_cast<pid_t>(std::stol(first));
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

Status clear_zombie_pid_file(const fs::path& pid_file) {
  pid_t pid = pid_in_file(pid_file);
  if (pid <= 0) return {};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  for (;;) {
    auto id = os::process_id(pid);
    // Gone (the server cleans a stale file up itself), or alive (it refuses, rightly).
    if (!id.ok() || os::process_alive(*id)) return {};
    // Init normally reaps at once; some container inits take their time, and some never do.
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return os::remove_file(pid_file);
}

std::optional<os::ProcessId> live_pid_from_file(const fs::path& pid_file,
                                                std::string_view program_hint) {
  pid_t pid = pid_in_file(pid_file);
  auto id = os::process_id(pid);
  if (!id.ok() || !os::process_alive(*id)) return std::nullopt;
  auto argv = os::process_cmdline(pid);
  if (argv.empty() || argv[0].find(program_hint) == std::string::npos) return std::nullopt;
  return *id;
}

Status stop_process(const os::ProcessId& server, int sig, std::chrono::milliseconds grace,
                    std::string_view what) {
  if (!os::process_alive(server)) return {};
  TRY_CTX(os::signal_process(server, sig), fmt::format("stopping {}", what));
  if (os::wait_gone(server, grace).ok()) return {};
  // The server ignored the polite request for the whole grace period.
  TRY_CTX(os::signal_process(server, SIGKILL), fmt::format("killing {}", what));
  TRY_CTX(os::wait_gone(server, std::chrono::seconds(30)), fmt::format("killing {}", what));
  return {};
}

Status wait_for_login(const os::ProcessId& server, const fs::path& log_file,
                      std::chrono::milliseconds timeout, std::string_view what,
                      const std::function<Status()>& try_login) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last_error = "no attempt made";
  for (;;) {
    auto login = try_login();
    if (login.ok()) return {};
    last_error = login.error().message;
    if (!os::process_alive(server)) {
      return err(Errc::engine, "{} (pid {}) exited while starting; log {}:\n{}", what, server.pid,
                 log_file.string(), file_tail(log_file));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return err(Errc::timeout, "{} did not accept a login within {} ms: {}", what, timeout.count(),
                 last_error);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string connect_host(const std::string& listen_address) {
  if (listen_address.empty() || listen_address == "*" || listen_address == "0.0.0.0") {
    return "127.0.0.1";
  }
  if (listen_address == "::") return "::1";
  return listen_address;
}

Status check_config_value(std::string_view name, std::string_view value) {
  if (value.empty()) return err(Errc::invalid_argument, "{} is empty", name);
  for (char c : value) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.') {
      return err(Errc::invalid_argument, "{} has an invalid value '{}'", name, value);
    }
  }
  return {};
}

Status finish_client(os::ChildProcess& child, const CapturedOutput& errout, std::string_view what) {
  int code = TRY_CTX(child.wait(), fmt::format("waiting for {}", what));
  if (code == 0) return {};
  return err(Errc::engine, "{} failed (exit {}): {}", what, code, errout.tail());
}

}  // namespace dbtwin::engine
