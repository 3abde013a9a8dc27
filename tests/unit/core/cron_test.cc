#include "core/cron.h"

#include <gtest/gtest.h>

#include <ctime>
#include <string>

namespace dbtwin::core {
namespace {

// "YYYY-MM-DD HH:MM[:SS]" in UTC to unix seconds, and back.
int64_t at(const std::string& text) {
  std::tm tm{};
  int sec = 0;
  int n = std::sscanf(text.c_str(), "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                      &tm.tm_hour, &tm.tm_min, &sec);
  EXPECT_GE(n, 5) << text;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_sec = sec;
  return static_cast<int64_t>(timegm(&tm));
}

std::string show(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %a", &tm);
  return buf;
}

Schedule parsed(const std::string& text) {
  auto s = Schedule::parse(text);
  EXPECT_TRUE(s.ok()) << text << ": " << s.error().message;
  if (!s) return *Schedule::parse("* * * * *");
  return *s;
}

// The next firing after `from`, as text, so that a failure shows dates rather than numbers.
std::string next(const std::string& schedule, const std::string& from) {
  return show(parsed(schedule).next_after(at(from)));
}

std::string when(const std::string& text) {
  return show(at(text));
}

// The message of a parse failure ("" if it parsed).
std::string failure(const std::string& text) {
  auto s = Schedule::parse(text);
  if (s) return "";
  EXPECT_EQ(s.error().code, Errc::invalid_argument) << text;
  return s.error().message;
}

TEST(Cron, EveryMinuteAndStrictlyAfter) {
  EXPECT_EQ(next("* * * * *", "2024-05-10 12:00"), when("2024-05-10 12:01"));
  EXPECT_EQ(next("* * * * *", "2024-05-10 12:00:59"), when("2024-05-10 12:01"));
  EXPECT_EQ(next("* * * * *", "2024-05-10 11:59:01"), when("2024-05-10 12:00"));
  EXPECT_EQ(next("30 * * * *", "2024-05-10 12:30"), when("2024-05-10 13:30"));
  EXPECT_EQ(next("30 * * * *", "2024-05-10 12:29:59"), when("2024-05-10 12:30"));
}

TEST(Cron, FixedTimesRangesStepsAndLists) {
  EXPECT_EQ(next("0 3 * * *", "2024-05-10 02:59"), when("2024-05-10 03:00"));
  EXPECT_EQ(next("0 3 * * *", "2024-05-10 03:00"), when("2024-05-11 03:00"));
  EXPECT_EQ(next("*/15 * * * *", "2024-05-10 12:01"), when("2024-05-10 12:15"));
  EXPECT_EQ(next("*/15 * * * *", "2024-05-10 12:45"), when("2024-05-10 13:00"));
  EXPECT_EQ(next("10-20/5 * * * *", "2024-05-10 12:16"), when("2024-05-10 12:20"));
  EXPECT_EQ(next("10-20/5 * * * *", "2024-05-10 12:20"), when("2024-05-10 13:10"));
  EXPECT_EQ(next("5/20 * * * *", "2024-05-10 12:26"), when("2024-05-10 12:45"));
  EXPECT_EQ(next("0 8-10 * * *", "2024-05-10 10:00"), when("2024-05-11 08:00"));
  EXPECT_EQ(next("0,30 9,17 * * *", "2024-05-10 09:31"), when("2024-05-10 17:00"));
  EXPECT_EQ(next("0 0,12 1,15 * *", "2024-05-10 00:00"), when("2024-05-15 00:00"));
  EXPECT_EQ(next("1-3,50-52/2 * * * *", "2024-05-10 12:03"), when("2024-05-10 12:50"));
}

TEST(Cron, MonthAndYearBoundaries) {
  EXPECT_EQ(next("0 0 * * *", "2024-01-31 23:59"), when("2024-02-01 00:00"));
  EXPECT_EQ(next("59 23 31 12 *", "2024-12-31 23:59"), when("2025-12-31 23:59"));
  EXPECT_EQ(next("0 0 1 1 *", "2024-06-01 00:00"), when("2025-01-01 00:00"));
  EXPECT_EQ(next("* * * * *", "2023-12-31 23:59:30"), when("2024-01-01 00:00"));
  // Day 31 skips the months without one.
  EXPECT_EQ(next("0 12 31 * *", "2024-01-31 12:00"), when("2024-03-31 12:00"));
  EXPECT_EQ(next("0 12 31 * *", "2024-04-01 00:00"), when("2024-05-31 12:00"));
  // February 29 comes in leap years only.
  EXPECT_EQ(next("0 0 29 2 *", "2024-03-01 00:00"), when("2028-02-29 00:00"));
  EXPECT_EQ(next("0 0 29 2 *", "2096-03-01 00:00"), when("2104-02-29 00:00"));  // 2100 is not
  // A month list across the year's end.
  EXPECT_EQ(next("0 0 1 2,11 *", "2024-11-01 00:00"), when("2025-02-01 00:00"));
}

TEST(Cron, NamesAndWeekdays) {
  // 2024-05-10 is a Friday.
  EXPECT_EQ(next("0 9 * * mon-fri", "2024-05-10 09:00"), when("2024-05-13 09:00"));
  EXPECT_EQ(next("0 9 * * MON-FRI", "2024-05-10 08:00"), when("2024-05-10 09:00"));
  EXPECT_EQ(next("0 0 * * sun", "2024-05-10 00:00"), when("2024-05-12 00:00"));
  EXPECT_EQ(next("0 0 * * 0", "2024-05-10 00:00"), when("2024-05-12 00:00"));
  EXPECT_EQ(next("0 0 * * 7", "2024-05-10 00:00"), when("2024-05-12 00:00"));
  EXPECT_EQ(next("0 0 * * 5-7", "2024-05-11 00:00"), when("2024-05-12 00:00"));
  EXPECT_EQ(next("0 0 * * sat,sun", "2024-05-12 00:00"), when("2024-05-18 00:00"));
  EXPECT_EQ(next("0 0 1 jan,jul *", "2024-01-01 00:00"), when("2024-07-01 00:00"));
  EXPECT_EQ(next("0 0 1 Mar-may *", "2024-05-01 00:00"), when("2025-03-01 00:00"));
  EXPECT_EQ(next("0 0 * * */2", "2024-05-10 00:00"), when("2024-05-11 00:00"));  // sun,tue,..,sat
}

TEST(Cron, DayOfMonthOrDayOfWeekWhenBothRestricted) {
  // Both restricted: the 15th, or any Monday, whichever comes first.
  EXPECT_EQ(next("0 0 15 * mon", "2024-05-10 00:00"), when("2024-05-13 00:00"));
  EXPECT_EQ(next("0 0 15 * mon", "2024-05-13 00:00"), when("2024-05-15 00:00"));
  EXPECT_EQ(next("0 0 15 * mon", "2024-05-15 00:00"), when("2024-05-20 00:00"));
  // One of them '*': the other alone decides.
  EXPECT_EQ(next("0 0 * * mon", "2024-05-13 00:00"), when("2024-05-20 00:00"));
  EXPECT_EQ(next("0 0 15 * *", "2024-05-13 00:00"), when("2024-05-15 00:00"));
  // A field starting with '*' counts as unrestricted (Vixie cron): odd days that are Mondays.
  EXPECT_EQ(next("0 0 */2 * mon", "2024-05-10 00:00"), when("2024-05-13 00:00"));
  EXPECT_EQ(next("0 0 */2 * mon", "2024-05-13 00:00"), when("2024-05-27 00:00"));
  // Friday the 13th needs both, which the OR rule cannot express: fires on every 13th and
  // every Friday.
  EXPECT_EQ(next("0 0 13 * fri", "2024-05-10 00:00"), when("2024-05-13 00:00"));
}

TEST(Cron, Macros) {
  EXPECT_EQ(next("@hourly", "2024-05-10 12:00"), when("2024-05-10 13:00"));
  EXPECT_EQ(next("@daily", "2024-05-10 12:00"), when("2024-05-11 00:00"));
  EXPECT_EQ(next("@midnight", "2024-05-10 12:00"), when("2024-05-11 00:00"));
  EXPECT_EQ(next("@weekly", "2024-05-10 12:00"), when("2024-05-12 00:00"));
  EXPECT_EQ(next("@monthly", "2024-05-10 12:00"), when("2024-06-01 00:00"));
  EXPECT_EQ(next("@yearly", "2024-05-10 12:00"), when("2025-01-01 00:00"));
  EXPECT_EQ(next("@annually", "2024-05-10 12:00"), when("2025-01-01 00:00"));
  EXPECT_EQ(next("  @Daily ", "2024-05-10 12:00"), when("2024-05-11 00:00"));
}

TEST(Cron, Every) {
  auto s = parsed("@every 30s");
  EXPECT_EQ(s.next_after(0), 30);
  EXPECT_EQ(s.next_after(29), 30);
  EXPECT_EQ(s.next_after(30), 60);
  EXPECT_EQ(s.next_after(1'700'000'001), 1'700'000'010);
  EXPECT_EQ(parsed("@every 1s").next_after(41), 42);
  EXPECT_EQ(parsed("@every 1h30m").next_after(0), 5400);
  EXPECT_EQ(next("@every 6h", "2024-05-10 13:00"), when("2024-05-10 18:00"));
  EXPECT_EQ(next("@every 1d", "2024-05-10 13:00"), when("2024-05-11 00:00"));
  EXPECT_EQ(parsed("@every 30s").text(), "@every 30s");
}

TEST(Cron, KeepsItsText) {
  EXPECT_EQ(parsed(" 0 3 * * * ").text(), "0 3 * * *");
  EXPECT_EQ(parsed("0\t3 *  * *").text(), "0\t3 *  * *");
}

TEST(Cron, BadTextNamesTheField) {
  EXPECT_NE(failure(""), "");
  EXPECT_NE(failure("* * * *").find("expected 5 fields"), std::string::npos);
  EXPECT_NE(failure("* * * * * *").find("got 6"), std::string::npos);
  EXPECT_NE(failure("60 * * * *").find("minute field '60': 60 is out of range 0-59"),
            std::string::npos);
  EXPECT_NE(failure("* 24 * * *").find("hour field"), std::string::npos);
  EXPECT_NE(failure("* * 0 * *").find("day-of-month field '0'"), std::string::npos);
  EXPECT_NE(failure("* * 32 * *").find("day-of-month field"), std::string::npos);
  EXPECT_NE(failure("* * * 13 *").find("month field"), std::string::npos);
  EXPECT_NE(failure("* * * foo *").find("month field 'foo': 'foo' is not a number or a name"),
            std::string::npos);
  EXPECT_NE(failure("* * * * 8").find("day-of-week field"), std::string::npos);
  EXPECT_NE(failure("* * * * funday").find("day-of-week field"), std::string::npos);
  EXPECT_NE(failure("5-1 * * * *").find("minute field '5-1': range 5-1 goes backwards"),
            std::string::npos);
  EXPECT_NE(failure("*/0 * * * *").find("minute field '*/0': step"), std::string::npos);
  EXPECT_NE(failure("*/x * * * *").find("minute field"), std::string::npos);
  EXPECT_NE(failure("*/ * * * *").find("minute field"), std::string::npos);
  EXPECT_NE(failure("1,,2 * * * *").find("minute field '1,,2': an empty list item"),
            std::string::npos);
  EXPECT_NE(failure("1- * * * *").find("minute field"), std::string::npos);
  EXPECT_NE(failure("a * * * *").find("minute field 'a': 'a' is not a number"), std::string::npos);
  EXPECT_NE(failure("-1 * * * *").find("minute field"), std::string::npos);
  EXPECT_NE(failure("0 0 * * fri-mon").find("day-of-week field"), std::string::npos);
  EXPECT_NE(failure("0 0 30 2 *").find("never falls"), std::string::npos);
  EXPECT_NE(failure("0 0 31 4,6,9,11 *").find("never falls"), std::string::npos);
  EXPECT_EQ(failure("0 0 31 4,6,9,12 *"), "");
  EXPECT_NE(failure("@reboot").find("unknown @reboot"), std::string::npos);
  EXPECT_NE(failure("@daily 3").find("takes no argument"), std::string::npos);
  EXPECT_NE(failure("@every").find("@every needs a duration"), std::string::npos);
  EXPECT_NE(failure("@every soon").find("@every duration"), std::string::npos);
  EXPECT_NE(failure("@every 0s").find("@every"), std::string::npos);
  EXPECT_NE(failure("@every -5s").find("@every"), std::string::npos);
}

TEST(Cron, FarFutureAndBeforeTheEpoch) {
  EXPECT_EQ(next("0 0 1 1 *", "1969-06-01 00:00"), when("1970-01-01 00:00"));
  EXPECT_EQ(next("* * * * *", "1969-12-31 23:59"), when("1970-01-01 00:00"));
  EXPECT_EQ(next("0 0 * * thu", "1969-12-30 00:00"), when("1970-01-01 00:00"));
  EXPECT_EQ(next("0 0 29 2 *", "2399-03-01 00:00"), when("2400-02-29 00:00"));
}

}  // namespace
}  // namespace dbtwin::core
