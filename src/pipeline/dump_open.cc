// open_source/open_target: choose the engine by the URL's scheme. Kept apart from dump_model.cc
// so that code using only the model does not link every engine's source and target.
#include <cctype>
#include <string>

#include "pipeline/dump_model.h"

namespace dbtwin::pipeline {

namespace {

enum class Scheme { postgres, mariadb };

Result<Scheme> scheme_of(std::string_view url) {
  auto colon = url.find("://");
  std::string scheme(url.substr(0, colon == std::string_view::npos ? 0 : colon));
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "postgres" || scheme == "postgresql") return Scheme::postgres;
  if (scheme == "mysql" || scheme == "mariadb") return Scheme::mariadb;
  // Never echo the URL: it may carry a password.
  return err(Errc::invalid_argument,
             "unsupported database URL scheme '{}' (use postgres://, postgresql://, mysql:// or "
             "mariadb://)",
             scheme);
}

}  // namespace

Result<std::unique_ptr<DumpSource>> open_source(const SourceOptions& options) {
  switch (TRY(scheme_of(options.url))) {
    case Scheme::postgres:
      return open_pg_source(options);
    case Scheme::mariadb:
      return open_mariadb_source(options);
  }
  return err(Errc::internal, "unreachable scheme");
}

Result<std::unique_ptr<RestoreTarget>> open_target(const RestoreOptions& options) {
  switch (TRY(scheme_of(options.url))) {
    case Scheme::postgres:
      return open_pg_target(options);
    case Scheme::mariadb:
      return open_mariadb_target(options);
  }
  return err(Errc::internal, "unreachable scheme");
}

}  // namespace dbtwin::pipeline
