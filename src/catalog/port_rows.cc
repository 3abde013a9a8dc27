#include <set>

#include "catalog/catalog.h"
#include "os/net.h"

namespace dbtwin::catalog {

Result<int> Catalog::take_port(int lo, int hi, const std::string& owner, const std::string& host) {
  if (lo <= 0 || hi > 65535 || lo > hi) {
    return err(Errc::invalid_argument, "invalid port range {}-{}", lo, hi);
  }
  // The write lock is held from the read to the insert, so two processes never pick one port.
  auto tx = TRY(Transaction::begin(*db_));
  std::set<int> taken;
  auto st = TRY(db_->prepare("SELECT port FROM ports WHERE port BETWEEN ? AND ?"));
  st.bind(1, int64_t{lo}).bind(2, int64_t{hi});
  while (TRY(st.step())) taken.insert(static_cast<int>(st.int_at(0)));
  for (int port = lo; port <= hi; ++port) {
    if (taken.count(port) != 0) continue;
    // Something outside dbtwin may hold it: prove it free by binding.
    if (!os::tcp_port_free(host, port)) continue;
    auto ins = TRY(db_->prepare("INSERT INTO ports(port, owner) VALUES(?, ?)"));
    ins.bind(1, int64_t{port}).bind(2, owner);
    TRY(ins.run());
    TRY(tx.commit());
    return port;
  }
  return err(Errc::unavailable, "no free port left in the range {}-{} ({} taken by dbtwin)", lo, hi,
             taken.size());
}

Status Catalog::release_port(int port) {
  auto st = TRY(db_->prepare("DELETE FROM ports WHERE port = ?"));
  st.bind(1, int64_t{port});
  return st.run();
}

Status Catalog::release_ports_of(const std::string& owner) {
  auto st = TRY(db_->prepare("DELETE FROM ports WHERE owner = ?"));
  st.bind(1, owner);
  return st.run();
}

Result<std::vector<std::pair<int, std::string>>> Catalog::list_ports() {
  auto st = TRY(db_->prepare("SELECT port, owner FROM ports ORDER BY port"));
  std::vector<std::pair<int, std::string>> out;
  while (TRY(st.step())) out.emplace_back(static_cast<int>(st.int_at(0)), st.text_at(1));
  return out;
}

}  // namespace dbtwin::catalog
