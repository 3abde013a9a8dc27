// What the daemon did on its own (reconciliation, restarts, expiry, refreshes): logged once as a
// structured line and kept in a short list for GET /v1/events.
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace dbtwin::api {

class Events {
 public:
  void add(const std::string& kind, const std::string& message);
  nlohmann::json to_json() const;  // newest last

 private:
  struct Event {
    int64_t time;
    std::string kind;
    std::string message;
  };
  mutable std::mutex mu_;
  std::deque<Event> events_;
};

}  // namespace dbtwin::api
