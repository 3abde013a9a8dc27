// MariaDB restores that must fail, and what they leave behind: a non-empty target, an orphan row
// caught by the foreign keys, an object that fails after the swap, duplicate rows, a source
// connection killed mid-dump. In every case the target database stays as it was.
#include "mariadb_pipeline_util.h"

namespace dbtwin::test {
namespace {

constexpr const char* kSourceSchema = R"sql(
CREATE TABLE parent (id int PRIMARY KEY, name varchar(20));
CREATE TABLE child (id int PRIMARY KEY, parent_id int,
  CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id));
INSERT INTO parent VALUES (1, 'one'), (2, 'two');
INSERT INTO child VALUES (10, 1), (11, 2), (12, NULL);
CREATE VIEW child_names AS SELECT c.id, p.name FROM child c JOIN parent p ON p.id = c.parent_id;
)sql";

// The target's existing content, which failures must leave exactly as it is.
constexpr const char* kOldTarget = R"sql(
CREATE TABLE old_only (k int PRIMARY KEY, v varchar(10));
INSERT INTO old_only VALUES (1, 'keep'), (2, 'me');
CREATE TABLE old_log (n int);
CREATE TRIGGER old_only_log AFTER INSERT ON old_only FOR EACH ROW INSERT INTO old_log VALUES (NEW.k);
CREATE VIEW old_view AS SELECT k FROM old_only;
CREATE FUNCTION old_fn() RETURNS int DETERMINISTIC RETURN 42;
)sql";

class MariadbFailureTest : public MariadbPipelineTest {
 protected:
  void SetUp() override {
    MariadbPipelineTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    MDB_ASSERT_OK(create_db("src"));
    MDB_ASSERT_OK(exec("src", kSourceSchema));
  }

  void make_old_target() {
    MDB_ASSERT_OK(create_db("dst"));
    MDB_ASSERT_OK(exec("dst", kOldTarget));
    old_state_ = state_of_dst();
  }

  std::string state_of_dst() {
    std::string out = schema_objects("dst");
    for (const auto& [t, sum] : checksums("dst")) out += t + " " + sum + "\n";
    return out;
  }

  std::string old_state_;
};

TEST_F(MariadbFailureTest, NonEmptyTargetIsRefused) {
  make_old_target();
  auto st = copy_database("src", "dst");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::already_exists) << st.error().message;
  EXPECT_NE(st.error().message.find("dst"), std::string::npos) << st.error().message;
  EXPECT_EQ(state_of_dst(), old_state_);
  EXPECT_EQ(leftover_databases(), "0");
}

TEST_F(MariadbFailureTest, ReplaceSwapsTheDatabase) {
  make_old_target();
  pipeline::RestoreOptions options;
  options.replace = true;
  MDB_ASSERT_OK(copy_database("src", "dst", options));
  EXPECT_EQ(checksums("dst"), checksums("src"));
  EXPECT_EQ(schema_objects("dst"), schema_objects("src"));
  EXPECT_EQ(scalar("dst", "SELECT COUNT(*) FROM child_names"), "2");
  EXPECT_EQ(leftover_databases(), "0");
}

TEST_F(MariadbFailureTest, OrphanRowFailsAndLeavesTheTargetUntouched) {
  MDB_ASSERT_OK(exec("src", "SET FOREIGN_KEY_CHECKS = 0; INSERT INTO child VALUES (13, 99)"));
  make_old_target();
  pipeline::RestoreOptions options;
  options.replace = true;
  auto st = copy_database("src", "dst", options);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::engine) << st.error().message;
  EXPECT_NE(st.error().message.find("foreign key"), std::string::npos) << st.error().message;
  EXPECT_EQ(state_of_dst(), old_state_);
  EXPECT_EQ(leftover_databases(), "0");

  // Into a database that did not exist, the failure leaves none.
  st = copy_database("src", "never");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(scalar("",
                   "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = "
                   "'never'"),
            "0");
  EXPECT_EQ(leftover_databases(), "0");
}

TEST_F(MariadbFailureTest, ObjectFailingAfterTheSwapPutsTheOldTablesBack) {
  make_old_target();
  pipeline::RestoreOptions options;
  options.replace = true;
  auto st = copy_database("src", "dst", options, nullptr, [](std::string& post) {
    post += "CREATE VIEW broken AS SELECT * FROM no_such_table;\n";
  });
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("no_such_table"), std::string::npos) << st.error().message;
  EXPECT_EQ(st.error().message.find("failed too"), std::string::npos) << st.error().message;
  EXPECT_EQ(state_of_dst(), old_state_);
  EXPECT_EQ(scalar("dst", "SELECT old_fn()"), "42");
  MDB_ASSERT_OK(exec("dst", "INSERT INTO old_only VALUES (3, 'new')"));
  EXPECT_EQ(scalar("dst", "SELECT COUNT(*) FROM old_log"), "1") << "the old trigger is back";
  EXPECT_EQ(leftover_databases(), "0");
}

TEST_F(MariadbFailureTest, DuplicateRowsAreAnErrorNotSkipped) {
  auto st = copy_database("src", "dst", {}, [](MariadbForwardSink& sink) {
    sink.on_rows = [](const pipeline::TableInfo& t, std::string& lines, uint64_t& count) {
      if (t.name == "parent") {
        lines += lines.substr(0, lines.find('\n') + 1);  // row 1 again
        ++count;
      }
      return Status{};
    };
  });
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("parent"), std::string::npos) << st.error().message;
  EXPECT_EQ(scalar("",
                   "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = "
                   "'dst'"),
            "0");
  EXPECT_EQ(leftover_databases(), "0");
}

TEST_F(MariadbFailureTest, SourceKilledMidDumpNamesTheTable) {
  // Enough rows that the server is still sending when the first batch reaches the sink.
  MDB_ASSERT_OK(exec("src",
                     "CREATE TABLE wide (id int PRIMARY KEY, pad varchar(200)); "
                     "INSERT INTO wide SELECT seq, REPEAT('p', 200) FROM seq_1_to_200000"));
  auto source = pipeline::open_mariadb_source({url("src"), 1});
  ASSERT_TRUE(source.ok()) << source.error().message;
  auto id = (*source)->session().query("SELECT CONNECTION_ID()");
  ASSERT_TRUE(id.ok()) << id.error().message;
  std::string conn_id = *id->at(0)[0];

  pipeline::RestoreOptions options;
  options.url = url("dst");
  auto target = pipeline::open_mariadb_target(options);
  ASSERT_TRUE(target.ok()) << target.error().message;
  MDB_ASSERT_OK((*target)->begin(header_of((*source)->plan()), (*source)->plan().pre_data));
  MariadbForwardSink sink(**target);
  bool killed = false;
  sink.on_rows = [&](const pipeline::TableInfo& t, std::string&, uint64_t&) -> Status {
    if (t.name == "wide" && !killed) {
      killed = true;
      TRY(exec("", "KILL " + conn_id));
    }
    return Status{};
  };
  auto st = (*source)->read_tables({}, sink);
  ASSERT_TRUE(killed);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Errc::engine) << st.error().message;
  EXPECT_NE(st.error().message.find("`wide`"), std::string::npos) << st.error().message;
  (*target)->abort();
  EXPECT_EQ(leftover_databases(), "0");
  EXPECT_EQ(scalar("",
                   "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = "
                   "'dst'"),
            "0");
}

TEST_F(MariadbFailureTest, DroppingAnUnfinishedTargetRemovesItsWorkDatabase) {
  auto source = pipeline::open_mariadb_source({url("src"), 1});
  ASSERT_TRUE(source.ok()) << source.error().message;
  pipeline::RestoreOptions options;
  options.url = url("dst");
  {
    auto target = pipeline::open_mariadb_target(options);
    ASSERT_TRUE(target.ok()) << target.error().message;
    MDB_ASSERT_OK((*target)->begin(header_of((*source)->plan()), (*source)->plan().pre_data));
    const auto& parent = (*source)->plan().tables.at(1);
    ASSERT_EQ(parent.name, "parent");
    MDB_ASSERT_OK((*target)->rows(parent, "1\tone\n"));
    EXPECT_EQ(leftover_databases(), "1");
  }  // destroyed mid-table: the loader is cancelled, the work database dropped
  EXPECT_EQ(leftover_databases(), "0");
}

}  // namespace
}  // namespace dbtwin::test
