#include <gtest/gtest.h>

#include <cerrno>

#include "base/result.h"
#include "base/scope_guard.h"

namespace dbtwin {
namespace {

Result<int> half(int x) {
  if (x % 2 != 0) return err(Errc::invalid_argument, "{} is odd", x);
  return x / 2;
}

Result<int> quarter(int x) {
  return half(TRY(half(x)));
}

Status check_quarter(int x) {
  int q = TRY_CTX(quarter(x), fmt::format("quartering {}", x));
  if (q < 0) return err(Errc::invalid_argument, "negative");
  return {};
}

TEST(Result, TryPropagatesAndNests) {
  EXPECT_EQ(*quarter(12), 3);
  auto bad = quarter(6);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "3 is odd");
  auto ctx = check_quarter(6);
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().message, "quartering 6: 3 is odd");
  EXPECT_TRUE(check_quarter(8).ok());
}

TEST(Result, ErrnoMapsToCodes) {
  EXPECT_EQ(errno_error("x", ENOSPC).code, Errc::no_space);
  EXPECT_EQ(errno_error("x", ENOENT).code, Errc::not_found);
  EXPECT_EQ(errno_error("x", EEXIST).code, Errc::already_exists);
  auto e = errno_error("opening /nope", ENOENT);
  EXPECT_EQ(e.sys_errno, ENOENT);
  EXPECT_NE(e.message.find("opening /nope"), std::string::npos);
}

TEST(Result, ErrcNamesParseBack) {
  for (int i = 0; i <= static_cast<int>(Errc::internal); ++i) {
    auto code = static_cast<Errc>(i);
    EXPECT_EQ(parse_errc(errc_name(code)), code) << errc_name(code);
  }
  EXPECT_EQ(parse_errc("no_such_code"), std::nullopt);
  EXPECT_EQ(parse_errc(""), std::nullopt);
  EXPECT_EQ(parse_errc("NOT_FOUND"), std::nullopt);  // names are exact
}

TEST(Undo, RunsStepsNewestFirstUnlessCommitted) {
  std::string trail;
  {
    Undo undo;
    undo.push([&] { trail += "1"; });
    undo.push([&] { trail += "2"; });
  }
  EXPECT_EQ(trail, "21");
  trail.clear();
  {
    Undo undo;
    undo.push([&] { trail += "1"; });
    undo.commit();
  }
  EXPECT_EQ(trail, "");
  {
    ScopeGuard g([&] { trail += "g"; });
    g.dismiss();
  }
  EXPECT_EQ(trail, "");
}

}  // namespace
}  // namespace dbtwin
