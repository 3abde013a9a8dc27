#include "engine/dump_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include "os/files.h"
#include "os/process.h"
#include "support/temp_dir.h"

namespace dbtwin::engine {
namespace {

class DumpFileTest : public ::testing::Test {
 protected:
  fs::path write(const std::string& name, const std::string& content) {
    fs::path p = dir_ / name;
    EXPECT_TRUE(os::write_file(p, content).ok());
    return p;
  }
  // Compresses with the command line tool, as users' dumps are made.
  fs::path compressed(const std::string& tool, const fs::path& src, const std::string& name) {
    os::SpawnOptions opts;
    opts.argv = {tool, "-c", "-q", src.string()};
    auto out = os::run_checked(opts);
    EXPECT_TRUE(out.ok()) << out.error().message;
    return write(name, out.ok() ? *out : "");
  }
  // Streams the file into a scratch file and returns what arrived.
  Result<std::string> streamed(const fs::path& src, uint64_t* last_done = nullptr) {
    fs::path out = dir_ / "out.sql";
    auto fd = TRY(os::open_fd(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    TRY(stream_sql_file(src, fd.get(), [&](uint64_t done, uint64_t total) {
      EXPECT_LE(done, total);
      if (last_done) *last_done = done;
    }));
    return os::read_file(out);
  }

  test::TempDir dir_{"dbtwin-dump"};
  std::string sql_ = [] {
    std::string s = "CREATE TABLE t (id int);\n";
    for (int i = 0; i < 20000; ++i) s += "INSERT INTO t VALUES (" + std::to_string(i) + ");\n";
    return s;
  }();
};

TEST_F(DumpFileTest, SniffsByMagicNotName) {
  auto plain = write("dump.gz", sql_);  // a misleading name
  EXPECT_EQ(*sniff_dump(plain), DumpFormat::sql_plain);
  EXPECT_EQ(*sniff_dump(compressed("gzip", plain, "a")), DumpFormat::sql_gzip);
  EXPECT_EQ(*sniff_dump(compressed("zstd", plain, "b")), DumpFormat::sql_zstd);
  EXPECT_EQ(*sniff_dump(write("c", std::string("PGDMP\x01\x0e\x00", 8))), DumpFormat::pg_archive);
  EXPECT_EQ(*sniff_dump(write("empty", "")), DumpFormat::sql_plain);
  EXPECT_EQ(sniff_dump(write("bin", std::string("\x7f"
                                                "ELF\x02\x01\x00\x00",
                                                8)))
                .error()
                .code,
            Errc::invalid_argument);
  EXPECT_EQ(sniff_dump(dir_ / "absent").error().code, Errc::not_found);
}

TEST_F(DumpFileTest, StreamsPlainGzipAndZstd) {
  auto plain = write("dump.sql", sql_);
  for (const auto& file :
       {plain, compressed("gzip", plain, "d.gz"), compressed("zstd", plain, "d.zst")}) {
    uint64_t done = 0;
    auto got = streamed(file, &done);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(*got, sql_) << file;
    EXPECT_EQ(done, fs::file_size(file)) << file;
  }
  auto empty = streamed(write("empty.sql", ""));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

TEST_F(DumpFileTest, TruncatedArchiveIsInvalidArgument) {
  auto gz = compressed("gzip", write("dump.sql", sql_), "d.gz");
  auto bytes = os::read_file(gz);
  ASSERT_TRUE(bytes.ok());
  auto cut = write("cut.gz", bytes->substr(0, bytes->size() / 2));
  auto got = streamed(cut);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::invalid_argument);
  auto archive = write("x.dump", std::string("PGDMP\x01\x0e\x00", 8));
  EXPECT_EQ(streamed(archive).error().code, Errc::invalid_argument);
}

}  // namespace
}  // namespace dbtwin::engine

namespace dbtwin::engine {
namespace {

TEST(DumpFile, DetectsDumpsThatEnterTheirOwnDatabase) {
  EXPECT_TRUE(sql_switches_database(
      "DROP DATABASE IF EXISTS chinook;\nCREATE DATABASE chinook;\n\n\\c chinook;\n"));
  EXPECT_TRUE(sql_switches_database("CREATE DATABASE shop;\n  \\connect shop\nCREATE TABLE t();"));
  EXPECT_FALSE(sql_switches_database("CREATE TABLE t (note text DEFAULT '\\c x');\n"));
  EXPECT_FALSE(sql_switches_database("SET search_path = public;\nCOPY t FROM stdin;\n\\.\n"));
}

}  // namespace
}  // namespace dbtwin::engine
