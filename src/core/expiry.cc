#include "core/expiry.h"

#include "base/log.h"
#include "base/strings.h"
#include "core/clones.h"
#include "core/context.h"

namespace dbtwin::core {

Status expire_clones(Context& ctx) {
  int64_t now = now_unix();
  for (const auto& c : TRY(ctx.catalog().list_clones(std::nullopt))) {
    if (c.expires_at == 0 || c.expires_at > now || c.is_protected) continue;
    if (c.state == "creating" || c.state == "destroying" || c.state == "quiescing") continue;
    auto done = destroy_clone(ctx, c.name, false);
    if (done) {
      ctx.add_note(fmt::format("clone '{}' expired at {} and was destroyed", c.name,
                               format_time(c.expires_at)));
    } else {
      log::warn("could not destroy expired clone '{}': {}", c.name, done.error().message);
    }
  }
  return {};
}

}  // namespace dbtwin::core
