#include "pipeline/frames.h"

#include <gtest/gtest.h>

#include "pipeline/bytes.h"
#include "unit/pipeline/pipeline_fakes.h"

namespace dbtwin::pipeline {
namespace {

using test::StringSink;
using test::StringSource;

DumpHeader two_tables() {
  DumpHeader h;
  h.database = "shop";
  for (uint32_t i = 0; i < 2; ++i) {
    TableInfo t;
    t.id = i;
    t.schema = "public";
    t.name = "t" + std::to_string(i);
    t.columns = {{"id", "integer", false, false, true}};
    h.tables.push_back(t);
  }
  return h;
}

std::string good_stream() {
  StringSink sink;
  FrameWriter w(sink);
  EXPECT_TRUE(w.header(two_tables()).ok());
  EXPECT_TRUE(w.pre_data("CREATE TABLE t0 (id int);").ok());
  EXPECT_TRUE(w.data(0, "1\n2\n").ok());
  EXPECT_TRUE(w.data(1, "7\n").ok());
  EXPECT_TRUE(w.table_done(1, 1).ok());
  EXPECT_TRUE(w.data(0, "3\n").ok());
  EXPECT_TRUE(w.table_done(0, 3).ok());
  EXPECT_TRUE(w.post_data("CREATE INDEX ON t0 (id);").ok());
  EXPECT_TRUE(w.end(2, 4).ok());
  return sink.data;
}

// Reads every frame; the error message or "" when the stream is good.
std::string read_all(std::string_view bytes, std::vector<Frame>* frames = nullptr) {
  StringSource src(bytes, 3);  // short reads everywhere
  FrameReader r(src);
  Frame f;
  for (;;) {
    auto more = r.next(f);
    if (!more.ok()) return more.error().message;
    if (!*more) return "";
    if (frames) frames->push_back(f);
  }
}

// A raw frame, for building bad streams by hand.
std::string frame(char type, std::string_view payload) {
  std::string out(1, type);
  put_u32(out, static_cast<uint32_t>(payload.size()));
  out.append(payload);
  return out;
}

std::string start() {
  std::string s(kStreamMagic);
  put_u32(s, kStreamVersion);
  return s + frame('H', header_to_json(two_tables()));
}

std::string data(uint32_t table, std::string_view lines) {
  std::string p;
  put_u32(p, table);
  return frame('D', p + std::string(lines));
}

std::string done(uint32_t table, uint64_t rows) {
  std::string p;
  put_u32(p, table);
  put_u64(p, rows);
  return frame('F', p);
}

std::string end(int tables, int rows) {
  return frame('Z', fmt::format("{{\"tables\":{},\"rows\":{}}}", tables, rows));
}

std::string both_done() {
  return done(0, 0) + done(1, 0);
}

TEST(Frames, RoundTrip) {
  std::vector<Frame> frames;
  ASSERT_EQ(read_all(good_stream(), &frames), "");
  ASSERT_EQ(frames.size(), 9u);
  EXPECT_EQ(frames[0].type, FrameType::header);
  EXPECT_EQ(frames[2].type, FrameType::data);
  EXPECT_EQ(frames[2].table, 0u);
  EXPECT_EQ(frames[2].text, "1\n2\n");
  EXPECT_EQ(frames[2].rows, 2u);
  EXPECT_EQ(frames[6].type, FrameType::table_done);
  EXPECT_EQ(frames[6].rows, 3u);
  EXPECT_EQ(frames[8].type, FrameType::end);
}

TEST(Frames, LongSqlIsSplitAndEmptyTablesWork) {
  StringSink sink;
  FrameWriter w(sink);
  std::string sql(3 * (1 << 20) + 5, 'x');
  ASSERT_TRUE(w.header(two_tables()).ok());
  ASSERT_TRUE(w.pre_data(sql).ok());
  ASSERT_TRUE(w.table_done(0, 0).ok());
  ASSERT_TRUE(w.table_done(1, 0).ok());
  ASSERT_TRUE(w.end(2, 0).ok());
  std::vector<Frame> frames;
  ASSERT_EQ(read_all(sink.data, &frames), "");
  std::string joined;
  for (auto& f : frames)
    if (f.type == FrameType::pre_data) joined += f.text;
  EXPECT_EQ(joined, sql);
}

TEST(Frames, WriterRefusesOversizedFrame) {
  StringSink sink;
  FrameWriter w(sink);
  ASSERT_TRUE(w.header(two_tables()).ok());
  EXPECT_FALSE(w.data(0, std::string(kMaxFramePayload, '\n')).ok());
}

struct BadCase {
  const char* name;
  std::string bytes;
  const char* expect;  // part of the message
};

TEST(Frames, RejectsEveryMalformedStream) {
  std::string magic(kStreamMagic);
  std::string v2 = magic;
  put_u32(v2, 2);
  std::string huge = start();
  huge.push_back('D');
  put_u32(huge, static_cast<uint32_t>(kMaxFramePayload + 1));
  std::string good = good_stream();
  std::vector<BadCase> cases = {
      {"empty", "", "DBTWSTRM magic"},
      {"bad magic", "XBTWSTRM\1\0\0\0", "DBTWSTRM magic"},
      {"version", v2, "version 2"},
      {"no header", magic + std::string("\1\0\0\0", 4) + both_done() + end(2, 0),
       "before the header"},
      {"two headers", start() + frame('H', header_to_json(two_tables())), "second header"},
      {"bad header json", magic + std::string("\1\0\0\0", 4) + frame('H', "{"), "header"},
      {"unknown type", start() + frame('Q', ""), "unknown frame type"},
      {"oversized", huge, "16 MiB"},
      {"pre after data", start() + data(0, "1\n") + frame('S', "x"), "after the rows"},
      {"data after post", start() + both_done() + frame('P', "x") + data(0, "1\n"),
       "after post-data"},
      {"post before done", start() + done(0, 0) + frame('P', "x"), "before table public.t1"},
      {"unknown table", start() + data(9, "1\n"), "unknown table id 9"},
      {"unknown table F", start() + done(5, 0), "unknown table id 5"},
      {"data after F", start() + done(0, 0) + data(0, "1\n"), "after its end"},
      {"F twice", start() + done(0, 0) + done(0, 0), "after its end"},
      {"partial row", start() + data(0, "1\n2"), "partial row"},
      {"count mismatch", start() + data(0, "1\n2\n") + done(0, 1), "holds 2"},
      {"short F", start() + frame('F', "abc"), "too short"},
      {"end before done", start() + done(0, 0) + end(1, 0), "before table public.t1"},
      {"end counts", start() + both_done() + end(2, 7), "end frame counts"},
      {"end not json", start() + both_done() + frame('Z', "nope"), "end frame is not"},
      {"after end", start() + both_done() + end(2, 0) + frame('P', ""), "follows the end"},
      {"truncated no Z", good.substr(0, good.size() - end(2, 4).size()), "no end frame"},
      {"truncated in frame", good.substr(0, good.size() - 3), "truncated"},
      {"truncated in head", start() + "D\1", "truncated"},
  };
  for (const auto& c : cases) {
    std::string msg = read_all(c.bytes);
    EXPECT_NE(msg.find(c.expect), std::string::npos) << c.name << ": " << msg;
    EXPECT_FALSE(msg.empty()) << c.name;
  }
}

}  // namespace
}  // namespace dbtwin::pipeline
