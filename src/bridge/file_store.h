// The file:// bridge: objects are files under one folder. Writes go to "<key>.tmp-<random>"
// and are renamed into place after fsync, so a reader never sees half an object.
#pragma once

#include <filesystem>
#include <memory>

#include "base/result.h"
#include "pipeline/object_store.h"

namespace dbtwin::bridge {

// The store rooted at `dir` (created 0700 on first write if absent).
std::unique_ptr<pipeline::ObjectStore> open_file_store(const std::filesystem::path& dir);

}  // namespace dbtwin::bridge
