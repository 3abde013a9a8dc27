// Real servers: init, configure, start, logins, statements, clean and fast stops, and a copied
// data directory running beside its original without seeing its writes.
#include <chrono>
#include <iostream>

#include "engine_test_util.h"
#include "os/files.h"

namespace dbtwin::test {
namespace {

using engine::StopMode;

TEST_P(EngineTest, LifecycleCopyAndIsolation) {
  auto a = ready_server("a");
  ASSERT_TRUE(a);
  auto& e = *engine_;
  const engine::Credentials login{"dev_user", "s3cret'\"pw"};
  ENGINE_ASSERT_OK(e.create_login(a->spec(), a->admin(), login));
  ENGINE_ASSERT_OK(a->wait_ready(login, std::chrono::seconds(10)));
  ENGINE_ASSERT_OK(e.create_login(a->spec(), a->admin(), login));  // again: replaced, not an error
  ENGINE_ASSERT_OK(e.create_database(a->spec(), a->admin(), "app"));
  ENGINE_ASSERT_OK(e.create_database(a->spec(), a->admin(), "app"));  // exists: fine
  ENGINE_ASSERT_OK(e.exec(a->spec(), login, "app",
                          "CREATE TABLE t (id int primary key, name varchar(20)); "
                          "INSERT INTO t VALUES (1, 'one');"));
  auto rows = e.query(a->spec(), login, "app", "SELECT id, name, NULL FROM t");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0][0], "1");
  EXPECT_EQ((*rows)[0][1], "one");
  EXPECT_FALSE((*rows)[0][2].has_value());
  auto bad = e.exec(a->spec(), login, "app", "SELECT * FROM no_such_table");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::engine);

  auto running = e.running_server(a->spec());
  ASSERT_TRUE(running.has_value());
  EXPECT_EQ(running->pid, a->process()->pid);
  auto a_pid = *a->process();
  ENGINE_ASSERT_OK(a->stop(StopMode::clean));
  EXPECT_FALSE(os::process_alive(a_pid));
  EXPECT_FALSE(e.running_server(a->spec()).has_value());

  // A copy of the cleanly stopped directory, on its own port.
  auto b_spec = make_server_spec(dir_.path(), "b");
  ASSERT_TRUE(b_spec.ok()) << b_spec.error().message;
  ENGINE_ASSERT_OK(os::copy_tree(a->spec().datadir, b_spec->datadir, os::CopyMode::copy));
  EngineServer b(e, *b_spec);
  ENGINE_ASSERT_OK(e.prepare_copy(b.spec()));
  ENGINE_ASSERT_OK(e.configure(b.spec()));
  ENGINE_ASSERT_OK(a->start_and_wait());
  auto t0 = std::chrono::steady_clock::now();
  ENGINE_ASSERT_OK(b.start());
  ENGINE_ASSERT_OK(b.wait_ready(login));
  auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0);
  std::cout << "[ figures  ] " << engine::kind_name(e.kind())
            << " copied data dir: start to ready login " << ms.count() << " ms\n";
  RecordProperty("start_to_ready_ms", static_cast<int>(ms.count()));

  ENGINE_ASSERT_OK(e.exec(b.spec(), login, "app", "INSERT INTO t VALUES (2, 'two')"));
  EXPECT_EQ(scalar(*a, "app", "SELECT count(*) FROM t"), "1");
  EXPECT_EQ(scalar(b, "app", "SELECT count(*) FROM t"), "2");

  // A fast stop keeps what was committed: the next start recovers it.
  ENGINE_ASSERT_OK(b.stop(StopMode::fast));
  ENGINE_ASSERT_OK(a->stop(StopMode::fast));
  ENGINE_ASSERT_OK(b.start_and_wait());
  EXPECT_EQ(scalar(b, "app", "SELECT count(*) FROM t"), "2");
}

TEST_P(EngineTest, StartRefusesASecondServerOnTheSameDirectory) {
  auto a = ready_server("a");
  ASSERT_TRUE(a);
  auto again = engine_->start(a->spec());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::conflict);
}

TEST_P(EngineTest, WaitReadyFailsFastWithTheLogWhenTheServerDies) {
  auto srv = EngineServer::from_golden(*engine_, dir_.path(), "bad");
  ASSERT_TRUE(srv.ok()) << srv.error().message;
  auto& spec = (*srv)->spec();
  bool pg = engine_->kind() == engine::Kind::postgres;
  fs::path conf = pg ? spec.datadir / "dbtwin.conf" : spec.rundir / "my.cnf";
  auto text = os::read_file(conf);
  ASSERT_TRUE(text.ok());
  ENGINE_ASSERT_OK(os::write_file(
      conf, *text + (pg ? "shared_buffers = banana\n" : "no_such_option_xyz = 1\n"), 0600));
  ENGINE_ASSERT_OK((*srv)->start());
  auto st = (*srv)->wait_ready((*srv)->admin(), std::chrono::seconds(120));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::engine) << st.error().message;
  EXPECT_NE(st.error().message.find(pg ? "banana" : "no_such_option_xyz"), std::string::npos)
      << st.error().message;
}

TEST_P(EngineTest, MissingBinariesAreUnavailable) {
  TempDir empty("dbtwin-nobin");
  engine::EngineOptions opts;
  opts.pg_bindir = empty.path();
  opts.mariadb_bindir = empty.path();
  auto e = engine::make_engine(GetParam(), opts);
  ASSERT_TRUE(e.ok());
  auto st = (*e)->check_installed();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::unavailable);
  bool pg = GetParam() == engine::Kind::postgres;
  EXPECT_NE(st.error().message.find(pg ? "initdb" : "mariadbd"), std::string::npos)
      << st.error().message;
  auto spec = make_server_spec(dir_.path(), "x");
  ASSERT_TRUE(spec.ok());
  auto init = (*e)->init_datadir(*spec, test_admin(GetParam()));
  ASSERT_FALSE(init.ok());
  EXPECT_EQ(init.error().code, Errc::unavailable);
}

TEST_P(EngineTest, ReportsItsVersion) {
  auto v = engine_->version();
  ASSERT_TRUE(v.ok()) << v.error().message;
  EXPECT_FALSE(v->empty());
  EXPECT_TRUE(std::isdigit(static_cast<unsigned char>((*v)[0]))) << *v;
}

INSTANTIATE_TEST_SUITE_P(Engines, EngineTest,
                         ::testing::Values(engine::Kind::postgres, engine::Kind::mariadb),
                         kind_label);

}  // namespace
}  // namespace dbtwin::test
