// Bad input through the real CLI: names, unknown templates and clones, missing engine binaries,
// dumps that fail to import, a full port range. Each gives one clear error and its exit code
// (2 bad input, 3 unknown, 5 unavailable, 6 engine), and leaves nothing behind.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/strings.h"
#include "failure_support.h"

namespace dbtwin::test::failure {
namespace {

// The number of "dbtwin: error:" lines: one clear error, not a cascade.
int error_lines(const std::string& err) {
  int n = 0;
  for (const auto& line : split(err, '\n')) n += starts_with(line, "dbtwin: error:") ? 1 : 0;
  return n;
}

std::string lowercase(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

class FailureInput : public CopyInstallTest {};

TEST_F(FailureInput, BadNamesAreRefusedForTemplatesAndClones) {
  auto t = inst_->template_from_sql("shop", "postgres", items_sql(10));
  ASSERT_EQ(t.value("state", ""), "ready") << t.dump();
  fs::path pwned = inst_->scratch() / "pwned";
  const std::vector<std::string> bad = {
      "../x",
      "a b",
      "a;b",
      "A",
      "",
      std::string(64, 'a'),
      "x/y",
      "a$(id)",
      "a;touch " + pwned.string(),
      "a`touch " + pwned.string() + "`",
  };
  for (const auto& name : bad) {
    SCOPED_TRACE("name '" + name + "'");
    auto tc = inst_->run({"template", "create", name, "--engine", "postgres", "--empty"});
    EXPECT_EQ(tc.exit_code, 2) << tc.err;
    EXPECT_EQ(error_lines(tc.err), 1) << tc.err;
    EXPECT_NE(lowercase(tc.err).find("name"), std::string::npos) << tc.err;
    auto cc = inst_->run({"clone", "create", "shop", name});
    EXPECT_EQ(cc.exit_code, 2) << cc.err;
    EXPECT_EQ(error_lines(cc.err), 1) << cc.err;
    EXPECT_NE(cc.err.find("invalid clone name"), std::string::npos) << cc.err;
    // The other places a name goes in.
    if (!name.empty()) {  // an empty --from-clone is no --from-clone
      auto from = inst_->run({"clone", "create", "shop", "ok1", "--from-clone", name});
      EXPECT_EQ(from.exit_code, 2) << from.err;
    }
    auto freeze = inst_->run({"template", "create", "ok2", "--from-clone", name});
    EXPECT_EQ(freeze.exit_code, 2) << freeze.err;
    for (const char* cmd : {"show", "destroy", "reset", "start", "stop"}) {
      auto r = inst_->run({"clone", cmd, name});
      EXPECT_EQ(r.exit_code, 2) << "clone " << cmd << ": " << r.err;
    }
  }
  // A leading dash is an unknown option to the parser, and after `--` an invalid name.
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"template", "create", "-x", "--empty"},
                                             {"clone", "create", "shop", "-x"},
                                             {"template", "create", "--empty", "--", "-x"},
                                             {"clone", "create", "shop", "--", "-x"}}) {
    auto r = inst_->run(args);
    EXPECT_EQ(r.exit_code, 2) << fmt::format("{}", fmt::join(args, " ")) << ": " << r.err;
    EXPECT_NE(r.err.find("-x"), std::string::npos) << r.err;
  }
  // No shell ever saw a name.
  EXPECT_FALSE(file_exists(pwned));
  // 63 characters is the longest name, and fine.
  std::string longest(63, 'b');
  auto c = inst_->clone("shop", longest);
  EXPECT_EQ(c.value("name", ""), longest) << c.dump();
  expect_nothing_leaked(*inst_, {{"shop"}, {longest}});
}

TEST_F(FailureInput, UnknownTemplateOrCloneIsExit3) {
  auto t = inst_->template_from_sql("shop", "postgres", items_sql(10));
  ASSERT_EQ(t.value("state", ""), "ready") << t.dump();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"clone", "create", "nope"}, "no template named 'nope'"},
      {{"clone", "create", "nope", "c1"}, "no template named 'nope'"},
      {{"clone", "create", "shop", "c1", "--from-clone", "nope"}, "no clone named 'nope'"},
      {{"clone", "create", "shop", "c1", "--snapshot", "999"}, "no snapshot 999"},
      {{"clone", "show", "nope"}, "no clone named 'nope'"},
      {{"clone", "destroy", "nope"}, "no clone named 'nope'"},
      {{"clone", "reset", "nope"}, "no clone named 'nope'"},
      {{"clone", "start", "nope"}, "no clone named 'nope'"},
      {{"clone", "stop", "nope"}, "no clone named 'nope'"},
      {{"clone", "protect", "nope"}, "no clone named 'nope'"},
      {{"clone", "list", "--template", "nope"}, ""},
      {{"template", "show", "nope"}, "no template named 'nope'"},
      {{"template", "refresh", "nope"}, "no template named 'nope'"},
      {{"template", "delete", "nope"}, "no template named 'nope'"},
      {{"template", "create", "t2", "--from-clone", "nope"}, "no clone named 'nope'"},
  };
  for (const auto& [args, message] : cases) {
    std::string what = fmt::format("{}", fmt::join(args, " "));
    auto r = inst_->run(args);
    if (message.empty()) {
      // Listing clones of an unknown template is an empty list, not an error.
      EXPECT_EQ(r.exit_code, 0) << what << ": " << r.err;
      continue;
    }
    EXPECT_EQ(r.exit_code, 3) << what << ": " << r.err;
    EXPECT_EQ(error_lines(r.err), 1) << what << ": " << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << what << ": " << r.err;
  }
  // --json turns the same error into JSON on stderr.
  auto j = inst_->run({"--json", "clone", "show", "nope"});
  EXPECT_EQ(j.exit_code, 3);
  auto parsed = nlohmann::json::parse(j.err, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << j.err;
  EXPECT_EQ(parsed["error"].value("code", ""), "not_found") << j.err;
  expect_nothing_leaked(*inst_, {{"shop"}, {}});
}

TEST_F(FailureInput, MissingEngineBinaryIsExit5) {
  auto t = inst_->template_from_sql("shop", "postgres", items_sql(10));
  ASSERT_EQ(t.value("state", ""), "ready") << t.dump();
  fs::path empty_bin = inst_->scratch() / "empty-bin";
  fs::create_directories(empty_bin);
  write_text(inst_->scratch() / "m.sql", items_sql(5));

  struct Case {
    std::vector<std::string> args;
    std::string env;
    std::string program;
  };
  const std::vector<Case> cases = {
      {{"template", "create", "p1", "--engine", "postgres", "--empty"},
       "DBTWIN_PG_BINDIR=/nonexistent",
       "initdb"},
      {{"clone", "create", "shop", "c1"}, "DBTWIN_PG_BINDIR=/nonexistent", "initdb"},
      {{"template", "create", "m1", "--engine", "mariadb", "--from-dump",
        (inst_->scratch() / "m.sql").string()},
       "DBTWIN_MARIADB_BINDIR=" + empty_bin.string(),
       "mariadbd"},
  };
  for (const auto& c : cases) {
    std::string what = fmt::format("{} with {}", fmt::join(c.args, " "), c.env);
    auto r = inst_->run(c.args, {c.env});
    EXPECT_EQ(r.exit_code, 5) << what << ": " << r.err;
    EXPECT_EQ(error_lines(r.err), 1) << what << ": " << r.err;
    EXPECT_NE(r.err.find(c.program + " is not installed"), std::string::npos)
        << what << ": " << r.err;
  }
  expect_nothing_leaked(*inst_, {{"shop"}, {}});
}

TEST_F(FailureInput, PortRangeExhaustedIsExit5) {
  auto t = inst_->template_from_sql("shop", "postgres", items_sql(10));
  ASSERT_EQ(t.value("state", ""), "ready") << t.dump();
  // Two ports only, from the top of this test's own range (other tests start at the bottom).
  int lo = inst_->port_lo() + 90;
  std::string range = fmt::format("{}-{}", lo, lo + 1);
  for (const char* name : {"c1", "c2"}) {
    auto r = inst_->run({"--port-range", range, "--json", "clone", "create", "shop", name});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  auto third = inst_->run({"--port-range", range, "clone", "create", "shop", "c3"});
  EXPECT_EQ(third.exit_code, 5) << third.err;
  EXPECT_EQ(error_lines(third.err), 1) << third.err;
  EXPECT_NE(third.err.find("no free port"), std::string::npos) << third.err;
  expect_nothing_leaked(*inst_, {{"shop"}, {"c1", "c2"}});
  // A port given back is taken again.
  ASSERT_EQ(inst_->run({"clone", "destroy", "c1"}).exit_code, 0);
  auto again = inst_->run({"--port-range", range, "--json", "clone", "create", "shop", "c3"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  expect_nothing_leaked(*inst_, {{"shop"}, {"c2", "c3"}});
}

class FailureDump : public FailureInput, public ::testing::WithParamInterface<std::string> {};

TEST_P(FailureDump, DumpThatFailsToImportIsExit6AndTheTemplateIsRemoved) {
  const std::string engine = GetParam();
  auto base = inst_->template_from_sql("base", engine, items_sql(5));
  ASSERT_EQ(base.value("state", ""), "ready") << base.dump();
  // A syntax error mid-file, after statements that worked.
  fs::path dump = inst_->scratch() / "broken.sql";
  write_text(dump, items_sql(2000) + "CREATE TABLE broken (id INT;\n" +
                       "INSERT INTO items VALUES (99999, 'late');\n");
  auto r = inst_->run(
      {"template", "create", "broken", "--engine", engine, "--from-dump", dump.string()});
  EXPECT_EQ(r.exit_code, 6) << r.err;
  // The engine's own words, with where it failed.
  if (engine == "postgres") {
    EXPECT_NE(r.err.find("syntax error at or near"), std::string::npos) << r.err;
  } else {
    EXPECT_NE(r.err.find("ERROR 1064"), std::string::npos) << r.err;
  }
  EXPECT_NE(r.err.find("template 'broken'"), std::string::npos) << r.err;
  expect_nothing_leaked(*inst_, {{"base"}, {}});

  // A binary file is refused before anything is created.
  fs::path binary = inst_->scratch() / "binary.sql";
  std::string bytes(4096, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>((i * 131 + 7) % 256);
  write_text(binary, bytes);
  auto b =
      inst_->run({"template", "create", "bin", "--engine", engine, "--from-dump", binary.string()});
  EXPECT_EQ(b.exit_code, 2) << b.err;
  EXPECT_EQ(error_lines(b.err), 1) << b.err;
  EXPECT_NE(b.err.find("binary.sql"), std::string::npos) << b.err;
  // And a dump that is not there.
  auto m = inst_->run({"template", "create", "gone", "--engine", engine, "--from-dump",
                       (inst_->scratch() / "missing.sql").string()});
  EXPECT_EQ(m.exit_code, 3) << m.err;
  expect_nothing_leaked(*inst_, {{"base"}, {}});
}

INSTANTIATE_TEST_SUITE_P(Engines, FailureDump, ::testing::Values("postgres", "mariadb"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace dbtwin::test::failure
