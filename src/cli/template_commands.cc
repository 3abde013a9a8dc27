// dbtwin template create|refresh|list|show|delete
#include <CLI/CLI.hpp>

#include "base/strings.h"
#include "cli/app.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "core/json.h"
#include "core/templates.h"

namespace dbtwin::cli {

namespace {

struct CreateArgs {
  std::string name;
  std::string engine = "postgres";
  std::vector<std::string> dumps;
  std::string url;
  std::string clone;
  std::string database;
  bool empty = false;
};

Result<core::TemplateRequest> to_request(const CreateArgs& a) {
  core::TemplateRequest req;
  req.name = a.name;
  req.engine = a.engine;
  int sources = (a.dumps.empty() ? 0 : 1) + (a.url.empty() ? 0 : 1) + (a.clone.empty() ? 0 : 1) +
                (a.empty ? 1 : 0);
  if (sources != 1) {
    return err(Errc::invalid_argument,
               "give exactly one source: --from-dump, --from-url, --from-clone or --empty");
  }
  using S = core::TemplateRequest::Source;
  if (!a.dumps.empty()) {
    req.source = S::dump;
    for (const auto& d : a.dumps) req.dumps.emplace_back(d);
  } else if (!a.url.empty()) {
    req.source = S::url;
    req.url = a.url;
  } else if (!a.clone.empty()) {
    req.source = S::clone;
    req.clone = a.clone;
  } else {
    req.source = S::empty;
  }
  if (!a.database.empty()) req.database = a.database;
  bool folder =
      req.source == S::dump && req.dumps.size() == 1 && std::filesystem::is_directory(req.dumps[0]);
  if (req.name.empty() && !folder) return err(Errc::invalid_argument, "the template needs a NAME");
  return req;
}

std::string newest_snapshot(const core::TemplateView& v) {
  return v.snapshots.empty() ? "-"
                             : fmt::format("{} ({})", v.snapshots.front().id,
                                           format_time(v.snapshots.front().created_at));
}

void print_templates(const std::vector<core::TemplateView>& views, bool json) {
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& v : views) arr.push_back(core::to_json(v));
    print_json(arr);
    return;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : views) {
    uint64_t size = v.snapshots.empty() ? 0 : static_cast<uint64_t>(v.snapshots.front().size_bytes);
    rows.push_back({v.row.name, v.row.engine, v.row.database, v.row.state,
                    std::to_string(v.snapshots.size()), newest_snapshot(v), format_bytes(size),
                    std::to_string(v.clones)});
  }
  print_table({"NAME", "ENGINE", "DATABASE", "STATE", "SNAPSHOTS", "NEWEST", "SIZE", "CLONES"},
              rows);
}

void print_template(const core::TemplateView& v, bool json) {
  if (json) return print_json(core::to_json(v));
  fmt::print(
      "template  {}\nengine    {}\ndatabase  {}\nstate     {}\nsource    {} {}\nclones    {}\n",
      v.row.name, v.row.engine, v.row.database, v.row.state, v.row.source_kind, v.source, v.clones);
  if (v.seconds > 0) fmt::print("took      {:.2f}s\n", v.seconds);
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : v.snapshots) {
    rows.push_back({std::to_string(s.id), s.state, s.origin, format_time(s.created_at),
                    format_bytes(static_cast<uint64_t>(s.size_bytes))});
  }
  fmt::print("\n");
  print_table({"SNAPSHOT", "STATE", "ORIGIN", "CREATED", "SIZE"}, rows);
}

}  // namespace

void add_template_commands(CLI::App& app, Invocation& inv) {
  auto* tmpl = app.add_subcommand("template", "golden databases that clones are made from");
  tmpl->require_subcommand(1);
  Globals& g = inv.globals;

  auto args = std::make_shared<CreateArgs>();
  auto* create = tmpl->add_subcommand(
      "create", "create a template from a dump, a live server, a clone, or empty");
  create->add_option("name", args->name, "template name (omit for a folder of <name>.sql dumps)");
  create->add_option("--engine", args->engine, "postgres or mariadb")->capture_default_str();
  create->add_option(
      "--from-dump", args->dumps,
      "a .sql, .sql.gz, .sql.zst or pg_dump custom archive (repeat to import several in order), "
      "or a folder of <name>.sql files");
  create->add_option("--from-url", args->url, "a live server, copied with the engine's dump tool");
  create->add_option("--from-clone", args->clone,
                     "freeze a clone's current state into a new template");
  create->add_flag("--empty", args->empty, "an empty database");
  create->add_option("--database", args->database,
                     "the database clones connect to (default: the template name)");
  create->callback([&inv, &g, args] {
    inv.action = [&g, args](core::Context& ctx) -> Status {
      auto req = TRY(to_request(*args));
      auto made = core::create_templates(ctx, req, make_progress("importing", !g.quiet && !g.json));
      finish_progress();
      auto views = TRY(std::move(made));
      if (g.json) {
        print_json(views.size() == 1 ? core::to_json(views[0]) : [&] {
          nlohmann::json arr = nlohmann::json::array();
          for (const auto& v : views) arr.push_back(core::to_json(v));
          return arr;
        }());
      } else {
        for (const auto& v : views) {
          fmt::print("template {} ({}) ready in {:.2f}s: snapshot {}\n", v.row.name, v.row.engine,
                     v.seconds, v.snapshots.empty() ? 0 : v.snapshots.front().id);
        }
      }
      return {};
    };
  });

  auto refresh_name = std::make_shared<std::string>();
  auto* refresh =
      tmpl->add_subcommand("refresh", "re-import into a new snapshot; running clones keep theirs");
  refresh->add_option("name", *refresh_name)->required();
  refresh->callback([&inv, &g, refresh_name] {
    inv.action = [&g, refresh_name](core::Context& ctx) -> Status {
      auto done = core::refresh_template(ctx, *refresh_name,
                                         make_progress("importing", !g.quiet && !g.json));
      finish_progress();
      print_template(TRY(std::move(done)), g.json);
      return {};
    };
  });

  auto* list = tmpl->add_subcommand("list", "list templates");
  list->callback([&inv, &g] {
    inv.action = [&g](core::Context& ctx) -> Status {
      print_templates(TRY(core::list_templates(ctx)), g.json);
      return {};
    };
  });

  auto show_name = std::make_shared<std::string>();
  auto* show = tmpl->add_subcommand("show", "show a template and its snapshots");
  show->add_option("name", *show_name)->required();
  show->callback([&inv, &g, show_name] {
    inv.action = [&g, show_name](core::Context& ctx) -> Status {
      print_template(TRY(core::show_template(ctx, *show_name)), g.json);
      return {};
    };
  });

  auto del_name = std::make_shared<std::string>();
  auto del_force = std::make_shared<bool>(false);
  auto* del = tmpl->add_subcommand("delete", "delete a template and its snapshots");
  del->add_option("name", *del_name)->required();
  del->add_flag("--force", *del_force, "also destroy the clones that use it");
  del->callback([&inv, &g, del_name, del_force] {
    inv.action = [&g, del_name, del_force](core::Context& ctx) -> Status {
      TRY(core::delete_template(ctx, *del_name, *del_force));
      if (g.json)
        print_json({{"deleted", *del_name}});
      else
        fmt::print("template {} deleted\n", *del_name);
      return {};
    };
  });
}

}  // namespace dbtwin::cli
