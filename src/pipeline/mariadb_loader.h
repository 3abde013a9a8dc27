// Loads one table's rows with LOAD DATA LOCAL INFILE on a thread of its own: the statement reads
// its "file" from a bounded queue that push() fills, so rows stream from the dump into the server
// in constant memory, and the caller blocks when the server falls behind.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "base/result.h"
#include "pipeline/dump_model.h"
#include "pipeline/mariadb_session.h"

namespace dbtwin::pipeline {

class TableLoader {
  struct Passkey {  // construction goes through start()
    explicit Passkey() = default;
  };

 public:
  // Logs in to `database` and starts loading `table` (its columns in the rows' order).
  static Result<std::unique_ptr<TableLoader>> start(const MariadbParams& params,
                                                    const std::string& database,
                                                    const TableInfo& table);
  TableLoader(Passkey, MariadbSession session, std::string table_name);
  TableLoader(const TableLoader&) = delete;
  TableLoader& operator=(const TableLoader&) = delete;
  ~TableLoader();  // cancels a load that was not finished

  // Queues complete rows; blocks while the queue is full. The load's error once it has failed.
  Status push(std::string_view lines);
  // Ends the rows, waits for the statement, and gives the number of rows the server loaded.
  // A warning (a value that did not fit, a duplicate key skipped) is an error: copies are exact.
  Result<uint64_t> finish();
  // Stops the load (its statement fails) and waits for the thread.
  void cancel();

 private:
  void run(const std::string& sql);
  Result<size_t> read(char* buf, size_t size);

  MariadbSession session_;
  std::string table_name_;  // for messages
  std::thread thread_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  size_t queued_bytes_ = 0;
  bool closed_ = false;     // no more rows will come
  bool cancelled_ = false;  // the load must fail
  bool done_ = false;       // the statement has returned
  Status result_;
  uint64_t loaded_ = 0;

  std::string current_;  // the chunk the statement is reading (loader thread only)
  size_t current_pos_ = 0;
};

}  // namespace dbtwin::pipeline
