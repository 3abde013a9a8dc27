// Behaviour every bridge must share, run against file://, s3:// (s3rver) and sftp:// (sshd).
#pragma once

#include <string>

#include "pipeline/object_store.h"

namespace dbtwin::test {

// Reads a whole object through open(); a test failure if it cannot be opened.
std::string read_all(pipeline::ObjectStore& store, const std::string& key);
// Writes through create() in pieces of `piece` bytes, then commits.
void write_in_pieces(pipeline::ObjectStore& store, const std::string& key, const std::string& data,
                     size_t piece);
// Deterministic bytes of a given size (not compressible into a trivial pattern).
std::string pattern_bytes(size_t size, unsigned seed);

// The shared checks; each adds GoogleTest failures.
void check_small_objects(pipeline::ObjectStore& store);
void check_big_object(pipeline::ObjectStore& store, size_t size);
void check_list_paginates(pipeline::ObjectStore& store);  // 5 objects (pagination where set)
void check_missing_and_remove(pipeline::ObjectStore& store);
void check_put_replaces(pipeline::ObjectStore& store);
void check_uncommitted_invisible(pipeline::ObjectStore& store);
void check_hostile_keys(pipeline::ObjectStore& store);

}  // namespace dbtwin::test
