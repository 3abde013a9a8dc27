// The little XML the S3 API answers with: the text of a few named elements. Not a general XML
// parser: S3 responses are flat, machine-written documents without comments, CDATA or
// attributes on the elements read here, so finding "<Tag>" ... "</Tag>" is exact for them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace dbtwin::bridge {

// The raw inner content of every <tag>...</tag> (also <tag/> as empty) at any depth, in order.
std::vector<std::string_view> xml_elements(std::string_view xml, std::string_view tag);
// The decoded text of the first <tag> element; nullopt if there is none or it is malformed.
std::optional<std::string> xml_text(std::string_view xml, std::string_view tag);
// Decodes &amp; &lt; &gt; &quot; &apos; and numeric references (&#38; &#x26;). Unknown or
// broken references are invalid_argument: a key decoded wrongly would name another object.
Result<std::string> xml_unescape(std::string_view text);
// Escapes & < > " ' for element text.
std::string xml_escape(std::string_view text);

}  // namespace dbtwin::bridge
