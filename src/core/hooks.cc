#include "core/hooks.h"

#include <unistd.h>

#include "base/log.h"
#include "os/process.h"

namespace dbtwin::core {

Status run_hook(const std::string& script, const HookFacts& f) {
  os::SpawnOptions opts;
  opts.argv = {script};
  opts.env = {
      "DBTWIN_CLONE=" + f.clone,       "DBTWIN_TEMPLATE=" + f.template_name,
      "DBTWIN_HOST=" + f.host,         "DBTWIN_PORT=" + std::to_string(f.port),
      "DBTWIN_USER=" + f.user,         "DBTWIN_PASSWORD=" + f.password,
      "DBTWIN_DATABASE=" + f.database, "DBTWIN_URL=" + f.url,
  };
  // The script talks to the person running the command, on stderr so --json stays clean.
  opts.stdout_fd = STDERR_FILENO;
  opts.stderr_fd = STDERR_FILENO;
  auto child = TRY_CTX(os::ChildProcess::spawn(opts), fmt::format("running hook {}", script));
  int code = TRY(child.wait());
  if (code != 0) {
    return err(Errc::hook_failed, "hook {} exited with status {}", script, code);
  }
  return {};
}

}  // namespace dbtwin::core
