#include "engine/import_pipe.h"

#include <signal.h>

#include "engine/dump_file.h"
#include "engine/server_util.h"
#include "os/pipe.h"

namespace dbtwin::engine {

Status import_sql_file(const fs::path& file, os::SpawnOptions client, const fs::path& scratch,
                       std::string_view what, const Progress& progress) {
  os::ignore_sigpipe();
  auto pipe = TRY(os::make_pipe());
  auto errout = TRY(CapturedOutput::create(scratch, "import"));
  client.stdin_fd = pipe.read.get();
  client.stderr_fd = errout.fd();
  auto child = TRY_CTX(os::ChildProcess::spawn(client), fmt::format("starting {}", what));
  pipe.read.reset();

  auto streamed = stream_sql_file(file, pipe.write.get(), progress);
  pipe.write.reset();  // EOF: the client finishes its last statement and exits
  if (!streamed.ok() && streamed.error().code != Errc::system) {
    // A corrupt or unreadable file: the client must not commit what it got so far.
    child.kill_group(SIGKILL);
    (void)child.wait();
    return streamed;
  }
  TRY(finish_client(child, errout, what));
  if (!streamed.ok()) {
    return err(Errc::engine, "{} stopped reading {} early: {}", what, file.string(),
               streamed.error().message);
  }
  return {};
}

Status pipe_dump_into_client(os::SpawnOptions dump, os::SpawnOptions client,
                             const fs::path& scratch, std::string_view dump_what,
                             std::string_view client_what) {
  os::ignore_sigpipe();
  auto pipe = TRY(os::make_pipe());
  auto dump_err = TRY(CapturedOutput::create(scratch, "dump"));
  auto client_err = TRY(CapturedOutput::create(scratch, "import"));
  dump.stdout_fd = pipe.write.get();
  dump.stderr_fd = dump_err.fd();
  client.stdin_fd = pipe.read.get();
  client.stderr_fd = client_err.fd();
  auto dump_child = TRY_CTX(os::ChildProcess::spawn(dump), fmt::format("starting {}", dump_what));
  auto client_child =
      TRY_CTX(os::ChildProcess::spawn(client), fmt::format("starting {}", client_what));
  pipe.read.reset();
  pipe.write.reset();

  // Once the client is gone the dump gets EPIPE, so waiting for both cannot block forever.
  auto client_status = finish_client(client_child, client_err, client_what);
  auto dump_status = finish_client(dump_child, dump_err, dump_what);
  if (!dump_status.ok() && !client_status.ok()) {
    // Either may be the cause (a dump that died, or a client whose exit broke the pipe).
    return err(Errc::engine, "{}; {}", client_status.error().message, dump_status.error().message);
  }
  if (!dump_status.ok()) return dump_status;
  return client_status;
}

Status run_client(os::SpawnOptions client, const fs::path& scratch, std::string_view what) {
  auto errout = TRY(CapturedOutput::create(scratch, "import"));
  client.stderr_fd = errout.fd();
  auto child = TRY_CTX(os::ChildProcess::spawn(client), fmt::format("starting {}", what));
  return finish_client(child, errout, what);
}

}  // namespace dbtwin::engine
