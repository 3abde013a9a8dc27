#include "pipeline/mariadb_loader.h"

#include <cstring>

namespace dbtwin::pipeline {
namespace {

// Rows waiting for the server, per table: enough to keep the connection busy, small enough that
// memory stays flat whatever the table's size.
constexpr size_t kQueueBytes = 4 << 20;

// The rows' format (mysql_load_text), spelled out rather than left to the server's defaults.
std::string load_statement(const TableInfo& table) {
  std::string sql = "LOAD DATA LOCAL INFILE 'dbtwin-rows' INTO TABLE " + mariadb_ident(table.name) +
                    " CHARACTER SET binary FIELDS TERMINATED BY '\\t' ENCLOSED BY '' ESCAPED BY "
                    "'\\\\' LINES STARTING BY '' TERMINATED BY '\\n' (";
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (i) sql += ", ";
    sql += mariadb_ident(table.columns[i].name);
  }
  return sql + ")";
}

}  // namespace

TableLoader::TableLoader(Passkey, MariadbSession session, std::string table_name)
    : session_(std::move(session)), table_name_(std::move(table_name)) {}

Result<std::unique_ptr<TableLoader>> TableLoader::start(const MariadbParams& params,
                                                        const std::string& database,
                                                        const TableInfo& table) {
  if (table.columns.empty()) {
    return err(Errc::invalid_argument, "table {} has no columns to load", table.name);
  }
  auto session = TRY(MariadbSession::connect(params, database, MariadbCharset::binary, true));
  // Keys are checked when post-data adds them; 0 in an AUTO_INCREMENT column stays 0.
  TRY(
      session.exec("SET SESSION FOREIGN_KEY_CHECKS = 0, UNIQUE_CHECKS = 0, "
                   "sql_mode = 'NO_AUTO_VALUE_ON_ZERO,STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION'"));
  auto loader = std::make_unique<TableLoader>(Passkey{}, std::move(session), table.name);
  loader->thread_ = std::thread([l = loader.get(), sql = load_statement(table)] { l->run(sql); });
  return loader;
}

TableLoader::~TableLoader() {
  cancel();
}

void TableLoader::run(const std::string& sql) {
  Status st = session_.load_local(sql, [this](char* buf, size_t n) { return read(buf, n); });
  uint64_t loaded = session_.affected();
  if (st.ok()) {
    auto warnings = session_.warnings();
    if (!warnings.ok()) {
      st = std::move(warnings).error();
    } else if (!warnings->empty()) {
      st = err(Errc::engine, "the server changed or skipped rows: {}", *warnings);
    }
  }
  std::lock_guard lock(mu_);
  result_ = std::move(st);
  loaded_ = loaded;
  done_ = true;
  cv_.notify_all();
}

Result<size_t> TableLoader::read(char* buf, size_t size) {
  if (current_pos_ == current_.size()) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !queue_.empty() || closed_ || cancelled_; });
    if (cancelled_) return err(Errc::conflict, "the load of table {} was cancelled", table_name_);
    if (queue_.empty()) return size_t{0};
    current_ = std::move(queue_.front());
    queue_.pop_front();
    queued_bytes_ -= current_.size();
    current_pos_ = 0;
    cv_.notify_all();
  }
  size_t n = std::min(size, current_.size() - current_pos_);
  std::memcpy(buf, current_.data() + current_pos_, n);
  current_pos_ += n;
  return n;
}

Status TableLoader::push(std::string_view lines) {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return queued_bytes_ < kQueueBytes || done_; });
  if (done_) {
    if (!result_.ok()) return result_;
    return err(Errc::internal, "the load of table {} ended before its rows", table_name_);
  }
  queue_.emplace_back(lines);
  queued_bytes_ += lines.size();
  cv_.notify_all();
  return {};
}

Result<uint64_t> TableLoader::finish() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  if (!result_.ok()) return result_.error();
  return loaded_;
}

void TableLoader::cancel() {
  {
    std::lock_guard lock(mu_);
    if (!done_) cancelled_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

}  // namespace dbtwin::pipeline
