#include "os/process.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "base/scope_guard.h"
#include "os/files.h"
#include "os/users.h"
#include "support/temp_dir.h"

namespace dbtwin::os {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

SpawnOptions sh(const std::string& script) {
  SpawnOptions o;
  o.argv = {"sh", "-c", script};
  return o;
}

// Field 4 of /proc/PID/stat: the parent pid.
pid_t parent_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(in, line);
  std::istringstream rest(line.substr(line.rfind(')') + 1));
  std::string state;
  pid_t ppid = 0;
  rest >> state >> ppid;
  return ppid;
}

// Waits (bounded by tries, not by time) for a file written by a child.
std::string wait_for_file(const std::filesystem::path& p) {
  for (int i = 0; i < 2000; ++i) {
    auto text = read_file(p);
    if (text.ok() && !text->empty() && text->back() == '\n') return *text;
    std::this_thread::sleep_for(5ms);
  }
  return {};
}

void kill_pid_from(const std::string& text) {
  pid_t pid = std::atoi(text.c_str());
  if (pid <= 0) return;
  auto id = process_id(pid);
  if (id.ok()) {
    (void)signal_process(*id, SIGKILL);
    (void)wait_gone(*id, 5s);
  }
}

TEST(Run, CapturesExitCodeStdoutAndStderr) {
  auto r = run(sh("echo out; echo err >&2; exit 3"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->out, "out\n");
  EXPECT_EQ(r->err, "err\n");
}

TEST(Run, FeedsLargeInputWhileCapturingLargeOutput) {
  std::string input(5 << 20, 'x');
  for (size_t i = 0; i < input.size(); i += 4096) input[i] = '\n';
  SpawnOptions o;
  o.argv = {"cat"};
  auto r = run(o, input);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_TRUE(r->out == input);
}

TEST(Run, CapsCapturedOutputAt16MiB) {
  auto r = run(sh("head -c 20000000 /dev/zero"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out.size(), size_t{16} << 20);
}

TEST(Run, ChildThatIgnoresItsInputDoesNotKillUs) {
  std::string input(4 << 20, 'y');
  SpawnOptions o;
  o.argv = {"true"};
  auto r = run(o, input);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->exit_code, 0);
}

TEST(Run, ReturnsWhenTheChildExitsEvenIfAGrandchildHoldsStdout) {
  auto r = run(sh("sleep 1000 & echo $!"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  kill_pid_from(r->out);
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_FALSE(r->out.empty());
}

TEST(Run, PassesEnvironment) {
  auto o = sh("echo \"$DBTWIN_A-$HOME\"");
  o.env = {"DBTWIN_A=alpha"};
  o.inherit_env = false;
  auto r = run(o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->out, "alpha-\n");
  o.inherit_env = true;
  o.env = {"DBTWIN_A=beta", "HOME=/h"};
  r = run(o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->out, "beta-/h\n");
}

TEST(Run, ChangesDirectoryAndReportsABadOne) {
  test::TempDir dir;
  auto o = sh("pwd");
  o.cwd = dir.path();
  auto r = run(o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->out, dir.path().string() + "\n");
  o.cwd = dir / "missing";
  r = run(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_NE(r.error().message.find("changing directory"), std::string::npos) << r.error().message;
}

TEST(Run, RelativeProgramMeansTheCallersFolderEvenWithCwd) {
  test::TempDir dir;
  auto rel = fs::relative(dir / "prog", fs::current_path());
  ASSERT_TRUE(write_file(dir / "prog", "#!/bin/sh\necho ran in $(pwd)\n", 0755).ok());
  SpawnOptions o;
  o.argv = {rel.string()};
  o.cwd = "/";
  auto r = run_checked(o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "ran in /\n");
}

TEST(Run, MissingProgramIsUnavailable) {
  SpawnOptions o;
  o.argv = {"dbtwin-no-such-program"};
  auto r = run(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::unavailable);
  EXPECT_NE(r.error().message.find("dbtwin-no-such-program"), std::string::npos);
}

TEST(RunChecked, ErrorNamesProgramAndLastStderrLines) {
  std::string script = "for i in $(seq 1 40); do echo line$i >&2; done; echo boom >&2; exit 2";
  auto r = run_checked(sh(script), Errc::engine);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::engine);
  const std::string& m = r.error().message;
  EXPECT_EQ(m.rfind("sh exited with code 2", 0), 0u) << m;
  EXPECT_NE(m.find("boom"), std::string::npos) << m;
  EXPECT_NE(m.find("line40"), std::string::npos) << m;
  EXPECT_EQ(m.find("line5\n"), std::string::npos) << m;  // only the tail
  EXPECT_EQ(m.find("seq"), std::string::npos) << m;      // never the argv
}

TEST(RunChecked, FallsBackToStdoutAndReturnsStdoutOnSuccess) {
  auto r = run_checked(sh("echo only-stdout; exit 1"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::system);
  EXPECT_NE(r.error().message.find("only-stdout"), std::string::npos);
  auto ok = run_checked(sh("echo fine"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "fine\n");
}

TEST(RunChecked, FeedsInput) {
  SpawnOptions o;
  o.argv = {"wc", "-c"};
  auto r = run_checked(o, Errc::system, "12345");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "5\n");
}

TEST(ChildProcess, KillGroupAndWait) {
  SpawnOptions o;
  o.argv = {"sleep", "1000"};
  auto c = ChildProcess::spawn(o);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_FALSE(c->try_wait().has_value());
  EXPECT_EQ(::getpgid(c->pid()), c->pid());  // its own process group
  EXPECT_EQ(::getsid(c->pid()), c->pid());   // and session
  c->kill_group(SIGTERM);
  auto code = c->wait();
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 128 + SIGTERM);
  EXPECT_EQ(c->try_wait(), std::optional<int>(128 + SIGTERM));
}

TEST(ChildProcess, DestructorKillsTheGroupAndLeavesNoZombie) {
  test::TempDir dir;
  auto file = dir / "pid";
  pid_t pid = 0;
  std::string grandchild;
  {
    auto c = ChildProcess::spawn(sh("sleep 1000 & echo $! > " + file.string() + "; wait"));
    ASSERT_TRUE(c.ok()) << c.error().message;
    pid = c->pid();
    grandchild = wait_for_file(file);
    ASSERT_FALSE(grandchild.empty());
  }
  EXPECT_FALSE(process_id(pid).ok());  // reaped: not even a zombie
  auto g = process_id(std::atoi(grandchild.c_str()));
  if (g.ok()) {
    EXPECT_TRUE(wait_gone(*g, 10s).ok());
  }
}

TEST(ChildProcess, MoveAssignmentReapsThePreviousChild) {
  SpawnOptions o;
  o.argv = {"sleep", "1000"};
  auto a = ChildProcess::spawn(o);
  auto b = ChildProcess::spawn(o);
  ASSERT_TRUE(a.ok() && b.ok());
  pid_t first = a->pid();
  *a = std::move(*b);
  EXPECT_FALSE(process_id(first).ok());
}

TEST(SpawnDetached, SurvivesReparentedAndCanBeSignalled) {
  SpawnOptions o;
  o.argv = {"sleep", "1000"};
  auto id = spawn_detached(o);
  ASSERT_TRUE(id.ok()) << id.error().message;
  ScopeGuard cleanup([&] { (void)signal_process(*id, SIGKILL); });
  EXPECT_TRUE(process_alive(*id));
  EXPECT_NE(parent_of(id->pid), ::getpid());
  EXPECT_EQ(::getsid(id->pid), id->pid);
  auto again = process_id(id->pid);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->start_time, id->start_time);
  EXPECT_EQ(process_cmdline(id->pid), (std::vector<std::string>{"sleep", "1000"}));

  ASSERT_TRUE(signal_process(*id, SIGTERM).ok());
  EXPECT_TRUE(wait_gone(*id, 10s).ok());
  EXPECT_FALSE(process_alive(*id));
  EXPECT_TRUE(signal_process(*id, SIGTERM).ok());  // gone is not an error
}

TEST(SpawnDetached, ReportsExecAndSetupErrors) {
  SpawnOptions o;
  o.argv = {"sleep", "1000"};
  o.cwd = "/nonexistent/dbtwin";
  auto id = spawn_detached(o);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().code, Errc::not_found);
  o.argv = {"/nonexistent/dbtwin-server"};
  o.cwd.clear();
  id = spawn_detached(o);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().code, Errc::unavailable);
}

TEST(ProcessIdentity, BogusStartTimeIsNotAlive) {
  auto self = process_id(::getpid());
  ASSERT_TRUE(self.ok());
  EXPECT_TRUE(process_alive(*self));
  ProcessId other{self->pid, self->start_time + 1};
  EXPECT_FALSE(process_alive(other));
  // A stale identity must never be signalled: we would die of this SIGKILL.
  EXPECT_TRUE(signal_process(other, SIGKILL).ok());
  EXPECT_TRUE(wait_gone(other, 0ms).ok());
  EXPECT_FALSE(process_id(-5).ok());
  EXPECT_FALSE(process_alive(ProcessId{}));
}

TEST(ProcessIdentity, ZombieIsNotAlive) {
  SpawnOptions o;
  o.argv = {"true"};
  auto c = ChildProcess::spawn(o);
  ASSERT_TRUE(c.ok());
  auto id = process_id(c->pid());
  ASSERT_TRUE(id.ok());  // a zombie still has /proc/PID until reaped
  EXPECT_TRUE(wait_gone(*id, 10s).ok());
  EXPECT_FALSE(process_alive(*id));
  EXPECT_EQ(c->wait().value_or(-1), 0);
}

TEST(ProcessIdentity, WaitGoneTimesOut) {
  auto self = process_id(::getpid());
  ASSERT_TRUE(self.ok());
  auto s = wait_gone(*self, 10ms);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::timeout);
}

TEST(ProcessIdentity, ListsPidsAndCommandLines) {
  auto pids = list_pids();
  EXPECT_NE(std::find(pids.begin(), pids.end(), self_pid()), pids.end());
  EXPECT_FALSE(process_cmdline(self_pid()).empty());
  EXPECT_TRUE(process_cmdline(-1).empty());
}

TEST(SpawnAs, RunsAsNobodyWithoutSupplementaryGroups) {
  DBTWIN_REQUIRE_ROOT();
  auto nobody = lookup_user("nobody");
  ASSERT_TRUE(nobody.ok()) << nobody.error().message;
  auto o = sh("id -u; id -g; id -G");
  o.run_as = *nobody;
  auto r = run_checked(o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, fmt::format("{}\n{}\n{}\n", nobody->uid, nobody->gid, nobody->gid));
}

TEST(FindExecutable, SearchesDirsThenPath) {
  auto sh_path = find_executable("sh");
  ASSERT_TRUE(sh_path.ok());
  EXPECT_TRUE(sh_path->is_absolute());
  EXPECT_EQ(find_executable("/bin/sh").value_or(""), "/bin/sh");

  test::TempDir dir;
  ASSERT_TRUE(write_file(dir / "sh", "#!/bin/sh\n", 0755).ok());
  ASSERT_TRUE(write_file(dir / "not-exec", "x", 0644).ok());
  EXPECT_EQ(find_executable("sh", {dir / "nothing", dir.path()}).value_or(""), dir / "sh");
  auto missing = find_executable("not-exec", {dir.path()});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::unavailable);
  EXPECT_FALSE(find_executable((dir / "not-exec").string()).ok());
  EXPECT_FALSE(find_executable("dbtwin-no-such-program").ok());
}

}  // namespace
}  // namespace dbtwin::os
