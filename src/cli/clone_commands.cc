// dbtwin clone create|list|show|stop|start|reset|destroy|protect|unprotect|extend
#include <CLI/CLI.hpp>

#include "base/strings.h"
#include "cli/app.h"
#include "cli/backend.h"
#include "cli/output.h"
#include "core/json.h"
#include "os/users.h"

namespace dbtwin::cli {

namespace {

struct CreateArgs {
  std::string template_name;
  std::string name;
  bool name_given = false;  // an empty NAME given on purpose is refused, not generated
  int64_t snapshot = 0;
  std::string from_clone;
  std::string ttl;
  std::string password;
  std::string user = "dbtwin";
  std::string exec;
  std::string owner;
};

Result<core::CloneRequest> to_request(const CreateArgs& a) {
  core::CloneRequest req;
  req.template_name = a.template_name;
  if (a.name_given) req.name = a.name;
  if (a.snapshot > 0) req.snapshot_id = a.snapshot;
  if (!a.from_clone.empty()) req.from_clone = a.from_clone;
  if (!a.ttl.empty()) req.ttl = TRY(parse_duration(a.ttl));
  if (!a.password.empty()) req.password = a.password;
  req.user = a.user;
  if (!a.exec.empty()) req.exec = a.exec;
  req.owner = a.owner.empty() ? os::invoking_user_name() : a.owner;
  return req;
}

std::string age(int64_t since) {
  return format_duration(std::chrono::seconds(now_unix() - since));
}
std::string expiry(const catalog::CloneRow& r) {
  if (r.is_protected) return "protected";
  if (r.expires_at == 0) return "never";
  return "in " + format_duration(std::chrono::seconds(r.expires_at - now_unix()));
}

void print_clone(const core::CloneView& v, bool json) {
  if (json) return print_json(core::to_json(v));
  const auto& r = v.row;
  fmt::print(
      "clone     {}\ntemplate  {} (snapshot {})\nengine    {}\nstate     {}\nurl       {}\n"
      "host      {}\nport      {}\nuser      {}\npassword  {}\ndatabase  {}\nowner     {}\n"
      "age       {}\nexpires   {}\n",
      r.name, r.template_name, r.snapshot_id, r.engine, v.state, v.url, v.host, r.port, r.user,
      r.password, r.database, r.owner, age(r.created_at), expiry(r));
  if (v.used_bytes) fmt::print("uses      {}\n", format_bytes(*v.used_bytes));
}

// Registers a subcommand NAME that runs `op` on one clone and prints it.
void add_simple(CLI::App* clone, Invocation& inv, const std::string& name, const std::string& help,
                std::function<Result<core::CloneView>(Backend&, const std::string&)> op) {
  auto target = std::make_shared<std::string>();
  auto* cmd = clone->add_subcommand(name, help);
  cmd->add_option("name", *target, "clone name")->required();
  Globals& g = inv.globals;
  cmd->callback([&inv, &g, target, op] {
    inv.backend_action = [&g, target, op](Backend& b) -> Status {
      print_clone(TRY(op(b, *target)), g.json);
      return {};
    };
  });
}

void add_create(CLI::App* clone, Invocation& inv) {
  auto a = std::make_shared<CreateArgs>();
  auto* create = clone->add_subcommand("create", "a private, writable, running copy of a template");
  create->add_option("template", a->template_name)->required();
  create->add_option("name", a->name, "clone name (generated if omitted)")
      ->each([a](const std::string&) { a->name_given = true; });
  create->add_option("--snapshot", a->snapshot, "snapshot id (default: the newest)");
  create->add_option("--from-clone", a->from_clone, "copy another clone's current state");
  create->add_option("--ttl", a->ttl, "time to live, e.g. 30m, 8h, 2d");
  create->add_option("--password", a->password, "the clone user's password (default: random)");
  create->add_option("--user", a->user, "the clone user's name")->capture_default_str();
  create->add_option("--exec", a->exec,
                     "a script run once the clone is ready (DBTWIN_* in its environment); with "
                     "--server, the name of a hook in the daemon's hooks folder");
  create->add_option("--owner", a->owner, "who the clone belongs to (default: you)");
  Globals& g = inv.globals;
  create->callback([&inv, &g, a] {
    inv.backend_action = [&g, a](Backend& b) -> Status {
      auto view = TRY(b.create_clone(TRY(to_request(*a))));
      double total =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - g.started).count();
      if (g.json) {
        auto j = core::to_json(view);
        j["command_seconds"] = total;
        print_json(j);
      } else if (g.quiet) {
        fmt::print("{}\n", view.url);
      } else {
        fmt::print("clone {} of {} ready in {:.3f}s ({:.3f}s since the command started)\n{}\n",
                   view.row.name, view.row.template_name, view.seconds, total, view.url);
      }
      return {};
    };
  });
}

void add_list(CLI::App* clone, Invocation& inv) {
  auto tmpl = std::make_shared<std::string>();
  auto* list = clone->add_subcommand("list", "list clones with their state, expiry and space");
  list->add_option("--template", *tmpl, "only clones of this template");
  Globals& g = inv.globals;
  list->callback([&inv, &g, tmpl] {
    inv.backend_action = [&g, tmpl](Backend& b) -> Status {
      auto views = TRY(b.list_clones(tmpl->empty() ? std::nullopt : std::optional(*tmpl)));
      if (g.json) {
        nlohmann::json arr = nlohmann::json::array();
        for (const auto& v : views) arr.push_back(core::to_json(v));
        print_json(arr);
        return {};
      }
      std::vector<std::vector<std::string>> rows;
      for (const auto& v : views) {
        const auto& r = v.row;
        rows.push_back({r.name, r.template_name, r.engine, std::to_string(r.port), v.state,
                        age(r.created_at), expiry(r),
                        v.used_bytes ? format_bytes(*v.used_bytes) : "?", r.owner});
      }
      print_table(
          {"NAME", "TEMPLATE", "ENGINE", "PORT", "STATE", "AGE", "EXPIRES", "USED", "OWNER"}, rows);
      return {};
    };
  });
}

void add_destroy(CLI::App* clone, Invocation& inv) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  auto* cmd = clone->add_subcommand("destroy", "stop a clone and delete its data");
  cmd->add_option("names", *names, "clone names")->required();
  cmd->add_flag("--force", *force, "also destroy a protected clone");
  Globals& g = inv.globals;
  cmd->callback([&inv, &g, names, force] {
    inv.backend_action = [&g, names, force](Backend& b) -> Status {
      for (const auto& n : *names) {
        TRY(b.destroy_clone(n, *force));
        if (!g.json) fmt::print("clone {} destroyed\n", n);
      }
      if (g.json) print_json({{"destroyed", *names}});
      return {};
    };
  });
}

void add_extend(CLI::App* clone, Invocation& inv) {
  auto name = std::make_shared<std::string>();
  auto ttl = std::make_shared<std::string>();
  auto* cmd = clone->add_subcommand("extend", "set a clone to expire TTL from now");
  cmd->add_option("name", *name)->required();
  cmd->add_option("--ttl", *ttl, "e.g. 8h")->required();
  Globals& g = inv.globals;
  cmd->callback([&inv, &g, name, ttl] {
    inv.backend_action = [&g, name, ttl](Backend& b) -> Status {
      print_clone(TRY(b.extend_clone(*name, TRY(parse_duration(*ttl)))), g.json);
      return {};
    };
  });
}

}  // namespace

void add_clone_commands(CLI::App& app, Invocation& inv) {
  auto* clone = app.add_subcommand("clone", "private, writable, running copies of templates");
  clone->require_subcommand(1);
  add_create(clone, inv);
  add_list(clone, inv);
  add_destroy(clone, inv);
  add_extend(clone, inv);
  add_simple(clone, inv, "show", "show a clone's connection details",
             [](Backend& b, const std::string& n) { return b.show_clone(n); });
  add_simple(clone, inv, "stop", "stop a clone's server cleanly",
             [](Backend& b, const std::string& n) { return b.stop_clone(n); });
  add_simple(clone, inv, "start", "start a stopped clone",
             [](Backend& b, const std::string& n) { return b.start_clone(n); });
  add_simple(clone, inv, "reset", "return a clone to its snapshot (same port and credentials)",
             [](Backend& b, const std::string& n) { return b.reset_clone(n); });
  add_simple(clone, inv, "protect", "keep a clone from being destroyed or expiring",
             [](Backend& b, const std::string& n) { return b.set_protected(n, true); });
  add_simple(clone, inv, "unprotect", "let a clone be destroyed and expire again",
             [](Backend& b, const std::string& n) { return b.set_protected(n, false); });
}

}  // namespace dbtwin::cli
