#include "bridge/dump_ops.h"

#include <algorithm>
#include <cstdlib>

#include "base/log.h"
#include "base/strings.h"
#include "core/templates.h"
#include "engine/conn_url.h"
#include "pipeline/chunk_reader.h"
#include "pipeline/masker.h"
#include "pipeline/rules.h"

namespace dbtwin::bridge {

namespace {

std::optional<std::string> from_env(const std::string& var) {
  const char* v = std::getenv(var.c_str());
  return v ? std::optional<std::string>(v) : std::nullopt;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<pipeline::Rules> rules_of(const DumpRequest& req) {
  pipeline::Rules rules;
  if (req.rules_file) rules = TRY(pipeline::load_rules(*req.rules_file));
  if (req.rules_yaml) {
    rules = TRY(pipeline::parse_rules(*req.rules_yaml, from_env));
  }
  for (const auto& start : req.subset) rules.subset.starts.push_back(start);
  if (req.subset_children) rules.subset.follow_children = true;
  return rules;
}

// One transform per table id; null where no rule changes the table.
Result<std::vector<std::unique_ptr<pipeline::RowTransform>>> transforms_for(
    const pipeline::Rules& rules, const pipeline::SourcePlan& plan) {
  std::vector<std::unique_ptr<pipeline::RowTransform>> out;
  for (const auto& t : plan.tables)
    out.push_back(TRY(pipeline::TableMasker::make(rules, t, plan.row_format)));
  return out;
}

Result<std::string> new_dump_name(pipeline::ObjectStore& store, const std::string& wanted) {
  std::string name = wanted.empty() ? fmt::format("dump-{}", now_ms()) : wanted;
  TRY(validate_dump_name(name));
  for (const auto& d : TRY(list_dumps(store))) {
    if (d.directory_name == name)
      return err(Errc::already_exists, "a dump named '{}' is already on {}", name,
                 store.describe());
  }
  return name;
}

DumpManifest manifest_of(const std::string& name, const pipeline::SourcePlan& plan,
                         const pipeline::Rules& rules, const pipeline::SealOptions& seal) {
  DumpManifest m;
  m.directory_name = name;
  m.created_at_ms = now_ms();
  m.compressed = seal.compress;
  m.encrypted = seal.key.kind != pipeline::KeySource::Kind::none;
  m.engine = std::string(engine::kind_name(plan.kind));
  m.source_version = plan.server_version;
  m.database = plan.database;
  m.rules_digest = rules.digest;
  m.tables = plan.tables.size();
  m.subset = !rules.subset.empty();
  return m;
}

void record_stats(DumpManifest& m, const pipeline::DumpStats& s) {
  m.status = "complete";
  m.size = s.stored_bytes;
  m.plain_bytes = s.plain_bytes;
  m.rows = s.rows;
  m.seconds = s.seconds;
  for (const auto& c : s.seal.chunks)
    m.chunks.push_back({m.directory_name + "/" + c.key, c.size, c.blake2b});
}

}  // namespace

Result<DumpOutcome> create_dump(const DumpRequest& req, const pipeline::DumpProgress& progress) {
  auto rules = TRY(rules_of(req));
  auto store = TRY(open_bridge(req.bridge_url, req.bridge));
  auto src = TRY(pipeline::open_source({req.source_url, req.jobs}));
  const auto& plan = src->plan();
  TRY(pipeline::require_coverage(rules, plan.tables));
  auto transforms = TRY(transforms_for(rules, plan));
  std::map<uint32_t, std::string> filters;
  if (!rules.subset.empty()) filters = TRY(pipeline::plan_subset(*src, rules.subset));
  auto name = TRY(new_dump_name(*store, req.name));

  pipeline::SealOptions seal;
  seal.level = req.compression_level;
  seal.key = req.key;
  seal.threads = std::max(1, req.jobs);
  if (req.chunk_bytes) seal.chunk_bytes = req.chunk_bytes;
  DumpOutcome out;
  out.manifest = manifest_of(name, plan, rules, seal);
  auto stats = pipeline::write_dump(*src, filters, transforms, *store, name, seal, progress);
  if (!stats) {
    // The failure is listed, so that nobody mistakes a half dump for none; its chunks are gone.
    out.manifest.status = "failed";
    out.manifest.error = stats.error().message;
    if (auto listed = publish(*store, out.manifest); !listed)
      log::warn("could not list the failed dump {}: {}", name, listed.error().message);
    return std::move(stats).error().context(
        fmt::format("dump {} of {}", name, log::redact(req.source_url)));
  }
  out.stats = *stats;
  record_stats(out.manifest, out.stats);
  TRY(publish(*store, out.manifest));
  return out;
}

Result<std::vector<std::string>> delete_dumps(pipeline::ObjectStore& store,
                                              const DeleteRequest& req) {
  auto dumps = TRY(list_dumps(store));
  std::sort(dumps.begin(), dumps.end(),
            [](const auto& a, const auto& b) { return a.created_at_ms > b.created_at_ms; });
  std::vector<std::string> doomed;
  if (!req.name.empty()) {
    auto it = std::find_if(dumps.begin(), dumps.end(),
                           [&](const auto& d) { return d.directory_name == req.name; });
    if (it == dumps.end())
      return err(Errc::not_found, "no dump named '{}' on {}", req.name, store.describe());
    doomed.push_back(req.name);
  } else if (req.older_than) {
    int64_t cutoff = now_ms() - req.older_than->count() * 1000;
    for (const auto& d : dumps)
      if (d.created_at_ms < cutoff) doomed.push_back(d.directory_name);
  } else if (req.keep_last) {
    int kept = 0;
    for (const auto& d : dumps) {
      if (d.status == "complete" && kept < *req.keep_last) {
        ++kept;
        continue;
      }
      doomed.push_back(d.directory_name);
    }
  } else {
    return err(Errc::invalid_argument, "say which dumps: a NAME, --older-than or --keep-last");
  }
  for (const auto& name : doomed) TRY(withdraw(store, name));
  return doomed;
}

namespace {

bool scheme_is(const std::string& url, std::initializer_list<std::string_view> schemes) {
  auto colon = url.find("://");
  if (colon == std::string::npos) return false;
  std::string scheme = url.substr(0, colon);
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return std::find(schemes.begin(), schemes.end(), scheme) != schemes.end();
}

Status check_engine(const DumpManifest& m, const std::string& to_url) {
  bool pg = scheme_is(to_url, {"postgres", "postgresql"});
  bool my = scheme_is(to_url, {"mysql", "mariadb"});
  if (!pg && !my)
    return err(Errc::invalid_argument, "'{}' is not a postgres:// or mysql:// URL",
               log::redact(to_url));
  if ((m.engine == "postgres") != pg)
    return err(
        Errc::invalid_argument,
        "dump {} is a {} dump; it cannot be restored into {} (no conversion between engines)",
        m.directory_name, m.engine, log::redact(to_url));
  return {};
}

std::vector<pipeline::ChunkInfo> chunks_of(const DumpManifest& m) {
  std::vector<pipeline::ChunkInfo> out;
  // The manifest names chunks by their full key; the reader by their name inside the folder.
  std::string prefix = m.directory_name + "/";
  for (const auto& c : m.chunks) {
    std::string key = starts_with(c.key, prefix) ? c.key.substr(prefix.size()) : c.key;
    out.push_back({key, c.size, c.blake2b});
  }
  return out;
}

}  // namespace

Result<RestoreOutcome> restore_dump(const RestoreRequest& req, core::Context* ctx,
                                    const pipeline::DumpProgress& progress) {
  if (req.to_url.empty() == req.template_name.empty())
    return err(Errc::invalid_argument, "restore needs exactly one of --to URL and --template NAME");
  auto store = TRY(open_bridge(req.bridge_url, req.bridge));
  RestoreOutcome out;
  out.manifest = TRY(find_dump(*store, req.name));
  const auto& m = out.manifest;
  if (m.status != "complete")
    return err(Errc::invalid_argument, "dump {} {}: it cannot be restored ({})", m.directory_name,
               m.status == "failed" ? "failed" : "is not complete", m.error);
  auto chunks = chunks_of(m);
  // Wrong or missing keys and missing chunks are refused here, before any target is touched.
  TRY(pipeline::ChunkReader::open(*store, m.directory_name, chunks, req.key));

  if (!req.to_url.empty()) {
    TRY(check_engine(m, req.to_url));
    auto target = TRY(pipeline::open_target({req.to_url, req.replace, false}));
    out.stats =
        TRY(pipeline::read_dump(*store, m.directory_name, chunks, req.key, *target, progress));
    out.target = log::redact(req.to_url);
    return out;
  }
  if (!ctx) return err(Errc::internal, "restoring into a template needs the local state");
  core::TemplateRequest t;
  t.name = req.template_name;
  t.engine = m.engine;
  t.source = core::TemplateRequest::Source::filled;
  if (!m.database.empty()) t.database = m.database;
  t.filled_ref = fmt::format("{} {}", store->describe(), m.directory_name);
  t.fill = [&](const std::string& admin_url, const engine::Progress& p) -> Status {
    auto target = TRY(pipeline::open_target({admin_url, false, true}));
    auto forward = [&](uint64_t done, uint64_t total, uint64_t rows) {
      if (progress) progress(done, total, rows);
      if (p) p(done, total);
    };
    out.stats =
        TRY(pipeline::read_dump(*store, m.directory_name, chunks, req.key, *target, forward));
    return {};
  };
  TRY(core::create_template(*ctx, t, {}));
  out.target = req.template_name;
  return out;
}

namespace {

Result<ValidateReport> validate(const std::string& source_url, const pipeline::Rules& rules) {
  auto src = TRY(pipeline::open_source({source_url, 1}));
  ValidateReport r;
  r.coverage = pipeline::check_coverage(rules, src->plan().tables);
  r.tables = src->plan().tables.size();
  for (const auto& t : src->plan().tables) r.columns += t.columns.size();
  return r;
}

}  // namespace

Result<ValidateReport> validate_rules(const std::string& source_url, const fs::path& rules_file) {
  return validate(source_url, TRY(pipeline::load_rules(rules_file)));
}

Result<ValidateReport> validate_rules_text(const std::string& source_url, const std::string& yaml) {
  return validate(source_url, TRY(pipeline::parse_rules(yaml, from_env)));
}

}  // namespace dbtwin::bridge
