#include "api/events.h"

#include "base/log.h"
#include "base/strings.h"

namespace dbtwin::api {

void Events::add(const std::string& kind, const std::string& message) {
  log::info("event={} {}", kind, log::redact(message));
  std::lock_guard lock(mu_);
  events_.push_back({now_unix(), kind, message});
  while (events_.size() > 500) events_.pop_front();
}

nlohmann::json Events::to_json() const {
  std::lock_guard lock(mu_);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : events_)
    out.push_back({{"time", format_time(e.time)}, {"kind", e.kind}, {"message", e.message}});
  return out;
}

}  // namespace dbtwin::api
