// dbtwin dump create|list|show|delete|restore|validate|keygen
#include <CLI/CLI.hpp>

#include <cstdlib>

#include "base/log.h"
#include "base/strings.h"
#include "bridge/dump_ops.h"
#include "cli/app.h"
#include "cli/dump_output.h"
#include "cli/output.h"
#include "cli/progress.h"

namespace dbtwin::cli {

namespace {

// Flags every command that reaches a bridge takes.
struct BridgeFlags {
  bridge::BridgeOptions opts;
  std::string ssh_password_env;
};

void add_bridge_flags(CLI::App* cmd, BridgeFlags& f) {
  cmd->add_option("--endpoint", f.opts.endpoint,
                  "S3 endpoint URL (path-style), e.g. http://127.0.0.1:4568");
  cmd->add_option("--region", f.opts.region, "S3 region (default AWS_REGION or us-east-1)");
  cmd->add_option("--access-key", f.opts.access_key,
                  "S3 access key id (else AWS_ACCESS_KEY_ID or the credentials file)");
  cmd->add_option("--secret-key", f.opts.secret_key,
                  "S3 secret key (better: AWS_SECRET_ACCESS_KEY)");
  cmd->add_option("--profile", f.opts.profile, "profile in the AWS credentials file");
  cmd->add_option("--credentials-file", f.opts.credentials_file, "AWS credentials file");
  cmd->add_option("--ssh-identity", f.opts.ssh_identity, "SFTP private key file");
  cmd->add_option("--ssh-password-env", f.ssh_password_env, "variable holding the SFTP password");
  cmd->add_option("--known-hosts", f.opts.known_hosts,
                  "SFTP known_hosts file (default ~/.ssh/known_hosts)");
  cmd->add_flag("--insecure-host-key", f.opts.insecure_host_key, "SFTP: do not check the host key");
}

Result<bridge::BridgeOptions> bridge_options(const BridgeFlags& f) {
  auto opts = f.opts;
  if (!f.ssh_password_env.empty()) {
    const char* v = std::getenv(f.ssh_password_env.c_str());
    if (!v)
      return err(Errc::invalid_argument, "--ssh-password-env: {} is not set", f.ssh_password_env);
    opts.ssh_password = v;
  }
  return opts;
}

struct KeyFlags {
  std::string key_file;
  std::string passphrase_env;
};

void add_key_flags(CLI::App* cmd, KeyFlags& k) {
  auto* file = cmd->add_option("--key-file", k.key_file,
                               "encryption key: 32 bytes, raw or hex (see `dump keygen`)");
  cmd->add_option("--passphrase-env", k.passphrase_env, "variable holding a passphrase (Argon2id)")
      ->excludes(file);
}

Result<pipeline::KeySource> key_source(const KeyFlags& k) {
  pipeline::KeySource key;
  if (!k.key_file.empty()) {
    key.kind = pipeline::KeySource::Kind::key_file;
    key.key_file = k.key_file;
  } else if (!k.passphrase_env.empty()) {
    const char* v = std::getenv(k.passphrase_env.c_str());
    if (!v || !*v)
      return err(Errc::invalid_argument, "--passphrase-env: {} is not set", k.passphrase_env);
    key.kind = pipeline::KeySource::Kind::passphrase;
    key.passphrase = v;
  }
  return key;
}

pipeline::DumpProgress progress_bar(const std::string& label, const Globals& g) {
  auto bar = make_progress(label, !g.quiet && !g.json);
  return [bar](uint64_t done, uint64_t total, uint64_t) { bar(done, total); };
}

void add_create(CLI::App* dump, Invocation& inv) {
  struct Flags {
    bridge::DumpRequest req;
    std::string rules, chunk, bridge;
    std::vector<std::string> subset;
    BridgeFlags b;
    KeyFlags k;
  };
  auto f = std::make_shared<Flags>();
  auto* c = dump->add_subcommand("create",
                                 "dump a database, masked, compressed and encrypted, to a bridge");
  c->add_option("--source", f->req.source_url, "postgres://… or mysql://… naming one database")
      ->required();
  c->add_option("--rules", f->rules, "masking and subset rules (YAML; see docs/masking.md)");
  c->add_option("--bridge", f->bridge,
                "file:///DIR, s3://BUCKET/PREFIX or sftp://USER@HOST[:PORT]/PATH")
      ->required();
  c->add_option("--name", f->req.name, "the dump's name (default dump-<epoch ms>)");
  c->add_option("--subset", f->subset,
                "start a subset: TABLE:PERCENT% or TABLE:WHERE (repeatable)");
  c->add_flag("--subset-children", f->req.subset_children,
              "also keep rows that reference kept rows");
  c->add_option("--jobs", f->req.jobs, "parallel table readers and compressors")
      ->capture_default_str();
  c->add_option("--compression-level", f->req.compression_level, "zstd level 1-19")
      ->capture_default_str();
  c->add_option("--chunk-size", f->chunk, "size of each chunk object (default 32M)");
  add_key_flags(c, f->k);
  add_bridge_flags(c, f->b);
  c->callback([&inv, f] {
    inv.standalone = [&inv, f]() -> Status {
      auto req = f->req;
      req.bridge_url = f->bridge;
      if (!f->rules.empty()) req.rules_file = f->rules;
      if (!f->chunk.empty()) req.chunk_bytes = TRY(parse_size(f->chunk));
      if (req.compression_level < 1 || req.compression_level > 19)
        return err(Errc::invalid_argument, "--compression-level must be 1 to 19");
      if (req.jobs < 1 || req.jobs > 64)
        return err(Errc::invalid_argument, "--jobs must be 1 to 64");
      for (const auto& s : f->subset) req.subset.push_back(TRY(pipeline::parse_subset_arg(s)));
      req.key = TRY(key_source(f->k));
      req.bridge = TRY(bridge_options(f->b));
      auto out = bridge::create_dump(req, progress_bar("dump", inv.globals));
      finish_progress();
      if (!out) return std::move(out).error();
      print_dump_created(*out, inv.globals.json);
      return {};
    };
  });
}

void add_list_show(CLI::App* dump, Invocation& inv) {
  auto bridge_url = std::make_shared<std::string>();
  auto bf = std::make_shared<BridgeFlags>();
  auto* l = dump->add_subcommand("list", "the dumps on a bridge, newest first");
  l->add_option("BRIDGE", *bridge_url, "the bridge URL")->required();
  add_bridge_flags(l, *bf);
  l->callback([&inv, bridge_url, bf] {
    inv.standalone = [&inv, bridge_url, bf]() -> Status {
      auto store = TRY(bridge::open_bridge(*bridge_url, TRY(bridge_options(*bf))));
      print_dump_list(TRY(bridge::list_dumps(*store)), inv.globals.json);
      return {};
    };
  });

  auto s_url = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto sf = std::make_shared<BridgeFlags>();
  auto* s = dump->add_subcommand("show", "one dump: its fields, tables and chunks");
  s->add_option("BRIDGE", *s_url, "the bridge URL")->required();
  s->add_option("NAME", *name, "a dump's name, or latest")->required();
  add_bridge_flags(s, *sf);
  s->callback([&inv, s_url, name, sf] {
    inv.standalone = [&inv, s_url, name, sf]() -> Status {
      auto store = TRY(bridge::open_bridge(*s_url, TRY(bridge_options(*sf))));
      print_dump(TRY(bridge::find_dump(*store, *name)), inv.globals.json);
      return {};
    };
  });
}

void add_delete(CLI::App* dump, Invocation& inv) {
  struct Flags {
    std::string bridge, older;
    bridge::DeleteRequest req;
    int keep = -1;
    BridgeFlags b;
  };
  auto f = std::make_shared<Flags>();
  auto* d = dump->add_subcommand(
      "delete", "delete a dump, or those older than a duration, or all but the last N");
  d->add_option("BRIDGE", f->bridge, "the bridge URL")->required();
  auto* n = d->add_option("NAME", f->req.name, "the dump to delete");
  auto* o =
      d->add_option("--older-than", f->older, "every dump older than this, e.g. 14d")->excludes(n);
  d->add_option("--keep-last", f->keep, "keep the newest N complete dumps, delete the rest")
      ->excludes(n)
      ->excludes(o);
  add_bridge_flags(d, f->b);
  d->callback([&inv, f] {
    inv.standalone = [&inv, f]() -> Status {
      auto req = f->req;
      if (!f->older.empty()) req.older_than = TRY(parse_duration(f->older));
      if (f->keep >= 0) req.keep_last = f->keep;
      auto store = TRY(bridge::open_bridge(f->bridge, TRY(bridge_options(f->b))));
      auto gone = TRY(bridge::delete_dumps(*store, req));
      if (inv.globals.json) return print_json({{"deleted", gone}}), Status{};
      for (const auto& g : gone) fmt::print("deleted {}\n", g);
      if (gone.empty()) fmt::print("nothing to delete\n");
      return {};
    };
  });
}

void add_restore(CLI::App* dump, Invocation& inv) {
  struct Flags {
    bridge::RestoreRequest req;
    BridgeFlags b;
    KeyFlags k;
  };
  auto f = std::make_shared<Flags>();
  auto* r = dump->add_subcommand("restore", "restore a dump into a server, or into a new template");
  r->add_option("BRIDGE", f->req.bridge_url, "the bridge URL")->required();
  r->add_option("NAME", f->req.name, "a dump's name, or latest")->required();
  auto* to =
      r->add_option("--to", f->req.to_url, "postgres://… or mysql://… naming the target database");
  auto* tmpl = r->add_option("--template", f->req.template_name, "a new template to restore into")
                   ->excludes(to);
  r->add_flag("--replace", f->req.replace, "swap out a non-empty target database")->excludes(tmpl);
  add_key_flags(r, f->k);
  add_bridge_flags(r, f->b);
  r->callback([&inv, f] {
    auto run = [&inv, f](core::Context* ctx) -> Status {
      auto req = f->req;
      if (req.to_url.empty() && req.template_name.empty())
        return err(Errc::invalid_argument, "say where to: --to URL or --template NAME");
      req.key = TRY(key_source(f->k));
      req.bridge = TRY(bridge_options(f->b));
      auto out = bridge::restore_dump(req, ctx, progress_bar("restore", inv.globals));
      finish_progress();
      if (!out) return std::move(out).error();
      print_dump_restored(*out, inv.globals.json);
      return {};
    };
    // Into a template, the local state is needed; into a server, nothing but the bridge.
    if (!f->req.template_name.empty())
      inv.action = [run](core::Context& ctx) { return run(&ctx); };
    else
      inv.standalone = [run] { return run(nullptr); };
  });
}

void add_validate_keygen(CLI::App* dump, Invocation& inv) {
  struct Flags {
    std::string source, rules;
    bool strict = false;
  };
  auto f = std::make_shared<Flags>();
  auto* v = dump->add_subcommand("validate", "compare masking rules with a source's columns");
  v->add_option("--source", f->source, "postgres://… or mysql://…")->required();
  v->add_option("--rules", f->rules, "the rules file")->required();
  v->add_flag("--strict", f->strict, "exit non-zero on an uncovered column or a stale rule");
  v->callback([&inv, f] {
    inv.standalone = [&inv, f]() -> Status {
      auto rep = TRY(bridge::validate_rules(f->source, f->rules));
      print_validation(rep, inv.globals.json);
      bool dirty = !rep.coverage.uncovered.empty() || !rep.coverage.unknown.empty();
      if (f->strict && dirty)
        return err(Errc::invalid_argument, "{} uncovered column(s), {} rule(s) naming no column",
                   rep.coverage.uncovered.size(), rep.coverage.unknown.size());
      return {};
    };
  });

  auto path = std::make_shared<std::string>();
  auto* k = dump->add_subcommand("keygen", "write a new random encryption key file (0600)");
  k->add_option("FILE", *path, "where to write it (must not exist)")->required();
  k->callback([&inv, path] {
    inv.standalone = [&inv, path]() -> Status {
      TRY(pipeline::generate_key_file(*path));
      if (inv.globals.json) return print_json({{"key_file", *path}}), Status{};
      fmt::print("key written to {}: keep it safe; without it the dumps cannot be read\n", *path);
      return {};
    };
  });
}

}  // namespace

void add_dump_commands(CLI::App& app, Invocation& inv) {
  auto* dump = app.add_subcommand("dump", "masked, compressed, encrypted dumps on a bridge");
  dump->require_subcommand(1);
  add_create(dump, inv);
  add_list_show(dump, inv);
  add_delete(dump, inv);
  add_restore(dump, inv);
  add_validate_keygen(dump, inv);
}

void add_transformer_commands(CLI::App& app, Invocation& inv) {
  auto* t = app.add_subcommand("transformers", "the masking transformers");
  t->require_subcommand(1);
  auto* l = t->add_subcommand("list", "every transformer, its options and modes");
  l->callback([&inv] {
    inv.standalone = [&inv]() -> Status {
      print_transformers(inv.globals.json);
      return {};
    };
  });
}

}  // namespace dbtwin::cli
