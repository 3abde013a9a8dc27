#include <gtest/gtest.h>

#include <atomic>

#include "pipeline/chunk_writer.h"
#include "pipeline/dump_reader.h"
#include "pipeline/dump_writer.h"
#include "support/temp_dir.h"
#include "unit/pipeline/memory_store.h"
#include "unit/pipeline/pipeline_fakes.h"

namespace dbtwin::pipeline {
namespace {

using test::FakeSource;
using test::FakeTarget;
using test::MemoryStore;

// Upper-cases ASCII letters: a mask that keeps one line per row.
class UpperCase : public RowTransform {
 public:
  Status apply(std::string_view lines, std::string& out) const override {
    for (char c : lines) out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
    ++calls;
    return {};
  }
  mutable std::atomic<int> calls{0};
};

class DropsRows : public RowTransform {
 public:
  Status apply(std::string_view, std::string& out) const override {
    out += "x\n";
    return {};
  }
};

class Fails : public RowTransform {
 public:
  Status apply(std::string_view, std::string&) const override {
    return err(Errc::invalid_argument, "rule broke");
  }
};

std::string upper(std::string s) {
  for (auto& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
  return s;
}

TEST(DumpRoundTrip, RowsSchemaAndCountsSurvive) {
  test::TempDir dir;
  ASSERT_TRUE(generate_key_file(dir / "k").ok());
  for (int threads : {1, 3}) {
    FakeSource src(5, 3000, 700, 42, threads);  // ~5 MB with lines up to 700 bytes
    std::vector<std::unique_ptr<RowTransform>> transforms(5);
    auto* mask = new UpperCase;
    transforms[2].reset(mask);
    MemoryStore store;
    SealOptions seal;
    seal.chunk_bytes = 1u << 20;
    seal.block_bytes = 256u << 10;
    seal.key = {KeySource::Kind::key_file, dir / "k", ""};
    uint64_t last_done = 0, total = 0;
    auto stats = write_dump(src, {}, transforms, store, "dump-1", seal,
                            [&](uint64_t d, uint64_t t, uint64_t) {
                              EXPECT_GE(d, last_done);
                              last_done = d;
                              total = t;
                            });
    ASSERT_TRUE(stats.ok()) << stats.error().message;
    EXPECT_EQ(stats->rows, 15000u);
    EXPECT_EQ(stats->tables, 5u);
    EXPECT_GT(stats->seal.chunks.size(), 2u);
    EXPECT_EQ(last_done, total);
    EXPECT_GT(mask->calls.load(), 1);

    FakeTarget target;
    uint64_t progress_rows = 0;
    auto back = read_dump(store, "dump-1", stats->seal.chunks, seal.key, target,
                          [&](uint64_t, uint64_t, uint64_t rows) { progress_rows = rows; });
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->rows, 15000u);
    EXPECT_EQ(back->tables, 5u);
    EXPECT_EQ(back->stored_bytes, stats->stored_bytes);
    EXPECT_EQ(progress_rows, 15000u);
    EXPECT_TRUE(target.finished);
    EXPECT_FALSE(target.aborted);
    EXPECT_EQ(target.begins, 1);
    EXPECT_EQ(target.header.database, "shop");
    ASSERT_EQ(target.header.tables.size(), 5u);
    EXPECT_EQ(target.pre_data, src.plan().pre_data);
    EXPECT_EQ(target.post_data, src.plan().post_data);
    for (uint32_t t = 0; t < 5; ++t) {
      std::string want = t == 2 ? upper(src.rows_of(t)) : src.rows_of(t);
      EXPECT_TRUE(target.rows_by_table[t] == want) << "table " << t;
      EXPECT_EQ(target.done[t], 3000u);
    }
  }
}

TEST(DumpRoundTrip, EmptySourceStillMakesAValidDump) {
  FakeSource src(0, 0, 0, 1);
  MemoryStore store;
  auto stats = write_dump(src, {}, {}, store, "e", SealOptions{}, nullptr);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  EXPECT_EQ(stats->seal.chunks.size(), 1u);
  FakeTarget target;
  auto back = read_dump(store, "e", stats->seal.chunks, KeySource{}, target, nullptr);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(target.finished);
  EXPECT_EQ(target.begins, 1);
}

TEST(DumpRoundTrip, LongRowsAreSplitIntoFramesAtLineEnds) {
  FakeSource src(1, 40, 200000, 3);  // rows up to 200 KB: batches well over 1 MiB
  MemoryStore store;
  auto stats = write_dump(src, {}, {}, store, "l", SealOptions{}, nullptr);
  ASSERT_TRUE(stats.ok()) << stats.error().message;
  FakeTarget target;
  ASSERT_TRUE(read_dump(store, "l", stats->seal.chunks, KeySource{}, target, nullptr).ok());
  EXPECT_TRUE(target.rows_by_table[0] == src.rows_of(0));
}

TEST(DumpRoundTrip, TransformErrorsStopTheDumpAndLeaveNoChunks) {
  FakeSource src(3, 2000, 100, 7, 2);
  std::vector<std::unique_ptr<RowTransform>> transforms(3);
  transforms[1] = std::make_unique<Fails>();
  MemoryStore store;
  SealOptions seal;
  seal.chunk_bytes = 10000;
  auto stats = write_dump(src, {}, transforms, store, "f", seal, nullptr);
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.error().message.find("masking public.t1: rule broke"), std::string::npos)
      << stats.error().message;
  EXPECT_TRUE(store.keys().empty());

  transforms[1] = std::make_unique<DropsRows>();
  stats = write_dump(src, {}, transforms, store, "f", seal, nullptr);
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.error().message.find("after masking"), std::string::npos);
  EXPECT_TRUE(store.keys().empty());
}

TEST(DumpRoundTrip, FullStoreFailsCleanly) {
  FakeSource src(2, 5000, 300, 8);
  MemoryStore store(MemoryStore::Options{false, 200000});
  SealOptions seal;
  seal.chunk_bytes = 50000;
  seal.compress = false;
  auto stats = write_dump(src, {}, {}, store, "full", seal, nullptr);
  ASSERT_FALSE(stats.ok());
  EXPECT_EQ(stats.error().code, Errc::no_space);
  EXPECT_TRUE(store.keys().empty());
}

TEST(DumpRoundTrip, RestoreErrorsAbortTheTarget) {
  test::TempDir dir;
  ASSERT_TRUE(generate_key_file(dir / "k").ok());
  ASSERT_TRUE(generate_key_file(dir / "other").ok());
  FakeSource src(2, 3000, 200, 9);
  MemoryStore store;
  SealOptions seal;
  seal.chunk_bytes = 20000;
  seal.block_bytes = 8192;
  seal.compress = false;
  seal.key = {KeySource::Kind::key_file, dir / "k", ""};
  auto stats = write_dump(src, {}, {}, store, "r", seal, nullptr);
  ASSERT_TRUE(stats.ok());
  const auto& chunks = stats->seal.chunks;
  ASSERT_GE(chunks.size(), 3u);

  {  // wrong key: refused before the target sees anything
    FakeTarget target;
    auto r = read_dump(store, "r", chunks, {KeySource::Kind::key_file, dir / "other", ""}, target,
                       nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "wrong key for dump r");
    EXPECT_EQ(target.begins, 0);
    EXPECT_TRUE(target.aborted);
  }
  {  // the target fails
    FakeTarget target;
    target.fail_rows = true;
    auto r = read_dump(store, "r", chunks, seal.key, target, nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::engine);
    EXPECT_TRUE(target.aborted);
    EXPECT_FALSE(target.finished);
  }
  {  // the last chunk is damaged: rows may have arrived, but finish() never runs
    auto& obj = store.objects()["r/" + chunks.back().key];
    obj[obj.size() - 3] ^= 4;
    FakeTarget target;
    auto r = read_dump(store, "r", chunks, seal.key, target, nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(target.aborted);
    EXPECT_FALSE(target.finished);
    obj[obj.size() - 3] ^= 4;
  }
  {  // a chunk missing: refused up front
    store.objects().erase("r/" + chunks[1].key);
    FakeTarget target;
    auto r = read_dump(store, "r", chunks, seal.key, target, nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message, "dump r is truncated: chunk 1 missing");
    EXPECT_EQ(target.begins, 0);
  }
}

TEST(DumpModel, HeaderJsonRoundTripAndChecks) {
  DumpHeader h;
  h.kind = engine::Kind::mariadb;
  h.row_format = RowFormat::mysql_load_text;
  h.server_version = "10.11.6-MariaDB";
  h.database = "sakila";
  h.created_at_ms = 1700000000123;
  TableInfo t;
  t.schema = "sakila";
  t.name = "Actor \"x\"";
  t.columns = {{"id", "smallint", false, false, true}, {"pic", "blob", true, true, false}};
  t.primary_key = {"id"};
  t.estimated_bytes = 99;
  h.tables.push_back(t);
  auto back = header_from_json(header_to_json(h));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->kind, engine::Kind::mariadb);
  EXPECT_EQ(back->row_format, RowFormat::mysql_load_text);
  EXPECT_EQ(back->created_at_ms, h.created_at_ms);
  ASSERT_EQ(back->tables.size(), 1u);
  EXPECT_EQ(back->tables[0].name, t.name);
  EXPECT_TRUE(back->tables[0].columns[1].binary);
  EXPECT_EQ(back->tables[0].estimated_bytes, 99u);

  EXPECT_FALSE(header_from_json("[]").ok());
  EXPECT_FALSE(header_from_json("{\"format_version\":1}").ok());
  h.tables[0].id = 3;
  EXPECT_FALSE(header_from_json(header_to_json(h)).ok());
  h.tables[0].id = 0;
  h.format_version = 2;
  auto v2 = header_from_json(header_to_json(h));
  ASSERT_FALSE(v2.ok());
  EXPECT_NE(v2.error().message.find("version 2"), std::string::npos);
  EXPECT_EQ(parse_row_format(row_format_name(RowFormat::pg_copy_text)).value(),
            RowFormat::pg_copy_text);
  EXPECT_FALSE(parse_row_format("csv").ok());
}

TEST(DumpModel, OpenDispatchRefusesUnknownSchemes) {
  SourceOptions s;
  s.url = "oracle://u:secret@h/db";
  auto src = open_source(s);
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.error().code, Errc::invalid_argument);
  EXPECT_EQ(src.error().message.find("secret"), std::string::npos);
  RestoreOptions r;
  r.url = "file:///x";
  EXPECT_FALSE(open_target(r).ok());
}

}  // namespace
}  // namespace dbtwin::pipeline
