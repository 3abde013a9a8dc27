#include "bridge/index.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "base/log.h"
#include "base/strings.h"

namespace dbtwin::bridge {

namespace {

using nlohmann::json;
using pipeline::ObjectStore;

constexpr int kMaxRounds = 20;

// What the index holds, by name. Entries without "format_version" were written by RepliByte
// itself (no dump.json of ours backs them); they are kept as they are.
struct Index {
  std::map<std::string, json> ours;
  std::map<std::string, json> foreign;
};

Result<std::optional<Index>> read_index(ObjectStore& store) {
  auto text = TRY(store.get(std::string(kIndexKey)));
  if (!text) return std::optional<Index>();
  std::string what = fmt::format("{} on {}", kIndexKey, store.describe());
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("dumps") || !j["dumps"].is_array())
    return err(Errc::invalid_argument, "{} is malformed: expected {{\"dumps\": [...]}}", what);
  Index idx;
  for (const auto& e : j["dumps"]) {
    auto m = TRY(manifest_from_json(e, what));
    (e.contains("format_version") ? idx.ours : idx.foreign)[m.directory_name] = e;
  }
  return std::optional<Index>(std::move(idx));
}

// Names of the dumps whose dump.json is present now.
Result<std::set<std::string>> listed_manifests(ObjectStore& store) {
  std::set<std::string> out;
  for (const auto& o : TRY(store.list(""))) {
    auto slash = o.key.find('/');
    if (slash == std::string::npos || o.key.substr(slash) != "/dump.json") continue;
    std::string name = o.key.substr(0, slash);
    if (validate_dump_name(name).ok()) out.insert(name);
  }
  return out;
}

// The entry for `name`: ours if we are publishing it, else the current index's, else its
// dump.json. nullopt if it vanished meanwhile or is unreadable (warned once, then skipped).
Result<std::optional<json>> entry_for(ObjectStore& store, const std::string& name,
                                      const DumpManifest* mine, const std::optional<Index>& index,
                                      std::set<std::string>& bad) {
  if (mine && mine->directory_name == name)
    return std::optional<json>(manifest_to_json(*mine, false));
  if (index) {
    auto it = index->ours.find(name);
    if (it != index->ours.end()) return std::optional<json>(it->second);
  }
  if (bad.count(name)) return std::optional<json>();
  auto text = TRY(store.get(manifest_key(name)));
  if (!text) return std::optional<json>();
  std::string what = fmt::format("{} on {}", manifest_key(name), store.describe());
  json j = json::parse(*text, nullptr, false);
  auto m = j.is_discarded()
               ? Result<DumpManifest>(err(Errc::invalid_argument, "{} is not JSON", what))
               : manifest_from_json(j, what);
  if (!m.ok() || m->directory_name != name) {
    // One broken manifest must not hide every other dump: it is left out of the index.
    log::warn("skipping dump {}: {}", name,
              m.ok() ? "its manifest names another dump" : m.error().message);
    bad.insert(name);
    return std::optional<json>();
  }
  return std::optional<json>(manifest_to_json(*m, false));
}

Status write_index(ObjectStore& store, std::map<std::string, json> entries) {
  std::vector<json> dumps;
  for (auto& [name, e] : entries) dumps.push_back(std::move(e));
  std::stable_sort(dumps.begin(), dumps.end(), [](const json& a, const json& b) {
    return a.value("created_at", int64_t{0}) < b.value("created_at", int64_t{0});
  });
  json j = {{"dumps", dumps}};
  return store.put(std::string(kIndexKey), j.dump(2) + "\n");
}

// True when the index matches the manifests listed now: every one in it, nothing else of ours.
bool settled(const std::optional<Index>& index, const std::set<std::string>& listed,
             const std::set<std::string>& bad, std::string_view gone) {
  if (!index) return false;
  std::set<std::string> want;
  for (const auto& n : listed)
    if (!bad.count(n) && n != gone) want.insert(n);
  std::set<std::string> have;
  for (const auto& [n, e] : index->ours) have.insert(n);
  return want == have && !index->foreign.count(std::string(gone));
}

void backoff(int round) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  int ceiling = 10 << std::min(round, 6);  // 10 ms .. 640 ms
  std::uniform_int_distribution<int> ms(ceiling / 2, ceiling);
  std::this_thread::sleep_for(std::chrono::milliseconds(ms(rng)));
}

// Rebuilds the index from the manifests until a re-check agrees with it.
//
// Why this converges without locks: every publisher puts its dump.json *before* it lists, and
// every writer re-lists *after* writing the index. Take the last index written: its writer
// re-listed after that write, so any dump.json that landed before the re-list is checked
// against it (and a gap makes that writer go round again, so it was not the last). A dump.json
// that landed after the re-list belongs to a publisher that lists, and so writes the index,
// later still, contradicting "last". Hence once every concurrent writer has returned, the
// index names every manifest present, and none that was withdrawn. (A reader in between may
// see an older index; file:// also serializes local writers with a lock to avoid needless
// rounds.) SFTP replaces metadata.json by remove+rename; a round that finds it absent simply
// rebuilds from the manifests and checks again.
Status converge(ObjectStore& store, const DumpManifest* mine, std::string_view gone) {
  auto lock = TRY(store.lock_index());
  std::set<std::string> bad;
  for (int round = 0; round < kMaxRounds; ++round) {
    if (round > 0) backoff(round);
    auto index = read_index(store);
    if (!index.ok() && index.error().code != Errc::invalid_argument)
      return std::move(index).error();
    if (!index.ok()) log::warn("rebuilding the index: {}", index.error().message);
    std::optional<Index> current = index.ok() ? std::move(*index) : std::nullopt;

    auto listed = TRY(listed_manifests(store));
    std::map<std::string, json> entries;
    if (current) entries = current->foreign;
    entries.erase(std::string(gone));
    for (const auto& name : listed) {
      if (name == gone) continue;
      auto e = TRY(entry_for(store, name, mine, current, bad));
      if (e) entries[name] = std::move(*e);
    }
    TRY(write_index(store, std::move(entries)));

    auto check = read_index(store);
    if (!check.ok() && check.error().code != Errc::invalid_argument)
      return std::move(check).error();
    auto relisted = TRY(listed_manifests(store));
    bool mine_ok = !mine || relisted.count(mine->directory_name);
    if (mine_ok && check.ok() && settled(*check, relisted, bad, gone)) return {};
  }
  return err(Errc::conflict,
             "the index {} on {} did not settle after {} rounds (too many writers at once?)",
             kIndexKey, store.describe(), kMaxRounds);
}

}  // namespace

Status publish(ObjectStore& store, const DumpManifest& m) {
  TRY(validate_dump_name(m.directory_name));
  TRY(store.put(manifest_key(m.directory_name), manifest_to_json(m, true).dump(2) + "\n"));
  return converge(store, &m, {});
}

Result<std::vector<DumpManifest>> list_dumps(ObjectStore& store) {
  std::vector<DumpManifest> out;
  auto index = TRY(read_index(store));
  if (!index) return out;
  std::string what = fmt::format("{} on {}", kIndexKey, store.describe());
  for (const auto* part : {&index->ours, &index->foreign})
    for (const auto& [name, e] : *part) out.push_back(TRY(manifest_from_json(e, what)));
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.created_at_ms < b.created_at_ms; });
  return out;
}

Result<DumpManifest> find_dump(ObjectStore& store, std::string_view name_or_latest) {
  std::string name(name_or_latest);
  if (name == "latest") {
    auto dumps = TRY(list_dumps(store));
    auto newest = std::find_if(dumps.rbegin(), dumps.rend(),
                               [](const auto& d) { return d.status == "complete"; });
    if (newest == dumps.rend())
      return err(Errc::not_found, "no complete dump on {}", store.describe());
    name = newest->directory_name;
  }
  TRY(validate_dump_name(name));
  auto text = TRY(store.get(manifest_key(name)));
  if (!text) return err(Errc::not_found, "no dump named '{}' on {}", name, store.describe());
  std::string what = fmt::format("{} on {}", manifest_key(name), store.describe());
  json j = json::parse(*text, nullptr, false);
  if (j.is_discarded()) return err(Errc::invalid_argument, "{} is not JSON", what);
  auto m = TRY(manifest_from_json(j, what));
  if (m.directory_name != name)
    return err(Errc::invalid_argument, "{} names another dump, '{}'", what, m.directory_name);
  return m;
}

Status withdraw(ObjectStore& store, std::string_view name) {
  TRY(validate_dump_name(name));
  // The manifest goes first: from then on no converge puts the dump back in the index.
  TRY(store.remove(manifest_key(name)));
  TRY(converge(store, nullptr, name));
  for (const auto& o : TRY(store.list(std::string(name) + "/"))) TRY(store.remove(o.key));
  return {};
}

}  // namespace dbtwin::bridge
