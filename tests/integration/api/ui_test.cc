// The operator's web page (/ui/) driven in headless Chromium against a real daemon: a small
// PostgreSQL template made with the CLI, then tests/ui/ui_test.mjs creates, copies, resets and
// destroys a clone through the page's buttons and takes a screenshot, which is checked here.
// Needs the Debian `chromium`, Node and npm's puppeteer-core (scripts/install-ui-test-deps.sh).
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <optional>

#include "os/process.h"
#include "support/cli_matrix.h"
#include "support/daemon.h"

namespace dbtwin {
namespace {

namespace fs = std::filesystem;

// Where scripts/install-ui-test-deps.sh puts puppeteer-core.
fs::path node_modules() {
  const char* dir = std::getenv("DBTWIN_NODE_DIR");
  return fs::path(dir && *dir ? dir : "/var/cache/dbtwin/node") / "node_modules";
}

struct Png {
  uint32_t width = 0;
  uint32_t height = 0;
};

// The size from a PNG's IHDR chunk, or nullopt if the bytes are not a PNG.
std::optional<Png> png_size(const std::string& bytes) {
  static const std::string kSignature = "\x89PNG\r\n\x1a\n";
  if (bytes.size() < 24 || bytes.compare(0, 8, kSignature) != 0 ||
      bytes.compare(12, 4, "IHDR") != 0) {
    return std::nullopt;
  }
  auto be32 = [&](size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  return Png{be32(16), be32(20)};
}

class UiPage : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::have_program("chromium")) {
      GTEST_SKIP() << "chromium is not installed (Debian package `chromium`; "
                      "scripts/install-deps.sh installs it)";
    }
    if (!test::have_program("node")) GTEST_SKIP() << "node is not installed (Debian `nodejs`)";
    if (!fs::exists(node_modules() / "puppeteer-core" / "package.json")) {
      GTEST_SKIP() << "puppeteer-core is not in " << node_modules()
                   << " (run scripts/install-ui-test-deps.sh)";
    }
    std::string why;
    world_ = test::CliWorld::make(test::pool_case("copy"), &why);
    if (!world_) GTEST_SKIP() << why;
    auto t = world_->create_template("t1", "postgres", {"--empty"});
    ASSERT_EQ(t.value("state", ""), "ready") << t.dump();
  }

  void TearDown() override {
    if (world_) world_->tear_down();
  }

  // Runs the browser script against a fresh daemon and checks its screenshot.
  void drive_page(const std::vector<std::string>& daemon_env,
                  const std::vector<std::string>& script_args) {
    auto daemon = test::Daemon::start(world_->cli(), daemon_env);
    ASSERT_TRUE(daemon);

    const fs::path shot = world_->scratch() / "ui.png";
    os::SpawnOptions opts;
    const std::string script = std::string(DBTWIN_SOURCE_DIR) + "/tests/ui/ui_test.mjs";
    opts.argv = {"node", script, daemon->url(), "t1", shot.string(), "--clone", "ui-clone"};
    opts.argv.insert(opts.argv.end(), script_args.begin(), script_args.end());
    opts.env = {"NODE_PATH=" + node_modules().string()};
    auto ran = os::run(opts);
    ASSERT_TRUE(ran.ok()) << ran.error().message;
    EXPECT_EQ(ran->exit_code, 0) << "ui_test.mjs failed\nstdout:\n"
                                 << ran->out << "\nstderr:\n"
                                 << ran->err << "\ndaemon log:\n"
                                 << daemon->log();
    std::cout << ran->out;
    keep(shot, "");
    keep(fs::path(shot.string() + ".failure.png"), "-failure");

    ASSERT_TRUE(fs::exists(shot)) << "no screenshot at " << shot;
    const std::string bytes = test::read_text(shot);
    auto png = png_size(bytes);
    ASSERT_TRUE(png.has_value()) << shot << " is not a PNG";
    EXPECT_GE(png->width, 800u);
    EXPECT_GE(png->height, 300u);
    // A page of tables and text compresses to tens of kilobytes; a blank one to a few hundred
    // bytes.
    EXPECT_GT(bytes.size(), 10'000u) << "a suspiciously small screenshot";

    // The page destroyed its clone through the daemon; the CLI agrees.
    for (const auto& c : world_->cli().ok_json({"clone", "list"})) EXPECT_NE(c["name"], "ui-clone");
    EXPECT_EQ(daemon->stop(), 0) << daemon->log();
  }

  // Copies a screenshot, if there is one, beside the test's working folder (the scratch folder
  // goes at the end) for a person to look at.
  static void keep(const fs::path& shot, const std::string& suffix) {
    if (!fs::exists(shot)) return;
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    const fs::path kept = fs::current_path() / ("ui-" + test + suffix + ".png");
    std::error_code ec;
    fs::copy_file(shot, kept, fs::copy_options::overwrite_existing, ec);
    if (!ec) std::cout << "screenshot: " << kept.string() << "\n";
  }

  std::unique_ptr<test::CliWorld> world_;
};

TEST_F(UiPage, CreatesCopiesResetsAndDestroysAClone) {
  drive_page({}, {});
}

TEST_F(UiPage, AsksForTheTokenTheDaemonRequires) {
  // The page itself is public; the API answers 401 until the page sends the token typed in.
  drive_page({"DBTWIN_API_TOKEN=ui-test-token-0123456789"},
             {"--token", "ui-test-token-0123456789"});
}

}  // namespace
}  // namespace dbtwin
