// Plausible made-up values for the fake-data transformers. The lists are built by us from small
// syllable tables (no third-party name lists), so every value is invented.
#pragma once

#include <string>
#include <vector>

namespace dbtwin::pipeline::fake {

const std::vector<std::string>& first_names();       // 200
const std::vector<std::string>& last_names();        // 200
const std::vector<std::string>& cities();            // 100
const std::vector<std::string>& countries();         // real country names
const std::vector<std::string>& streets();           // 100 street names without a number
const std::vector<std::string>& company_words();     // first words of company names
const std::vector<std::string>& company_kinds();     // "Systems", "Labs", ...
const std::vector<std::string>& company_suffixes();  // "Ltd", "Inc", ...
const std::vector<std::string>& email_domains();     // reserved example domains

}  // namespace dbtwin::pipeline::fake
