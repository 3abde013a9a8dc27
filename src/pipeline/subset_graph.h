// The engine-free half of subsetting: a SubsetSpec resolved against a SourcePlan into table ids,
// the set S of tables whose rows are filtered, and the foreign-key edges the fixpoint follows.
//
// Semantics (see also subset.cc):
//  - S is every table connected to a start table through foreign keys (declared and virtual), in
//    either direction. Passthrough tables are copied whole, are never in S, and the walk does not
//    cross them. Tables outside S are copied whole.
//  - parent_edges: child→parent with the parent in S and the child in S or whole (passthrough);
//    every kept (or whole) child row pulls its referenced parent row in.
//  - child_edges: child→parent with both in S, followed only when follow_children is set.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "pipeline/dump_model.h"
#include "pipeline/subset.h"

namespace dbtwin::pipeline {

struct SubsetSeed {
  uint32_t table = 0;
  double percent = -1;  // -1 when `where` is used
  std::string where;
};

struct SubsetGraph {
  std::vector<uint32_t> members;  // S, ascending table ids
  std::vector<bool> in_subset;    // by table id
  std::vector<bool> whole;        // by table id: passthrough tables
  std::vector<SubsetSeed> seeds;  // in spec order
  std::vector<ForeignKey> parent_edges;
  std::vector<ForeignKey> child_edges;
};

// The table whose qualified() name is `name`; invalid_argument naming it when there is none.
Result<uint32_t> find_subset_table(const SourcePlan& plan, std::string_view name);

// Virtual foreign keys as ForeignKey rows named "virtual"; invalid_argument naming an unknown
// table or column, or mismatched column lists.
Result<std::vector<ForeignKey>> resolve_virtual_keys(const SourcePlan& plan,
                                                     const std::vector<VirtualForeignKey>& keys);

// Resolves `spec` against `plan` and computes S and the edges. invalid_argument for unknown names,
// a start table also listed as passthrough, or a percentage outside (0, 100].
Result<SubsetGraph> resolve_subset(const SourcePlan& plan, const SubsetSpec& spec);

}  // namespace dbtwin::pipeline
