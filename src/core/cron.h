// Cron-style schedules for template refreshes, evaluated in UTC.
#pragma once

#include <bitset>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace dbtwin::core {

class Schedule {
 public:
  // Five fields "minute hour day-of-month month day-of-week", each *, N, a-b, */n, a-b/n, N/n
  // (N to the field's end) or a comma list of them; month (jan-dec) and weekday (sun-sat)
  // names; weekday 0 or 7 is Sunday. When both day fields are restricted, a day matching
  // either fires (the standard cron rule). Also @hourly, @daily, @midnight, @weekly, @monthly,
  // @yearly, @annually, and "@every DURATION" (e.g. "@every 30s"; fires at multiples of it
  // since the epoch). Bad text is invalid_argument naming the field.
  static Result<Schedule> parse(std::string_view text);

  // The first time strictly after `unix_time` (UTC, seconds) when the schedule fires.
  int64_t next_after(int64_t unix_time) const;
  const std::string& text() const { return text_; }

 private:
  Schedule() = default;
  bool day_matches(int64_t days_since_epoch, int dom) const;

  std::string text_;
  int64_t every_ = 0;  // seconds, for "@every"; 0 for a cron expression
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;        // 1-31
  std::bitset<13> months_;      // 1-12
  std::bitset<7> weekdays_;     // 0-6, Sunday 0
  bool days_star_ = false;      // the day-of-month field starts with '*'
  bool weekdays_star_ = false;  // the day-of-week field starts with '*'
};

}  // namespace dbtwin::core
