// Small string helpers with no project dependencies.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace dbtwin {

std::vector<std::string> split(std::string_view s, char sep);
std::string_view trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);

// Names of templates, clones and routes: [a-z0-9][a-z0-9_-]{0,62}. Checked before any name
// reaches a path or a command line.
Status validate_name(std::string_view kind, std::string_view name);

// Durations such as "90s", "15m", "8h", "2d", "1h30m". Zero is refused.
Result<std::chrono::seconds> parse_duration(std::string_view text);
std::string format_duration(std::chrono::seconds d);

// Sizes such as "512M", "2G", "1.5GiB", "4096" (bytes).
Result<uint64_t> parse_size(std::string_view text);
std::string format_bytes(uint64_t bytes);

// A random password of letters and digits, from the kernel's random source.
std::string random_token(size_t length);

// Seconds since the epoch, and ISO-8601 UTC text for it.
int64_t now_unix();
std::string format_time(int64_t unix_seconds);

// How many times `c` occurs in `s`: sixteen bytes a step (dumps count the lines of every batch,
// and std::count did one byte a step: half a second of CPU per GiB).
size_t count_char(std::string_view s, char c);

// The value of one hex digit (either case), or -1 if `c` is not one.
int hex_digit_value(char c);

// Percent-encodes a string for the user or password part of a URL.
std::string url_encode(std::string_view s);

}  // namespace dbtwin
