#include "core/quota.h"

#include "base/strings.h"

namespace dbtwin::core {

namespace {

Error over_total(int limit, int64_t existing) {
  return err(Errc::unavailable, "quota: max_clones is {} and {} clone{} exist{} already", limit,
             existing, existing == 1 ? "" : "s", existing == 1 ? "s" : "");
}

Error over_template(int limit, const std::string& tmpl, int64_t existing) {
  return err(Errc::unavailable,
             "quota: max_clones_per_template is {} and template '{}' has {} clone{} already", limit,
             tmpl, existing, existing == 1 ? "" : "s");
}

}  // namespace

Status check_quotas(Context& ctx, const std::string& template_name) {
  const Quotas& q = ctx.config().quotas;
  if (q.max_clones > 0 || q.max_clones_per_template > 0) {
    auto clones = TRY(ctx.catalog().list_clones(std::nullopt));
    int64_t total = static_cast<int64_t>(clones.size());
    int64_t of_template = 0;
    for (const auto& c : clones) of_template += c.template_name == template_name;
    if (q.max_clones > 0 && total >= q.max_clones) return over_total(q.max_clones, total);
    if (q.max_clones_per_template > 0 && of_template >= q.max_clones_per_template) {
      return over_template(q.max_clones_per_template, template_name, of_template);
    }
  }
  if (q.min_free_bytes > 0) {
    auto* pool = TRY(ctx.pool());
    auto space = TRY(pool->space());
    if (space.available < q.min_free_bytes) {
      return err(Errc::unavailable, "quota: the pool has {} free, below min_free {}",
                 format_bytes(space.available), format_bytes(q.min_free_bytes));
    }
  }
  return {};
}

Status recheck_quotas(Context& ctx, const catalog::CloneRow& row) {
  const Quotas& q = ctx.config().quotas;
  if (q.max_clones <= 0 && q.max_clones_per_template <= 0) return {};
  auto [total, of_template] = TRY(ctx.catalog().clones_up_to(row.name, row.template_name));
  if (total == 0) return err(Errc::internal, "clone '{}' has no catalog row", row.name);
  if (q.max_clones > 0 && total > q.max_clones) return over_total(q.max_clones, total - 1);
  if (q.max_clones_per_template > 0 && of_template > q.max_clones_per_template) {
    return over_template(q.max_clones_per_template, row.template_name, of_template - 1);
  }
  return {};
}

}  // namespace dbtwin::core
