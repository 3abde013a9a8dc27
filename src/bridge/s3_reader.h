// Streaming an S3 object: a GET driven by curl's multi interface from read() calls, so the
// object is never held in memory and no thread is needed.
#pragma once

#include <memory>
#include <string>

#include "base/result.h"
#include "bridge/s3_http.h"
#include "pipeline/stream.h"

namespace dbtwin::bridge {

// Starts a GET of `key` and waits for its status: not_found (NoSuchKey) and other S3 errors
// come back here; the body then streams through read(). `what` names it in errors.
Result<std::unique_ptr<pipeline::ByteSource>> open_s3_object(CurlPool& pool, const S3Target& t,
                                                             const std::string& key,
                                                             std::string what);

}  // namespace dbtwin::bridge
