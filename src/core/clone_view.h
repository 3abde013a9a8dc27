// Building what the user sees of a clone, shared by the clone operations.
#pragma once

#include "core/clones.h"
#include "core/hooks.h"
#include "core/server.h"

namespace dbtwin::core {

Result<CloneView> make_clone_view(Context& ctx, const catalog::CloneRow& row, bool with_space);
HookFacts hook_facts(const CloneView& view);

// Waits for the template's admin login, creates the clone's login, and waits for that login.
Status bring_up(Context& ctx, engine::Engine& eng, const engine::ServerSpec& spec,
                const os::ProcessId& pid, const catalog::TemplateRow& tmpl,
                const catalog::CloneRow& row);

}  // namespace dbtwin::core
