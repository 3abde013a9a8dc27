// Small in-memory fakes of the pipeline's stages for unit tests: a DumpSource that serves
// generated rows (optionally from several threads), a RestoreTarget that records what it gets,
// and helpers for byte streams.
#pragma once

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "pipeline/dump_model.h"
#include "pipeline/stream.h"

namespace dbtwin::test {

class StringSink : public pipeline::ByteSink {
 public:
  Status write(std::string_view d) override {
    data.append(d);
    return {};
  }
  std::string data;
};

class StringSource : public pipeline::ByteSource {
 public:
  explicit StringSource(std::string_view d, size_t step = SIZE_MAX) : data_(d), step_(step) {}
  Result<size_t> read(char* buf, size_t n) override {
    size_t k = std::min({n, data_.size() - pos_, step_});
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  size_t step_;
};

// Rows "<n>\t<random text>\n" for `tables` tables; the text may hold any byte but '\n'.
class FakeSource : public pipeline::DumpSource {
 public:
  FakeSource(size_t tables, size_t rows_per_table, size_t max_value, uint32_t seed, int threads = 1)
      : threads_(threads) {
    std::mt19937 rng(seed);
    plan_.database = "shop";
    plan_.server_version = "15.4";
    plan_.pre_data = "CREATE TABLE t0 (id int, v text);\n";
    plan_.post_data = "CREATE INDEX ON t0 (id);\n";
    for (size_t t = 0; t < tables; ++t) {
      pipeline::TableInfo info;
      info.id = static_cast<uint32_t>(t);
      info.schema = "public";
      info.name = "t" + std::to_string(t);
      info.columns = {{"id", "integer", false, false, true}, {"v", "text", false, true, false}};
      info.primary_key = {"id"};
      std::string rows;
      for (size_t r = 0; r < rows_per_table; ++r) {
        rows += std::to_string(r) + "\t";
        size_t len = max_value ? rng() % (max_value + 1) : 0;
        for (size_t i = 0; i < len; ++i) {
          char c = static_cast<char>(rng() % 256);
          rows.push_back(c == '\n' ? ' ' : c);
        }
        rows.push_back('\n');
      }
      info.estimated_bytes = rows.size();
      plan_.tables.push_back(info);
      rows_.push_back(std::move(rows));
      counts_.push_back(rows_per_table);
    }
  }

  const pipeline::SourcePlan& plan() const override { return plan_; }
  pipeline::SqlSession& session() override { std::abort(); }

  // Tables are spread over the threads; each sends its rows in batches of ~64 KiB.
  Status read_tables(const std::map<uint32_t, std::string>&, pipeline::RowSink& sink) override {
    std::vector<Status> results(threads_);
    std::vector<std::thread> workers;
    for (int w = 0; w < threads_; ++w)
      workers.emplace_back([&, w] {
        for (size_t t = w; t < rows_.size(); t += threads_) {
          Status st = send_table(t, sink);
          if (!st.ok()) {
            results[w] = st;
            return;
          }
        }
      });
    for (auto& t : workers) t.join();
    for (auto& r : results) TRY(r);
    return {};
  }

  std::string rows_of(size_t t) const { return rows_[t]; }

 private:
  Status send_table(size_t t, pipeline::RowSink& sink) {
    std::string_view all = rows_[t];
    uint64_t sent = 0;
    while (!all.empty()) {
      size_t cut = std::min<size_t>(all.size(), 64 << 10);
      cut = all.find('\n', cut - 1) + 1;
      std::string_view batch = all.substr(0, cut);
      uint64_t n = static_cast<uint64_t>(std::count(batch.begin(), batch.end(), '\n'));
      TRY(sink.rows(plan_.tables[t], batch, n));
      sent += n;
      all.remove_prefix(cut);
    }
    return sink.table_done(plan_.tables[t], sent);
  }

  pipeline::SourcePlan plan_;
  std::vector<std::string> rows_;
  std::vector<uint64_t> counts_;
  int threads_;
};

class FakeTarget : public pipeline::RestoreTarget {
 public:
  Status begin(const pipeline::DumpHeader& h, const std::string& pre) override {
    header = h;
    pre_data = pre;
    ++begins;
    return {};
  }
  Status rows(const pipeline::TableInfo& t, std::string_view lines) override {
    if (fail_rows) return err(Errc::engine, "target refuses rows");
    rows_by_table[t.id].append(lines);
    return {};
  }
  Status table_done(const pipeline::TableInfo& t, uint64_t n) override {
    done[t.id] = n;
    return {};
  }
  Status finish(const std::string& post) override {
    post_data = post;
    finished = true;
    return {};
  }
  void abort() override { aborted = true; }

  bool fail_rows = false;
  pipeline::DumpHeader header;
  std::string pre_data, post_data;
  std::map<uint32_t, std::string> rows_by_table;
  std::map<uint32_t, uint64_t> done;
  int begins = 0;
  bool finished = false;
  bool aborted = false;
};

}  // namespace dbtwin::test
