#include "store_checks.h"

#include <gtest/gtest.h>

#include <random>

namespace dbtwin::test {

std::string read_all(pipeline::ObjectStore& store, const std::string& key) {
  auto src = store.open(key);
  EXPECT_TRUE(src.ok()) << (src.ok() ? "" : src.error().message);
  if (!src.ok()) return {};
  std::string out;
  std::string buf(100000, '\0');
  for (;;) {
    auto n = (*src)->read(buf.data(), buf.size());
    EXPECT_TRUE(n.ok()) << (n.ok() ? "" : n.error().message);
    if (!n.ok() || *n == 0) break;
    out.append(buf.data(), *n);
  }
  return out;
}

void write_in_pieces(pipeline::ObjectStore& store, const std::string& key, const std::string& data,
                     size_t piece) {
  auto w = store.create(key);
  ASSERT_TRUE(w.ok()) << w.error().message;
  for (size_t off = 0; off < data.size(); off += piece) {
    auto s = (*w)->write(std::string_view(data).substr(off, piece));
    ASSERT_TRUE(s.ok()) << s.error().message;
  }
  auto c = (*w)->commit();
  ASSERT_TRUE(c.ok()) << c.error().message;
}

std::string pattern_bytes(size_t size, unsigned seed) {
  std::mt19937 rng(seed);
  std::string out(size, '\0');
  for (auto& c : out) c = static_cast<char>(rng());
  return out;
}

void check_small_objects(pipeline::ObjectStore& store) {
  write_in_pieces(store, "small/one", "hello, bridge", 4);
  EXPECT_EQ(read_all(store, "small/one"), "hello, bridge");
  write_in_pieces(store, "small/empty", "", 1);
  EXPECT_EQ(read_all(store, "small/empty"), "");
  auto got = store.get("small/one");
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(**got, "hello, bridge");
}

void check_big_object(pipeline::ObjectStore& store, size_t size) {
  std::string data = pattern_bytes(size, 7);
  write_in_pieces(store, "big/object", data, 1 << 20);
  std::string back = read_all(store, "big/object");
  EXPECT_EQ(back.size(), data.size());
  EXPECT_TRUE(back == data) << "the object read back differs";
  auto listed = store.list("big/");
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].size, size);
}

void check_list_paginates(pipeline::ObjectStore& store) {
  for (int i = 4; i >= 0; --i) ASSERT_TRUE(store.put("page/obj-" + std::to_string(i), "x").ok());
  ASSERT_TRUE(store.put("pager/other", "y").ok());
  auto listed = store.list("page/");
  ASSERT_TRUE(listed.ok()) << listed.error().message;
  ASSERT_EQ(listed->size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ((*listed)[i].key, "page/obj-" + std::to_string(i));
    EXPECT_EQ((*listed)[i].size, 1u);
  }
  auto all = store.list("");
  ASSERT_TRUE(all.ok());
  EXPECT_GE(all->size(), 6u);
}

void check_missing_and_remove(pipeline::ObjectStore& store) {
  auto missing = store.open("nothing/here");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found) << missing.error().message;
  auto got = store.get("nothing/here");
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_FALSE(got->has_value());
  ASSERT_TRUE(store.put("gone/soon", "bye").ok());
  ASSERT_TRUE(store.remove("gone/soon").ok());
  EXPECT_FALSE(store.get("gone/soon")->has_value());
  EXPECT_TRUE(store.remove("gone/soon").ok()) << "removing an absent key is not an error";
}

void check_put_replaces(pipeline::ObjectStore& store) {
  ASSERT_TRUE(store.put("meta/index.json", "first").ok());
  ASSERT_TRUE(store.put("meta/index.json", "second, longer").ok());
  EXPECT_EQ(store.get("meta/index.json")->value_or(""), "second, longer");
  write_in_pieces(store, "meta/index.json", "third", 2);
  EXPECT_EQ(read_all(store, "meta/index.json"), "third");
  auto listed = store.list("meta/");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u) << "no temporary object may be listed";
}

void check_uncommitted_invisible(pipeline::ObjectStore& store) {
  {
    auto w = store.create("draft/obj");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->write("not yet").ok());
    auto listed = store.list("draft/");
    ASSERT_TRUE(listed.ok());
    EXPECT_TRUE(listed->empty());
  }  // dropped without commit
  EXPECT_FALSE(store.get("draft/obj")->has_value());
  auto listed = store.list("draft/");
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
}

void check_hostile_keys(pipeline::ObjectStore& store) {
  for (std::string key : std::vector<std::string>{"../x", "a/../../x", "/etc/passwd", "a//b",
                                                  "a\\b", "", "a/./b", std::string("a\nb")}) {
    auto w = store.create(key);
    EXPECT_FALSE(w.ok()) << key;
    if (!w.ok()) {
      EXPECT_EQ(w.error().code, Errc::invalid_argument) << key;
    }
    EXPECT_FALSE(store.put(key, "x").ok()) << key;
    EXPECT_FALSE(store.get(key).ok()) << key;
    EXPECT_FALSE(store.remove(key).ok()) << key;
  }
}

}  // namespace dbtwin::test
