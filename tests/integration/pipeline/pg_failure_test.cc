// Failures of PostgreSQL dumps and restores leave the target as it was and nothing behind: an
// occupied target, replacing it, a post-data failure, a target in use, a source killed mid-dump.
#include "engine/pg_client.h"
#include "pg_pipeline_util.h"

namespace dbtwin::test {
namespace {

constexpr const char* kShop =
    "CREATE TABLE customer (id int PRIMARY KEY, name text);"
    "CREATE TABLE orders (id int PRIMARY KEY, customer_id int REFERENCES customer (id));"
    "INSERT INTO customer SELECT i, 'c' || i FROM generate_series(1, 20) i;"
    "INSERT INTO orders SELECT i, 1 + i % 20 FROM generate_series(1, 100) i;";

class PgFailureTest : public PgPipelineTest {
 protected:
  void SetUp() override {
    PgPipelineTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    PG_ASSERT_OK(create_db("src"));
    PG_ASSERT_OK(exec("src", kShop));
    PG_ASSERT_OK(create_db("dst"));
    PG_ASSERT_OK(exec("dst", "CREATE TABLE precious (v text); INSERT INTO precious VALUES ('x');"));
  }
  std::string precious() { return scalar("dst", "SELECT string_agg(v, ',') FROM precious"); }
};

TEST_F(PgFailureTest, OccupiedTargetIsRefusedBeforeAnythingIsCreated) {
  auto st = copy_database("src", "dst", 2);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::already_exists) << st.error().message;
  EXPECT_NE(st.error().message.find("dst"), std::string::npos) << st.error().message;
  EXPECT_EQ(precious(), "x");
  EXPECT_EQ(leftover_databases(), "0");
  EXPECT_EQ(dbtwin_sessions(), "0");
}

TEST_F(PgFailureTest, EmptyTargetIsFilledWithoutReplace) {
  PG_ASSERT_OK(exec("dst", "DROP TABLE precious"));
  PG_ASSERT_OK(copy_database("src", "dst", 2));
  EXPECT_EQ(scalar("dst", "SELECT count(*) FROM orders"), "100");
  EXPECT_EQ(leftover_databases(), "0");
}

TEST_F(PgFailureTest, ReplaceSwapsTheTargetOut) {
  pipeline::RestoreOptions options;
  options.replace = true;
  PG_ASSERT_OK(copy_database("src", "dst", 2, options));
  EXPECT_EQ(scalar("dst", "SELECT count(*) FROM orders"), "100");
  EXPECT_EQ(scalar("dst", "SELECT count(*) FROM pg_class WHERE relname = 'precious'"), "0");
  EXPECT_EQ(leftover_databases(), "0");
  EXPECT_EQ(dbtwin_sessions(), "0");
}

TEST_F(PgFailureTest, PostDataFailureDropsTheTemporaryDatabase) {
  pipeline::RestoreOptions options;
  options.replace = true;
  // An order of a customer that does not exist: the foreign key fails in post-data.
  auto st = copy_database("src", "dst", 2, options, [](ForwardSink& sink) {
    sink.before_done = [](const pipeline::TableInfo& t, pipeline::RestoreTarget& target) {
      if (t.name != "orders") return uint64_t{0};
      EXPECT_TRUE(target.rows(t, "1000\t999\n").ok());
      return uint64_t{1};
    };
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::engine) << st.error().message;
  EXPECT_NE(st.error().message.find("post-data"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("foreign key"), std::string::npos) << st.error().message;
  EXPECT_EQ(precious(), "x");
  EXPECT_EQ(leftover_databases(), "0");
  EXPECT_EQ(dbtwin_sessions(), "0");
}

TEST_F(PgFailureTest, TargetInUseIsAConflictAndStaysAsItWas) {
  auto holder = engine::PgConnection::connect(
      {"127.0.0.1", server_->spec().port, server_->admin().user, server_->admin().password, "dst"});
  ASSERT_TRUE(holder.ok()) << holder.error().message;
  pipeline::RestoreOptions options;
  options.replace = true;
  auto st = copy_database("src", "dst", 1, options);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::conflict) << st.error().message;
  EXPECT_EQ(precious(), "x");
  EXPECT_EQ(leftover_databases(), "0");
}

TEST_F(PgFailureTest, AbandonedRestoreLeavesNothingBehind) {
  {
    auto source = pipeline::open_pg_source({url("src"), 1});
    ASSERT_TRUE(source.ok()) << source.error().message;
    pipeline::RestoreOptions options;
    options.url = url("fresh");
    auto target = pipeline::open_pg_target(options);
    ASSERT_TRUE(target.ok()) << target.error().message;
    PG_ASSERT_OK((*target)->begin(header_of((*source)->plan()), (*source)->plan().pre_data));
    EXPECT_EQ(leftover_databases(), "1");
    const auto& t = (*source)->plan().tables[0];
    PG_ASSERT_OK((*target)->rows(t, "1\tone\n"));
    // Destroyed mid-table, without finish() or abort().
  }
  EXPECT_EQ(leftover_databases(), "0");
  EXPECT_EQ(scalar("postgres", "SELECT count(*) FROM pg_database WHERE datname = 'fresh'"), "0");
  EXPECT_EQ(dbtwin_sessions(), "0");
}

TEST_F(PgFailureTest, SourceKilledMidDumpFailsNamingTheTable) {
  // Large enough that the server is still sending when the worker's backend is terminated.
  PG_ASSERT_OK(
      exec("src",
           "CREATE TABLE big (id int, pad text);"
           "INSERT INTO big SELECT i, repeat('p', 200) FROM generate_series(1, 200000) i;"));
  pipeline::RestoreOptions options;
  options.replace = true;
  bool killed = false;
  auto st = copy_database("src", "dst", 1, options, [&](ForwardSink& sink) {
    sink.on_rows = [&](const pipeline::TableInfo&) -> Status {
      if (killed) return {};
      killed = true;
      return exec("postgres",
                  "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                  "WHERE application_name = 'dbtwin-dump-worker'");
    };
  });
  ASSERT_TRUE(killed);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::engine) << st.error().message;
  EXPECT_NE(st.error().message.find("public.big"), std::string::npos) << st.error().message;
  EXPECT_EQ(precious(), "x");
  EXPECT_EQ(leftover_databases(), "0");
  EXPECT_EQ(dbtwin_sessions(), "0");
}

TEST_F(PgFailureTest, DirectRestoreCreatesTheDatabase) {
  pipeline::RestoreOptions options;
  options.direct = true;
  PG_ASSERT_OK(copy_database("src", "direct_db", 2, options));
  EXPECT_EQ(scalar("direct_db", "SELECT count(*) FROM orders"), "100");
  EXPECT_EQ(leftover_databases(), "0");
}

TEST_F(PgFailureTest, BadUrlsAreRefused) {
  auto s = pipeline::open_pg_source({"postgres://u@127.0.0.1:1/", 1});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::invalid_argument);
  auto wrong = url("src");
  wrong.replace(wrong.find("admin"), 5, "wrong");
  s = pipeline::open_pg_source({wrong, 1});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::engine);
  EXPECT_EQ(s.error().message.find("wrong"), std::string::npos) << "password leaked";
  auto t = pipeline::open_pg_target({"postgres://u@h/" + std::string(64, 'd'), false, false});
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace dbtwin::test
