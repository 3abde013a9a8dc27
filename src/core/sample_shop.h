// A generated sample shop (customers with names, emails and phones; orders), as SQL that both
// engines accept. Deterministic for a seed. Used by the demo, the tests and the benchmarks.
#pragma once

#include <cstdint>
#include <ostream>

namespace dbtwin::core {

struct ShopSize {
  int customers = 1000;
  int orders_per_customer = 5;
  uint64_t seed = 42;
};

// Writes CREATE TABLE statements and multi-row INSERTs for the shop to `out`.
void write_shop_sql(std::ostream& out, const ShopSize& size);

}  // namespace dbtwin::core
