#include "catalog/catalog.h"

namespace dbtwin::catalog {

Result<std::unique_ptr<Catalog>> Catalog::open(const std::filesystem::path& path) {
  auto conn = TRY(Connection::open(path));
  std::unique_ptr<Catalog> cat(new Catalog(std::move(conn)));
  TRY(cat->migrate());
  return cat;
}

Result<std::optional<std::string>> Catalog::setting(const std::string& key) {
  auto st = TRY(db_->prepare("SELECT value FROM settings WHERE key = ?"));
  st.bind(1, key);
  if (!TRY(st.step())) return std::optional<std::string>();
  return std::optional<std::string>(st.text_at(0));
}

Status Catalog::set_setting(const std::string& key, const std::string& value) {
  auto st =
      TRY(db_->prepare("INSERT INTO settings(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE "
                       "SET value = excluded.value"));
  st.bind(1, key).bind(2, value);
  return st.run();
}

}  // namespace dbtwin::catalog
