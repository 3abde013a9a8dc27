// Output of the dump commands: summaries, tables and --json.
#pragma once

#include <vector>

#include "bridge/dump_ops.h"

namespace dbtwin::cli {

void print_dump_created(const bridge::DumpOutcome& out, bool json);
void print_dump_restored(const bridge::RestoreOutcome& out, bool json);
void print_dump_list(const std::vector<bridge::DumpManifest>& dumps, bool json);
void print_dump(const bridge::DumpManifest& dump, bool json);
void print_validation(const bridge::ValidateReport& rep, bool json);
void print_transformers(bool json);

}  // namespace dbtwin::cli
