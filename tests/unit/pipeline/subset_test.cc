// Subsetting without a server: --subset parsing, the set of filtered tables and the edges followed
// on a synthetic shop schema, and the shape of the SQL each engine gets.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "pipeline/subset.h"
#include "pipeline/subset_graph.h"
#include "pipeline/subset_sql.h"

namespace dbtwin::pipeline {
namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(SubsetArg, PercentAndCondition) {
  auto p = parse_subset_arg("public.rental:10%");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->table, "public.rental");
  EXPECT_DOUBLE_EQ(p->percent, 10);
  EXPECT_TRUE(p->where.empty());

  p = parse_subset_arg("public.rental:0.5%");
  ASSERT_TRUE(p.ok());
  EXPECT_DOUBLE_EQ(p->percent, 0.5);
  p = parse_subset_arg("public.rental:100%");
  ASSERT_TRUE(p.ok());
  EXPECT_DOUBLE_EQ(p->percent, 100);

  p = parse_subset_arg("public.customer:active = 1");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->where, "active = 1");
  EXPECT_LT(p->percent, 0);
  // The condition may hold colons and end with a percent sign.
  p = parse_subset_arg("public.customer: email LIKE 'a%' AND create_date > '2006-01-01'::date");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->where, "email LIKE 'a%' AND create_date > '2006-01-01'::date");
  p = parse_subset_arg("sakila.film:title LIKE '%'");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->where, "title LIKE '%'");
}

TEST(SubsetArg, RefusesBadInput) {
  for (auto bad :
       {"public.rental", "public.rental:", "public.rental:  ", "rental:10%", ":10%",
        "public.rental:0%", "public.rental:150%", "public.rental:1.2.3%", "public.rental:%"}) {
    auto p = parse_subset_arg(bad);
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_EQ(p.error().code, Errc::invalid_argument) << bad;
    EXPECT_TRUE(contains(p.error().message, bad)) << p.error().message;
  }
}

// A Sakila-shaped plan: the store/staff cycle, a self reference, and an unrelated table.
class SubsetGraphTest : public ::testing::Test {
 protected:
  enum : uint32_t {
    country,
    city,
    address,
    store,
    staff,
    customer,
    rental,
    inventory,
    film,
    language,
    payment,
    audit_log,
    category,
    film_category,
    count_
  };
  void SetUp() override {
    const char* names[] = {"country",  "city",      "address",   "store",        "staff",
                           "customer", "rental",    "inventory", "film",         "language",
                           "payment",  "audit_log", "category",  "film_category"};
    for (uint32_t i = 0; i < count_; ++i) {
      TableInfo t;
      t.id = i;
      t.schema = "shop";
      t.name = names[i];
      t.columns = {{"id", "int", false, false, true}, {"ref", "int"}, {"ref2", "int"}};
      t.primary_key = {"id"};
      plan_.tables.push_back(t);
    }
    fk(city, country);
    fk(address, city);
    fk(store, address);
    fk(store, staff);  // manager
    fk(staff, store);
    fk(staff, staff);  // reports_to
    fk(customer, store);
    fk(customer, address);
    fk(rental, customer);
    fk(rental, staff);
    fk(rental, inventory);
    fk(inventory, store);
    fk(inventory, film);
    fk(film, language);
    fk(payment, rental);
    fk(payment, customer);
    fk(film_category, film);
    fk(film_category, category);
  }
  void fk(uint32_t child, uint32_t parent) {
    plan_.foreign_keys.push_back({child, {"ref"}, parent, {"id"}, "fk"});
  }
  static SubsetSpec start(const std::string& table) {
    SubsetSpec spec;
    spec.starts.push_back({"shop." + table, 10, ""});
    return spec;
  }
  static std::set<std::pair<uint32_t, uint32_t>> pairs(const std::vector<ForeignKey>& edges) {
    std::set<std::pair<uint32_t, uint32_t>> out;
    for (const auto& e : edges) out.insert({e.child, e.parent});
    return out;
  }

  SourcePlan plan_;
};

TEST_F(SubsetGraphTest, ConnectedTablesAreFilteredOthersCopiedWhole) {
  auto g = resolve_subset(plan_, start("rental"));
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_FALSE(g->in_subset[audit_log]);
  for (uint32_t t = 0; t < count_; ++t) {
    if (t != audit_log) {
      EXPECT_TRUE(g->in_subset[t]) << plan_.tables[t].name;
    }
  }
  EXPECT_EQ(g->members.size(), size_t(count_ - 1));
  ASSERT_EQ(g->seeds.size(), 1u);
  EXPECT_EQ(g->seeds[0].table, rental);
  EXPECT_EQ(g->parent_edges.size(), plan_.foreign_keys.size());
  EXPECT_EQ(g->child_edges.size(), plan_.foreign_keys.size());
  EXPECT_TRUE(pairs(g->parent_edges).count({staff, staff}));  // self reference kept as an edge
}

TEST_F(SubsetGraphTest, PassthroughIsWholeAndNotCrossed) {
  auto spec = start("rental");
  spec.passthrough = {"shop.film", "shop.payment"};
  auto g = resolve_subset(plan_, spec);
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_TRUE(g->whole[film]);
  EXPECT_FALSE(g->in_subset[film]);
  // Reached only through film: copied whole.
  for (uint32_t t : {language, film_category, category, audit_log})
    EXPECT_FALSE(g->in_subset[t]) << plan_.tables[t].name;
  EXPECT_TRUE(g->in_subset[inventory]);
  auto parents = pairs(g->parent_edges);
  EXPECT_FALSE(parents.count({inventory, film})) << "a whole parent needs no rows pulled in";
  // Every payment is copied, so the rentals and customers they reference must be kept.
  EXPECT_TRUE(parents.count({payment, rental}));
  EXPECT_TRUE(parents.count({payment, customer}));
  auto children = pairs(g->child_edges);
  EXPECT_FALSE(children.count({payment, rental})) << "children of a whole table are not followed";
}

TEST_F(SubsetGraphTest, VirtualForeignKeyJoinsATable) {
  auto spec = start("customer");
  spec.virtual_foreign_keys.push_back({"shop.audit_log", {"ref2"}, "shop.customer", {"id"}});
  auto g = resolve_subset(plan_, spec);
  ASSERT_TRUE(g.ok()) << g.error().message;
  EXPECT_TRUE(g->in_subset[audit_log]);
  auto it = std::find_if(g->child_edges.begin(), g->child_edges.end(),
                         [](const ForeignKey& e) { return e.name == "virtual"; });
  ASSERT_NE(it, g->child_edges.end());
  EXPECT_EQ(it->child, audit_log);
  EXPECT_EQ(it->child_columns, std::vector<std::string>{"ref2"});
}

TEST_F(SubsetGraphTest, UnknownNamesAreInvalidArguments) {
  auto check = [](const Result<SubsetGraph>& g, const std::string& name) {
    ASSERT_FALSE(g.ok()) << name;
    EXPECT_EQ(g.error().code, Errc::invalid_argument);
    EXPECT_TRUE(contains(g.error().message, name)) << g.error().message;
  };
  check(resolve_subset(plan_, start("nope")), "shop.nope");
  auto spec = start("rental");
  spec.passthrough = {"other.film"};
  check(resolve_subset(plan_, spec), "other.film");
  spec = start("rental");
  spec.virtual_foreign_keys.push_back({"shop.audit_log", {"missing"}, "shop.customer", {"id"}});
  check(resolve_subset(plan_, spec), "missing");
  spec = start("rental");
  spec.virtual_foreign_keys.push_back({"shop.audit_log", {"ref"}, "shop.ghost", {"id"}});
  check(resolve_subset(plan_, spec), "shop.ghost");
  spec = start("rental");
  spec.virtual_foreign_keys.push_back({"shop.audit_log", {"ref", "ref2"}, "shop.customer", {"id"}});
  check(resolve_subset(plan_, spec), "shop.audit_log");
  spec = start("rental");
  spec.passthrough = {"shop.rental"};
  check(resolve_subset(plan_, spec), "shop.rental");
  spec = start("rental");
  spec.starts[0].percent = 0;
  check(resolve_subset(plan_, spec), "shop.rental");
}

class FakeSession : public SqlSession {
 public:
  explicit FakeSession(char quote) : quote_(quote) {}
  Status exec(const std::string&) override { return {}; }
  Result<std::vector<engine::Row>> query(const std::string&) override {
    return std::vector<engine::Row>{};
  }
  uint64_t affected() const override { return 0; }
  std::string quote_identifier(std::string_view name) const override {
    return std::string(1, quote_) + std::string(name) + quote_;
  }

 private:
  char quote_;
};

TEST_F(SubsetGraphTest, PostgresIdentifiesRowsByTableoidAndCtid) {
  FakeSession session('"');
  auto sql = make_subset_sql(engine::Kind::postgres, session, keep_table_prefix(plan_));
  const auto& r = plan_.tables[rental];
  EXPECT_EQ(sql->filter(r), "(tableoid, ctid) IN (SELECT rel, id FROM pg_temp.\"dbtwin_keep_6\")");
  auto seed = sql->seed_first(r, 42, 1);
  EXPECT_TRUE(contains(seed, "ORDER BY \"id\" LIMIT 42 ON CONFLICT DO NOTHING")) << seed;
  auto up = sql->keep_parents(plan_.foreign_keys[8], r, plan_.tables[customer], false, 3, 7);
  EXPECT_TRUE(contains(up, "p.\"id\" = c.\"ref\"")) << up;
  EXPECT_TRUE(contains(up, "WHERE k.gen >= 3")) << up;
}

TEST_F(SubsetGraphTest, MariadbIdentifiesRowsByPrimaryKey) {
  FakeSession session('`');
  plan_.tables[audit_log].primary_key.clear();
  plan_.tables[audit_log].columns[0].unique = false;
  plan_.tables.push_back(plan_.tables[audit_log]);
  plan_.tables.back().id = count_;
  plan_.tables.back().name = "dbtwin_keep_note";  // forces another prefix
  auto prefix = keep_table_prefix(plan_);
  EXPECT_EQ(prefix, "_dbtwin_keep_");
  auto sql = make_subset_sql(engine::Kind::mariadb, session, prefix);
  EXPECT_EQ(sql->filter(plan_.tables[rental]),
            "(`id`) IN (SELECT `id` FROM `shop`.`_dbtwin_keep_6`)");
  auto create = sql->create_keep(plan_.tables[audit_log]);
  ASSERT_FALSE(create.ok());
  EXPECT_TRUE(contains(create.error().message, "shop.audit_log")) << create.error().message;
  plan_.tables[audit_log].columns[1].unique = true;
  plan_.tables[audit_log].columns[1].nullable = false;
  create = sql->create_keep(plan_.tables[audit_log]);
  ASSERT_TRUE(create.ok()) << create.error().message;
  EXPECT_TRUE(contains(create->back(), "PRIMARY KEY (`ref`)")) << create->back();
}

}  // namespace
}  // namespace dbtwin::pipeline
