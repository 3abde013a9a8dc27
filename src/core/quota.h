// Quotas on clone creation (config [quota]): the number of clones, in total and per template,
// and a free-space floor on the pool. Over a limit, creation is unavailable (HTTP 503).
#pragma once

#include <string>

#include "base/result.h"
#include "catalog/rows.h"
#include "core/context.h"

namespace dbtwin::core {

// Checks the quotas before a clone of `template_name` is made: max_clones (all clones),
// max_clones_per_template, and the pool's min_free_bytes. Over a limit: Errc::unavailable, the
// message starting "quota: " and naming the limit and the numbers.
Status check_quotas(Context& ctx, const std::string& template_name);

// The clone-count quotas again once the new clone's row is inserted, counting that row and the
// rows inserted before it. Of creators racing past check_quotas, the later rows lose: they
// get the same error as check_quotas and undo.
Status recheck_quotas(Context& ctx, const catalog::CloneRow& row);

}  // namespace dbtwin::core
