#include "engine/engine.h"

#include "engine/mariadb.h"
#include "engine/postgres.h"

namespace dbtwin::engine {

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::postgres:
      return "postgres";
    case Kind::mariadb:
      return "mariadb";
  }
  return "unknown";
}

Result<Kind> parse_kind(std::string_view name) {
  if (name == "postgres" || name == "postgresql") return Kind::postgres;
  if (name == "mariadb" || name == "mysql") return Kind::mariadb;
  return err(Errc::invalid_argument, "unknown engine '{}' (expected postgres or mariadb)", name);
}

// Binaries are looked up here but not required: check_installed() names what is missing.
Result<std::unique_ptr<Engine>> make_engine(Kind kind, const EngineOptions& options) {
  switch (kind) {
    case Kind::postgres:
      return std::unique_ptr<Engine>(
          std::make_unique<PostgresEngine>(resolve_pg_bindir(options.pg_bindir)));
    case Kind::mariadb:
      return std::unique_ptr<Engine>(std::make_unique<MariadbEngine>(options.mariadb_bindir));
  }
  return err(Errc::invalid_argument, "unknown engine kind");
}

}  // namespace dbtwin::engine
