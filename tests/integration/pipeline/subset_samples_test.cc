// Subsets of Pagila (PostgreSQL) and Sakila (MariaDB), planned by the real sources inside their
// snapshot: no kept row misses a parent, cycles end, children are followed on request, virtual
// keys and passthrough tables count, and the subset restores with every constraint enabled.
#include <gtest/gtest.h>

#include <cmath>
#include <mutex>

#include "pipeline/dump_model.h"
#include "pipeline/subset.h"
#include "pipeline_server_test.h"
#include "subset_world.h"

namespace dbtwin::test {
namespace {

using pipeline::DumpSource;
using pipeline::SubsetSpec;

#define SUBSET_ASSERT_OK(expr)                    \
  do {                                            \
    auto _st = (expr);                            \
    ASSERT_TRUE(_st.ok()) << _st.error().message; \
  } while (0)

class SubsetSampleTest : public ::testing::TestWithParam<engine::Kind> {
 protected:
  void SetUp() override {
    auto db = sample_db(GetParam());
    if (!db.ok() && db.error().code == Errc::not_found) GTEST_SKIP() << db.error().message;
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = *db;
    auto src = pipeline::open_source({db_->url(), 1});
    ASSERT_TRUE(src.ok()) << src.error().message;
    src_ = std::move(src).value();
  }

  std::string name(const std::string& table) const { return db_->schema + "." + table; }
  const pipeline::TableInfo& table(const std::string& t) const {
    return src_->plan().tables[table_id(src_->plan(), name(t))];
  }
  SubsetSpec start(const std::string& t, double percent, const std::string& where = "") const {
    SubsetSpec spec;
    spec.starts.push_back({name(t), where.empty() ? percent : -1, where});
    return spec;
  }
  uint64_t kept(const std::string& t) {
    auto n = kept_rows(src_->session(), table(t), filters_);
    EXPECT_TRUE(n.ok()) << n.error().message;
    return n.value_or(0);
  }
  uint64_t total(const std::string& t) { return total_rows(src_->session(), table(t)); }
  bool filtered(const std::string& t) const { return filters_.count(table(t).id) > 0; }
  void expect_no_orphans(const std::vector<pipeline::ForeignKey>& extra = {}) {
    auto bad = orphans(src_->session(), src_->plan(), filters_, extra);
    ASSERT_TRUE(bad.ok()) << bad.error().message;
    for (const auto& line : *bad) ADD_FAILURE() << line;
  }
  void plan(const SubsetSpec& spec) {
    auto f = pipeline::plan_subset(*src_, spec);
    ASSERT_TRUE(f.ok()) << f.error().message;
    filters_ = std::move(f).value();
  }

  SampleDb* db_ = nullptr;
  std::unique_ptr<DumpSource> src_;
  std::map<uint32_t, std::string> filters_;
};

TEST_P(SubsetSampleTest, RentalTenPercentKeepsEveryParent) {
  ASSERT_NO_FATAL_FAILURE(plan(start("rental", 10)));
  EXPECT_EQ(kept("rental"), static_cast<uint64_t>(std::ceil(total("rental") * 0.1)));
  for (auto t : {"customer", "inventory", "film", "address"}) {
    EXPECT_TRUE(filtered(t)) << t;
    EXPECT_GT(kept(t), 0u) << t;
    EXPECT_LT(kept(t), total(t)) << t;
  }
  // Children are not followed: payments reference rentals but nothing pulls them in.
  EXPECT_TRUE(filtered("payment"));
  EXPECT_EQ(kept("payment"), 0u);
  // `note` has no foreign key: it is outside the subset and copied whole.
  EXPECT_FALSE(filtered("note"));
  EXPECT_EQ(kept("note"), 20u);
  expect_no_orphans();
}

TEST_P(SubsetSampleTest, StoreAndStaffCycleEnds) {
  // store.manager_staff_id -> staff and staff.store_id -> store: a cycle through both tables.
  ASSERT_NO_FATAL_FAILURE(plan(start("staff", -1, "staff_id = 2")));
  EXPECT_EQ(kept("staff"), 1u);
  EXPECT_EQ(kept("store"), 1u);
  EXPECT_EQ(kept("customer"), 0u);
  expect_no_orphans();

  ASSERT_NO_FATAL_FAILURE(plan(start("store", 100)));
  EXPECT_EQ(kept("store"), total("store"));
  EXPECT_EQ(kept("staff"), total("staff"));
  expect_no_orphans();
}

TEST_P(SubsetSampleTest, FollowChildrenOfCustomerFivePercent) {
  auto spec = start("customer", 5);
  spec.follow_children = true;
  ASSERT_NO_FATAL_FAILURE(plan(spec));
  uint64_t seeds = static_cast<uint64_t>(std::ceil(total("customer") * 0.05));
  EXPECT_GE(kept("customer"), seeds);
  EXPECT_LT(kept("customer"), total("customer"));
  // Every rental and payment of the seed customers (the first by id) is kept.
  auto& s = src_->session();
  for (auto t : {"rental", "payment"}) {
    auto f = filters_.at(table(t).id);
    std::string sql = "SELECT count(*) FROM " + s.quote_identifier(db_->schema) + "." +
                      s.quote_identifier(t) + " WHERE customer_id <= " + std::to_string(seeds) +
                      " AND NOT (" + f + ")";
    auto rows = s.query(sql);
    ASSERT_TRUE(rows.ok()) << rows.error().message;
    EXPECT_EQ(*rows->at(0).at(0), "0") << t;
    EXPECT_GT(kept(t), 0u) << t;
    EXPECT_LT(kept(t), total(t)) << t;
  }
  expect_no_orphans();
}

TEST_P(SubsetSampleTest, VirtualForeignKeyPullsParents) {
  // Without a virtual key `note` is alone: film is copied whole.
  ASSERT_NO_FATAL_FAILURE(plan(start("note", -1, "id <= 5")));
  EXPECT_EQ(kept("note"), 5u);
  EXPECT_FALSE(filtered("film"));

  auto spec = start("note", -1, "id <= 5");
  spec.virtual_foreign_keys.push_back({name("note"), {"film_ref"}, name("film"), {"film_id"}});
  ASSERT_NO_FATAL_FAILURE(plan(spec));
  EXPECT_EQ(kept("note"), 5u);
  EXPECT_EQ(kept("film"), 5u);
  EXPECT_GE(kept("language"), 1u);
  pipeline::ForeignKey v{table("note").id, {"film_ref"}, table("film").id, {"film_id"}, "virtual"};
  expect_no_orphans({v});
}

TEST_P(SubsetSampleTest, PassthroughTablesAreWhole) {
  auto spec = start("rental", 10);
  spec.passthrough = {name("inventory")};
  ASSERT_NO_FATAL_FAILURE(plan(spec));
  EXPECT_FALSE(filtered("inventory"));
  // Reached from rental only through inventory: whole as well.
  EXPECT_FALSE(filtered("film"));
  EXPECT_TRUE(filtered("store"));
  // Every inventory row is copied, so every store they name is kept.
  EXPECT_EQ(kept("store"), total("store"));
  EXPECT_EQ(kept("inventory"), total("inventory"));
  expect_no_orphans();
}

TEST_P(SubsetSampleTest, BadNamesAndConditionsAreNamed) {
  auto f = pipeline::plan_subset(*src_, start("nope", 10));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, Errc::invalid_argument);
  EXPECT_NE(f.error().message.find(name("nope")), std::string::npos) << f.error().message;

  auto spec = start("rental", 10);
  spec.virtual_foreign_keys.push_back({name("note"), {"no_column"}, name("film"), {"film_id"}});
  f = pipeline::plan_subset(*src_, spec);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, Errc::invalid_argument);
  EXPECT_NE(f.error().message.find("no_column"), std::string::npos) << f.error().message;

  f = pipeline::plan_subset(*src_, start("rental", -1, "no_such_column = 1"));
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.error().code, Errc::engine);
  EXPECT_NE(f.error().message.find(name("rental")), std::string::npos) << f.error().message;
}

// Forwards a source's rows to a restore target; the source's workers call it concurrently.
class TargetSink : public pipeline::RowSink {
 public:
  explicit TargetSink(pipeline::RestoreTarget& t) : target_(t) {}
  Status rows(const pipeline::TableInfo& t, std::string_view lines, uint64_t) override {
    std::lock_guard lock(mu_);
    return target_.rows(t, lines);
  }
  Status table_done(const pipeline::TableInfo& t, uint64_t rows) override {
    std::lock_guard lock(mu_);
    return target_.table_done(t, rows);
  }

 private:
  std::mutex mu_;
  pipeline::RestoreTarget& target_;
};

// The acceptance test: the subset restores with every constraint enabled.
TEST_P(SubsetSampleTest, SubsetRestoresWithAllConstraints) {
  auto spec = start("customer", 5);
  spec.follow_children = true;
  spec.starts.push_back({name("rental"), 2, ""});
  ASSERT_NO_FATAL_FAILURE(plan(spec));
  std::map<std::string, uint64_t> expected;
  for (const auto& t : src_->plan().tables) {
    auto n = kept_rows(src_->session(), t, filters_);
    ASSERT_TRUE(n.ok()) << n.error().message;
    expected[t.name] = *n;
  }

  std::string copy = db_->database + "_subset";
  auto target = pipeline::open_target({db_->url_of(copy), /*replace=*/true, /*direct=*/false});
  ASSERT_TRUE(target.ok()) << target.error().message;
  const auto& plan = src_->plan();
  SUBSET_ASSERT_OK((*target)->begin(header_of(plan), plan.pre_data));
  TargetSink sink(**target);
  SUBSET_ASSERT_OK(src_->read_tables(filters_, sink));
  SUBSET_ASSERT_OK((*target)->finish(plan.post_data));

  auto restored = pipeline::open_source({db_->url_of(copy), 1});
  ASSERT_TRUE(restored.ok()) << restored.error().message;
  const auto& rplan = (*restored)->plan();
  EXPECT_EQ(rplan.foreign_keys.size(), plan.foreign_keys.size()) << "every constraint restored";
  for (const auto& t : rplan.tables) {
    auto n = kept_rows((*restored)->session(), t, {});
    ASSERT_TRUE(n.ok()) << n.error().message;
    EXPECT_EQ(*n, expected[t.name]) << t.name;
  }
  auto bad = orphans((*restored)->session(), rplan, {});
  ASSERT_TRUE(bad.ok()) << bad.error().message;
  EXPECT_TRUE(bad->empty()) << bad->front();
  EXPECT_LT(expected["rental"], total("rental"));
}

std::string kind_label(const ::testing::TestParamInfo<engine::Kind>& info) {
  return std::string(engine::kind_name(info.param));
}

INSTANTIATE_TEST_SUITE_P(Engines, SubsetSampleTest,
                         ::testing::Values(engine::Kind::postgres, engine::Kind::mariadb),
                         kind_label);

}  // namespace
}  // namespace dbtwin::test
