#include "core/templates.h"

#include <chrono>

#include "base/log.h"
#include "base/scope_guard.h"
#include "base/strings.h"
#include "core/clones.h"
#include "core/import.h"
#include "core/snapshots.h"
#include "engine/dump_file.h"

namespace dbtwin::core {

namespace {

// The database named in a URL's path, e.g. "shop" in postgres://u:p@h:5432/shop?x=y.
std::string url_database(const std::string& url) {
  auto scheme = url.find("://");
  auto slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) return "";
  std::string db = url.substr(slash + 1);
  return db.substr(0, db.find('?'));
}

Result<std::string> source_ref(const TemplateRequest& req) {
  using S = TemplateRequest::Source;
  switch (req.source) {
    case S::dump: {
      if (req.dumps.empty()) return err(Errc::invalid_argument, "no dump file given");
      std::string joined;
      for (const auto& p : req.dumps) {
        if (!fs::is_regular_file(p))
          return err(Errc::not_found, "dump file {} does not exist", p.string());
        TRY(engine::sniff_dump(p));  // refuse a binary file before anything is created
        joined += fs::absolute(p).lexically_normal().string() + "\n";
      }
      return joined;
    }
    case S::url:
      if (req.url.find("://") == std::string::npos) {
        return err(Errc::invalid_argument, "'{}' is not a URL (postgres://... or mysql://...)",
                   log::redact(req.url));
      }
      return req.url;
    case S::clone:
      return req.clone;
    case S::empty:
      return std::string();
    case S::filled:
      return req.filled_ref;
  }
  return std::string();
}

const char* source_kind(TemplateRequest::Source s) {
  switch (s) {
    case TemplateRequest::Source::dump:
      return "dump";
    case TemplateRequest::Source::url:
      return "url";
    case TemplateRequest::Source::clone:
      return "clone";
    case TemplateRequest::Source::empty:
      return "empty";
    case TemplateRequest::Source::filled:
      return "bridge";
  }
  return "empty";
}

Result<TemplateView> view_of(Context& ctx, const catalog::TemplateRow& row) {
  TemplateView v;
  v.row = row;
  v.snapshots = TRY(ctx.catalog().list_snapshots(row.name, false));
  v.clones = static_cast<int64_t>(TRY(ctx.catalog().list_clones(row.name)).size());
  v.source = log::redact(row.source_ref);
  if (row.source_kind == "dump") {
    std::string s(trim(row.source_ref));
    for (auto& c : s)
      if (c == '\n') c = ',';
    v.source = s;
  }
  v.row.admin_password.clear();  // never shown
  return v;
}

// The rows a request makes: name, engine, database, source and fresh admin credentials.
Result<catalog::TemplateRow> new_row(Context& ctx, const TemplateRequest& req) {
  catalog::TemplateRow row;
  row.name = req.name;
  row.source_kind = source_kind(req.source);
  row.source_ref = TRY(source_ref(req));
  row.state = "importing";
  row.created_at = now_unix();
  row.op = ctx.self_op();
  if (req.source == TemplateRequest::Source::clone) {
    TRY(validate_name("clone", req.clone));
    auto src = TRY(ctx.catalog().get_clone(req.clone));
    auto src_tmpl = TRY(ctx.catalog().get_template(src.template_name));
    // The frozen data directory keeps its users, so the admin credentials carry over.
    row.engine = src.engine;
    row.database = src.database;
    row.admin_user = src_tmpl.admin_user;
    row.admin_password = src_tmpl.admin_password;
    return row;
  }
  auto* eng = TRY(ctx.engine(req.engine));
  row.engine = std::string(engine::kind_name(eng->kind()));
  row.database = req.database                                 ? *req.database
                 : req.source == TemplateRequest::Source::url ? url_database(req.url)
                                                              : req.name;
  if (row.database.empty()) row.database = req.name;
  row.admin_user = eng->admin_user();
  row.admin_password = random_token(24);
  return row;
}

}  // namespace

Result<TemplateView> create_template(Context& ctx, const TemplateRequest& req,
                                     const engine::Progress& progress) {
  auto t0 = std::chrono::steady_clock::now();
  TRY(validate_name("template", req.name));
  if (req.database && req.database->empty())
    return err(Errc::invalid_argument, "the database name is empty");
  auto& cat = ctx.catalog();
  if (TRY(cat.find_template(req.name)))
    return err(Errc::already_exists, "template '{}' already exists", req.name);
  auto row = TRY(new_row(ctx, req));
  TRY(cat.insert_template(row));
  ScopeGuard undo([&] { (void)cat.delete_template(row.name); });

  if (req.source == TemplateRequest::Source::clone) {
    auto src = TRY(cat.get_clone(req.clone));
    TRY(snapshot_clone(ctx, src, {row.name, "freeze:" + src.name, false, true}));
  } else if (req.source == TemplateRequest::Source::filled) {
    engine::ImportSource fill;
    fill.type = engine::ImportSource::Type::custom;
    fill.fill = req.fill;
    TRY(import_snapshot(ctx, row, {fill}, "import", progress));
  } else {
    auto sources = TRY(import_sources(row));
    TRY(import_snapshot(ctx, row, sources, "import", progress));
  }
  TRY(cat.set_template_state(row.name, "ready", {}));
  undo.dismiss();
  row.state = "ready";
  row.op = {};
  auto view = TRY(view_of(ctx, row));
  view.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return view;
}

Result<std::vector<TemplateView>> create_templates(Context& ctx, const TemplateRequest& req,
                                                   const engine::Progress& progress) {
  bool folder = req.source == TemplateRequest::Source::dump && req.dumps.size() == 1 &&
                fs::is_directory(req.dumps[0]);
  if (!folder) return std::vector<TemplateView>{TRY(create_template(ctx, req, progress))};
  if (!req.name.empty()) {
    return err(
        Errc::invalid_argument,
        "with a folder of dumps, each <name>.sql file names its own template: leave NAME out");
  }
  std::vector<TemplateView> made;
  for (const auto& file : TRY(os::list_dir(req.dumps[0]))) {
    std::string stem = file;
    for (const char* ext : {".sql.gz", ".sql.zst", ".sql", ".dump"}) {
      if (ends_with(stem, ext)) {
        stem.resize(stem.size() - std::string_view(ext).size());
        break;
      }
    }
    if (stem == file) continue;  // not a dump
    TemplateRequest one = req;
    one.name = stem;
    one.dumps = {req.dumps[0] / file};
    made.push_back(TRY_CTX(create_template(ctx, one, progress), fmt::format("dump {}", file)));
  }
  if (made.empty())
    return err(Errc::not_found, "no <name>.sql dump in folder {}", req.dumps[0].string());
  return made;
}

Result<TemplateView> refresh_template(Context& ctx, const std::string& name,
                                      const engine::Progress& progress) {
  auto t0 = std::chrono::steady_clock::now();
  TRY(validate_name("template", name));
  auto& cat = ctx.catalog();
  auto row = TRY(cat.get_template(name));
  if (row.state != "ready")
    return err(Errc::conflict, "template '{}' is still being created", name);
  if (row.source_kind == "empty")
    return err(Errc::invalid_argument, "template '{}' is empty: nothing to refresh from", name);
  if (row.source_kind == "bridge") {
    return err(Errc::invalid_argument,
               "template '{}' was restored from a bridge dump ({}): make a new one with "
               "`dbtwin dump restore BRIDGE NAME --template NEW`",
               name, log::redact(row.source_ref));
  }
  if (row.source_kind == "clone") {
    auto src =
        TRY_CTX(cat.get_clone(row.source_ref), "refreshing a frozen template needs its clone");
    TRY(snapshot_clone(ctx, src, {row.name, "freeze:" + src.name, false, true}));
  } else {
    TRY(import_snapshot(ctx, row, TRY(import_sources(row)), "refresh", progress));
  }
  auto view = TRY(view_of(ctx, row));
  view.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return view;
}

Result<TemplateView> show_template(Context& ctx, const std::string& name) {
  TRY(validate_name("template", name));
  return view_of(ctx, TRY(ctx.catalog().get_template(name)));
}

Result<std::vector<TemplateView>> list_templates(Context& ctx) {
  std::vector<TemplateView> out;
  for (const auto& row : TRY(ctx.catalog().list_templates())) out.push_back(TRY(view_of(ctx, row)));
  return out;
}

Status delete_template(Context& ctx, const std::string& name, bool force) {
  TRY(validate_name("template", name));
  auto& cat = ctx.catalog();
  auto row = TRY(cat.get_template(name));
  auto clones = TRY(cat.list_clones(name));
  if (!clones.empty() && !force) {
    std::string names;
    for (const auto& c : clones) names += (names.empty() ? "" : ", ") + c.name;
    return err(Errc::conflict,
               "template '{}' is used by {} clone(s): {} (destroy them, or --force)", name,
               clones.size(), names);
  }
  for (const auto& c : clones) TRY(destroy_clone(ctx, c.name, true));
  for (const auto& s : TRY(cat.list_snapshots(name, true))) TRY(drop_snapshot(ctx, s));
  TRY(cat.delete_template(name));
  (void)os::remove_file(ctx.log_path("template", name));
  return {};
}

}  // namespace dbtwin::core
