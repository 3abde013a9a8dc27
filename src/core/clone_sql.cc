#include "core/clone_sql.h"

#include "base/strings.h"
#include "core/server.h"

namespace dbtwin::core {

Result<std::vector<engine::Row>> query_clone(Context& ctx, const std::string& name,
                                             const std::string& sql) {
  TRY(validate_name("clone", name));
  auto row = TRY(ctx.catalog().get_clone(name));
  auto* eng = TRY(ctx.engine(row.engine));
  auto spec = TRY(clone_spec(ctx, row));
  return eng->query(spec, clone_credentials(row), row.database, sql);
}

Status exec_clone(Context& ctx, const std::string& name, const std::string& sql) {
  TRY(validate_name("clone", name));
  auto row = TRY(ctx.catalog().get_clone(name));
  auto* eng = TRY(ctx.engine(row.engine));
  auto spec = TRY(clone_spec(ctx, row));
  return eng->exec(spec, clone_credentials(row), row.database, sql);
}

}  // namespace dbtwin::core
