// dbtwin template create|refresh|list|show|delete
#include <CLI/CLI.hpp>

#include "base/strings.h"
#include "cli/app.h"
#include "cli/backend.h"
#include "cli/output.h"
#include "cli/progress.h"
#include "core/json.h"

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

// `remote`: the dumps are on the daemon's host, where only the daemon can tell a folder.
Result<core::TemplateRequest> to_request(const CreateArgs& a, bool remote) {
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
  bool folder = req.source == S::dump && req.dumps.size() == 1 &&
                (remote || std::filesystem::is_directory(req.dumps[0]));
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

// "0 3 * * *, keeping 3 unused snapshots"
std::string schedule_text(const catalog::TemplateRow& t) {
  if (t.keep_snapshots > 0)
    return fmt::format("{}, keeping {} unused snapshots", t.schedule, t.keep_snapshots);
  return fmt::format("{}, keeping the configured number of unused snapshots", t.schedule);
}

void print_snapshots(const std::vector<catalog::SnapshotRow>& snapshots) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : snapshots) {
    rows.push_back({std::to_string(s.id), s.state, s.origin, format_time(s.created_at),
                    format_bytes(static_cast<uint64_t>(s.size_bytes))});
  }
  print_table({"SNAPSHOT", "STATE", "ORIGIN", "CREATED", "SIZE"}, rows);
}

void print_template(const core::TemplateView& v, bool json) {
  if (json) return print_json(core::to_json(v));
  fmt::print(
      "template  {}\nengine    {}\ndatabase  {}\nstate     {}\nsource    {} {}\nclones    {}\n",
      v.row.name, v.row.engine, v.row.database, v.row.state, v.row.source_kind, v.source, v.clones);
  if (v.seconds > 0) fmt::print("took      {:.2f}s\n", v.seconds);
  if (!v.row.schedule.empty()) fmt::print("schedule  {}\n", schedule_text(v.row));
  fmt::print("\n");
  print_snapshots(v.snapshots);
}

void print_created(const std::vector<core::TemplateView>& views, bool json) {
  if (json) {
    if (views.size() == 1) return print_json(core::to_json(views[0]));
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& v : views) arr.push_back(core::to_json(v));
    return print_json(arr);
  }
  for (const auto& v : views) {
    fmt::print("template {} ({}) ready in {:.2f}s: snapshot {}\n", v.row.name, v.row.engine,
               v.seconds, v.snapshots.empty() ? 0 : v.snapshots.front().id);
  }
}

void add_create(CLI::App* tmpl, Invocation& inv) {
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
  Globals& g = inv.globals;
  create->callback([&inv, &g, args] {
    inv.backend_action = [&g, args](Backend& b) -> Status {
      auto req = TRY(to_request(*args, !g.server.empty()));
      auto made = b.create_templates(req, make_progress("importing", !g.quiet && !g.json));
      finish_progress();
      print_created(TRY(std::move(made)), g.json);
      return {};
    };
  });
}

void add_refresh(CLI::App* tmpl, Invocation& inv) {
  auto name = std::make_shared<std::string>();
  auto* refresh =
      tmpl->add_subcommand("refresh", "re-import into a new snapshot; running clones keep theirs");
  refresh->add_option("name", *name)->required();
  Globals& g = inv.globals;
  refresh->callback([&inv, &g, name] {
    inv.backend_action = [&g, name](Backend& b) -> Status {
      auto done = b.refresh_template(*name, make_progress("importing", !g.quiet && !g.json));
      finish_progress();
      print_template(TRY(std::move(done)), g.json);
      return {};
    };
  });
}

void add_list_show(CLI::App* tmpl, Invocation& inv) {
  Globals& g = inv.globals;
  auto* list = tmpl->add_subcommand("list", "list templates");
  list->callback([&inv, &g] {
    inv.backend_action = [&g](Backend& b) -> Status {
      print_templates(TRY(b.list_templates()), g.json);
      return {};
    };
  });

  auto name = std::make_shared<std::string>();
  auto* show = tmpl->add_subcommand("show", "show a template and its snapshots");
  show->add_option("name", *name)->required();
  show->callback([&inv, &g, name] {
    inv.backend_action = [&g, name](Backend& b) -> Status {
      print_template(TRY(b.show_template(*name)), g.json);
      return {};
    };
  });

  auto of = std::make_shared<std::string>();
  auto* snapshots = tmpl->add_subcommand("snapshots", "list a template's snapshots");
  snapshots->add_option("name", *of)->required();
  snapshots->callback([&inv, &g, of] {
    inv.backend_action = [&g, of](Backend& b) -> Status {
      auto snaps = TRY(b.list_snapshots(*of));
      if (!g.json) return print_snapshots(snaps), Status{};
      nlohmann::json arr = nlohmann::json::array();
      for (const auto& s : snaps) arr.push_back(core::to_json(s));
      print_json(arr);
      return {};
    };
  });
}

void add_delete(CLI::App* tmpl, Invocation& inv) {
  auto name = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  auto* del = tmpl->add_subcommand("delete", "delete a template and its snapshots");
  del->add_option("name", *name)->required();
  del->add_flag("--force", *force, "also destroy the clones that use it");
  Globals& g = inv.globals;
  del->callback([&inv, &g, name, force] {
    inv.backend_action = [&g, name, force](Backend& b) -> Status {
      TRY(b.delete_template(*name, *force));
      if (g.json)
        print_json({{"deleted", *name}});
      else
        fmt::print("template {} deleted\n", *name);
      return {};
    };
  });
}

struct ScheduleArgs {
  std::string name;
  std::string cron;
  int keep = 0;
  bool off = false;
};

// The schedule to set: CRON, "" for --off, or the current one when only --keep changes;
// nullopt when the command only shows the schedule.
Result<std::optional<std::string>> wanted_schedule(Backend& b, const ScheduleArgs& a) {
  if (a.off && (!a.cron.empty() || a.keep > 0))
    return err(Errc::invalid_argument, "--off takes neither a CRON schedule nor --keep");
  if (a.off) return std::optional<std::string>("");
  if (!a.cron.empty()) return std::optional(a.cron);
  if (a.keep == 0) return std::optional<std::string>();
  auto current = TRY(b.show_template(a.name)).row.schedule;
  if (current.empty()) {
    return err(Errc::invalid_argument,
               "template '{}' has no refresh schedule: give a CRON schedule with --keep", a.name);
  }
  return std::optional(current);
}

void print_schedule(const core::TemplateView& v, bool json) {
  if (json) return print_json(core::to_json(v));
  if (v.row.schedule.empty())
    fmt::print("template {} has no refresh schedule\n", v.row.name);
  else
    fmt::print("template {} refreshes on {}\n", v.row.name, schedule_text(v.row));
}

void add_schedule(CLI::App* tmpl, Invocation& inv) {
  auto a = std::make_shared<ScheduleArgs>();
  auto* cmd = tmpl->add_subcommand(
      "schedule", "show or set when `dbtwin serve` refreshes a template from its source");
  cmd->add_option("name", a->name)->required();
  cmd->add_option("cron", a->cron,
                  "e.g. \"0 3 * * *\" (minute hour day month weekday) or "
                  "\"@every 10m\"");
  cmd->add_option("--keep", a->keep, "unused snapshots a refresh keeps (default: configured)")
      ->check(CLI::PositiveNumber);
  cmd->add_flag("--off", a->off, "stop refreshing on a schedule");
  Globals& g = inv.globals;
  cmd->callback([&inv, &g, a] {
    inv.backend_action = [&g, a](Backend& b) -> Status {
      auto schedule = TRY(wanted_schedule(b, *a));
      if (!schedule) return print_schedule(TRY(b.show_template(a->name)), g.json), Status{};
      print_schedule(TRY(b.set_schedule(a->name, *schedule, a->keep)), g.json);
      return {};
    };
  });
}

}  // namespace

void add_template_commands(CLI::App& app, Invocation& inv) {
  auto* tmpl = app.add_subcommand("template", "golden databases that clones are made from");
  tmpl->require_subcommand(1);
  add_create(tmpl, inv);
  add_refresh(tmpl, inv);
  add_list_show(tmpl, inv);
  add_delete(tmpl, inv);
  add_schedule(tmpl, inv);
}

}  // namespace dbtwin::cli
