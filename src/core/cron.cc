#include "core/cron.h"

#include <array>
#include <charconv>
#include <limits>
#include <vector>

#include "base/strings.h"

namespace dbtwin::core {

namespace {

constexpr int64_t kDay = 86400;
// The Gregorian calendar repeats every 400 years: a schedule that fires at all fires within.
constexpr int64_t kCycleDays = 146097;
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms).
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * kCycleDays + doe - 719468;
}

struct Civil {
  int64_t year;
  int month;
  int day;
};

Civil civil_from_days(int64_t z) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - (kCycleDays - 1)) / kCycleDays;
  int64_t doe = z - era * kCycleDays;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2), month, day};
}

int weekday(int64_t days) {  // 1970-01-01 was a Thursday
  return static_cast<int>(((days % 7) + 11) % 7);
}

struct FieldSpec {
  const char* name;
  int lo;
  int hi;
  std::vector<std::string_view> names;  // names[i] stands for lo + i
};

const std::array<FieldSpec, 5>& field_specs() {
  static const std::array<FieldSpec, 5> specs = {{
      {"minute", 0, 59, {}},
      {"hour", 0, 23, {}},
      {"day-of-month", 1, 31, {}},
      {"month",
       1,
       12,
       {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
      {"day-of-week", 0, 7, {"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
  }};
  return specs;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Parses one field into `bits` (indexed by value). Errors name the problem, not the field: the
// caller adds that.
Status parse_field(std::string_view text, const FieldSpec& f, std::vector<bool>& bits) {
  auto number = [&](std::string_view s) -> Result<int> {
    if (s.empty()) return err(Errc::invalid_argument, "a value is missing");
    std::string name = lower(s);
    for (size_t i = 0; i < f.names.size(); ++i) {
      if (f.names[i] == name) return f.lo + static_cast<int>(i);
    }
    int v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) {
      return err(Errc::invalid_argument, "'{}' is not a number{}", s,
                 f.names.empty() ? "" : " or a name");
    }
    if (v < f.lo || v > f.hi) {
      return err(Errc::invalid_argument, "{} is out of range {}-{}", v, f.lo, f.hi);
    }
    return v;
  };

  for (const auto& item : split(text, ',')) {
    if (item.empty()) return err(Errc::invalid_argument, "an empty list item");
    std::string_view base = item;
    int step = 1;
    bool stepped = false;
    if (auto slash = base.find('/'); slash != std::string_view::npos) {
      std::string_view s = base.substr(slash + 1);
      base = base.substr(0, slash);
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), step);
      if (s.empty() || ec != std::errc() || end != s.data() + s.size() || step < 1 ||
          step > f.hi - f.lo + 1) {
        return err(Errc::invalid_argument, "step '{}' must be a number from 1 to {}", s,
                   f.hi - f.lo + 1);
      }
      stepped = true;
    }
    int a = f.lo, b = f.hi;
    if (base != "*") {
      if (auto dash = base.find('-'); dash != std::string_view::npos) {
        a = TRY(number(base.substr(0, dash)));
        b = TRY(number(base.substr(dash + 1)));
        if (a > b) return err(Errc::invalid_argument, "range {}-{} goes backwards", a, b);
      } else {
        a = TRY(number(base));
        b = stepped ? f.hi : a;  // "N/n": from N to the field's end
      }
    }
    for (int v = a; v <= b; v += step) bits[static_cast<size_t>(v)] = true;
  }
  return {};
}

}  // namespace

Result<Schedule> Schedule::parse(std::string_view input) {
  std::string_view text = trim(input);
  if (text.empty()) return err(Errc::invalid_argument, "the schedule is empty");
  Schedule s;
  s.text_ = std::string(text);
  std::string expr;
  if (text.front() == '@') {
    auto space = text.find_first_of(" \t");
    std::string macro = lower(text.substr(0, space));
    std::string_view arg = space == std::string_view::npos ? "" : trim(text.substr(space));
    if (macro == "@every") {
      if (arg.empty()) {
        return err(Errc::invalid_argument,
                   "schedule '{}': @every needs a duration such as 30s or 6h", text);
      }
      auto d = parse_duration(arg);
      if (!d) {
        return err(Errc::invalid_argument, "schedule '{}': @every duration: {}", text,
                   d.error().message);
      }
      if (d->count() < 1) {
        return err(Errc::invalid_argument, "schedule '{}': @every needs at least 1s", text);
      }
      s.every_ = d->count();
      return s;
    }
    if (!arg.empty()) {
      return err(Errc::invalid_argument, "schedule '{}': {} takes no argument", text, macro);
    }
    if (macro == "@hourly") {
      expr = "0 * * * *";
    } else if (macro == "@daily" || macro == "@midnight") {
      expr = "0 0 * * *";
    } else if (macro == "@weekly") {
      expr = "0 0 * * 0";
    } else if (macro == "@monthly") {
      expr = "0 0 1 * *";
    } else if (macro == "@yearly" || macro == "@annually") {
      expr = "0 0 1 1 *";
    } else {
      return err(Errc::invalid_argument,
                 "schedule '{}': unknown {} (use @hourly, @daily, @midnight, @weekly, "
                 "@monthly, @yearly, @annually or @every DURATION)",
                 text, macro);
    }
  } else {
    expr = std::string(text);
  }

  std::vector<std::string> fields;
  for (const auto& part : split(expr, ' ')) {
    for (const auto& f : split(part, '\t')) {
      if (!f.empty()) fields.push_back(f);
    }
  }
  if (fields.size() != 5) {
    return err(Errc::invalid_argument,
               "schedule '{}': expected 5 fields (minute hour day-of-month month day-of-week), "
               "got {}",
               text, fields.size());
  }
  const auto& specs = field_specs();
  std::array<std::vector<bool>, 5> bits;
  for (size_t i = 0; i < 5; ++i) {
    bits[i].assign(static_cast<size_t>(specs[i].hi) + 1, false);
    auto parsed = parse_field(fields[i], specs[i], bits[i]);
    if (!parsed) {
      return err(Errc::invalid_argument, "schedule '{}': {} field '{}': {}", text, specs[i].name,
                 fields[i], parsed.error().message);
    }
  }
  for (size_t v = 0; v < 60; ++v) s.minutes_[v] = bits[0][v];
  for (size_t v = 0; v < 24; ++v) s.hours_[v] = bits[1][v];
  for (size_t v = 1; v < 32; ++v) s.days_[v] = bits[2][v];
  for (size_t v = 1; v < 13; ++v) s.months_[v] = bits[3][v];
  for (size_t v = 0; v < 7; ++v) s.weekdays_[v] = bits[4][v];
  if (bits[4][7]) s.weekdays_[0] = true;  // 7 is Sunday too
  s.days_star_ = fields[2].front() == '*';
  s.weekdays_star_ = fields[4].front() == '*';
  if (s.next_after(0) == kNever) {
    return err(Errc::invalid_argument,
               "schedule '{}': day-of-month field '{}' never falls in month field '{}'", text,
               fields[2], fields[3]);
  }
  return s;
}

bool Schedule::day_matches(int64_t days_since_epoch, int dom) const {
  bool dom_ok = days_[static_cast<size_t>(dom)];
  bool dow_ok = weekdays_[static_cast<size_t>(weekday(days_since_epoch))];
  // Vixie cron: a day field starting with '*' leaves the other one alone to decide; when both
  // are restricted, either one matching is enough.
  if (days_star_ || weekdays_star_) return dom_ok && dow_ok;
  return dom_ok || dow_ok;
}

int64_t Schedule::next_after(int64_t unix_time) const {
  // Past year 9999 nothing is worth computing (and far beyond, the arithmetic would overflow).
  constexpr int64_t kLast = 253402300799;  // 9999-12-31T23:59:59Z
  if (unix_time >= kLast) return kNever;
  if (every_ > 0) return (floor_div(unix_time, every_) + 1) * every_;

  int64_t t = floor_div(unix_time, 60) * 60 + 60;  // the next whole minute
  int64_t days = floor_div(t, kDay);
  int64_t secs = t - days * kDay;
  int hour = static_cast<int>(secs / 3600);
  int minute = static_cast<int>(secs % 3600 / 60);
  const int64_t limit = days + kCycleDays + 366;
  while (days <= limit) {
    Civil c = civil_from_days(days);
    if (!months_[static_cast<size_t>(c.month)]) {
      int64_t y = c.month == 12 ? c.year + 1 : c.year;
      days = days_from_civil(y, c.month == 12 ? 1 : c.month + 1, 1);
      hour = minute = 0;
      continue;
    }
    if (day_matches(days, c.day)) {
      for (; hour < 24; ++hour, minute = 0) {
        if (!hours_[static_cast<size_t>(hour)]) continue;
        for (; minute < 60; ++minute) {
          if (minutes_[static_cast<size_t>(minute)]) return days * kDay + hour * 3600 + minute * 60;
        }
      }
    }
    ++days;
    hour = minute = 0;
  }
  return kNever;
}

}  // namespace dbtwin::core
