// dbtwin demo: a generated shop database becomes a template; two clones are made in well under a
// second each; a write in one is invisible in the other and in the template.
#include <CLI/CLI.hpp>

#include <chrono>
#include <fstream>

#include "base/strings.h"
#include "cli/app.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "core/clone_sql.h"
#include "core/clones.h"
#include "core/sample_shop.h"
#include "core/templates.h"
#include "os/users.h"

namespace dbtwin::cli {

namespace {

struct DemoArgs {
  std::string engine = "both";
  int customers = 2000;
  bool keep = false;
};

Result<std::string> counts(core::Context& ctx, const std::string& clone) {
  auto rows = TRY(
      core::query_clone(ctx, clone,
                        "SELECT (SELECT COUNT(*) FROM customers), (SELECT COUNT(*) FROM orders), "
                        "(SELECT email FROM customers WHERE id = 1)"));
  if (rows.empty() || rows[0].size() < 3)
    return err(Errc::internal, "unexpected answer from clone {}", clone);
  auto cell = [&](size_t i) { return rows[0][i].value_or("NULL"); };
  return fmt::format("{:>6} customers  {:>6} orders  customer 1: {}", cell(0), cell(1), cell(2));
}

Status demo_engine(core::Context& ctx, const std::string& engine, const DemoArgs& a) {
  std::string tmpl = engine == "postgres" ? "demo-shop-pg" : "demo-shop-mariadb";
  fmt::print("\n== {}: template {} ==\n", engine, tmpl);
  if (TRY(ctx.catalog().find_template(tmpl))) TRY(core::delete_template(ctx, tmpl, true));

  std::filesystem::path sql = ctx.config().state_dir / "demo-shop.sql";
  {
    std::ofstream out(sql);
    core::write_shop_sql(out, {a.customers, 5, 42});
    if (!out) return err(Errc::system, "cannot write {}", sql.string());
  }
  core::TemplateRequest req;
  req.name = tmpl;
  req.engine = engine;
  req.source = core::TemplateRequest::Source::dump;
  req.dumps = {sql};
  req.database = "shop";
  auto made = core::create_template(ctx, req, make_progress("importing", true));
  finish_progress();
  auto view = TRY(std::move(made));
  fmt::print("template imported from a generated dump in {:.2f}s (snapshot {})\n", view.seconds,
             view.snapshots.front().id);

  std::vector<std::string> names = {tmpl + "-a", tmpl + "-b", tmpl + "-fresh"};
  for (const auto& n : names) {
    if (TRY(ctx.catalog().find_clone(n))) TRY(core::destroy_clone(ctx, n, true));
  }
  for (int i = 0; i < 2; ++i) {
    core::CloneRequest cr;
    cr.template_name = tmpl;
    cr.name = names[i];
    cr.owner = os::invoking_user_name();
    auto c = TRY(core::create_clone(ctx, cr));
    fmt::print("clone {:<24} ready in {:.3f}s  {}\n", c.row.name, c.seconds, c.url);
  }
  fmt::print("\nwriting to {}: delete customer 1's orders, mask every email\n", names[0]);
  TRY(core::exec_clone(ctx, names[0],
                       "DELETE FROM orders WHERE customer_id = 1; "
                       "UPDATE customers SET email = CONCAT('user', id, '@masked.invalid')"));
  core::CloneRequest fresh;
  fresh.template_name = tmpl;
  fresh.name = names[2];
  fresh.owner = os::invoking_user_name();
  auto f = TRY(core::create_clone(ctx, fresh));
  fmt::print("\n{:<28}{}\n", names[0] + " (written)", TRY(counts(ctx, names[0])));
  fmt::print("{:<28}{}\n", names[1] + " (untouched)", TRY(counts(ctx, names[1])));
  fmt::print("{:<28}{}\n", "template (a fresh clone)", TRY(counts(ctx, names[2])));
  fmt::print("a third clone was ready in {:.3f}s\n", f.seconds);
  if (!a.keep) {
    for (const auto& n : names) TRY(core::destroy_clone(ctx, n, true));
    TRY(core::delete_template(ctx, tmpl, true));
    fmt::print("clones and template removed (run with --keep to keep them)\n");
  }
  return {};
}

}  // namespace

void add_demo_command(CLI::App& app, Invocation& inv) {
  auto a = std::make_shared<DemoArgs>();
  auto* demo = app.add_subcommand("demo", "show instant clones of a generated shop database");
  demo->add_option("--engine", a->engine, "postgres, mariadb or both")->capture_default_str();
  demo->add_option("--customers", a->customers, "size of the generated shop")
      ->capture_default_str();
  demo->add_flag("--keep", a->keep, "keep the demo template and clones");
  demo->callback([&inv, a] {
    inv.action = [a](core::Context& ctx) -> Status {
      if (a->engine != "both" && a->engine != "postgres" && a->engine != "mariadb") {
        return err(Errc::invalid_argument, "--engine must be postgres, mariadb or both");
      }
      if (a->customers < 1 || a->customers > 10'000'000)
        return err(Errc::invalid_argument, "--customers must be 1 to 10000000");
      auto pool = TRY(ctx.pool());
      fmt::print("dbtwin demo: state in {}, pool driver {}\n", ctx.config().state_dir.string(),
                 storage::driver_name(pool->driver()));
      for (const char* e : {"postgres", "mariadb"}) {
        if (a->engine == "both" || a->engine == e) TRY(demo_engine(ctx, e, *a));
      }
      return {};
    };
  });
}

}  // namespace dbtwin::cli
