// A progress bar on stderr for long steps (imports), only on a terminal.
#pragma once

#include <string>

#include "engine/engine.h"

namespace dbtwin::cli {

// A Progress callback drawing "label [####    ] 42% 12.0 MiB / 28.6 MiB" at most 10 times a
// second; a no-op when stderr is not a terminal or `enabled` is false.
engine::Progress make_progress(const std::string& label, bool enabled);
// Ends the bar's line, if one was drawn.
void finish_progress();

}  // namespace dbtwin::cli
