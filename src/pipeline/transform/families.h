// Internal to transform/: the factory of every transformer, grouped by the file defining it.
#pragma once

#include <memory>

#include "base/result.h"
#include "pipeline/transform/transformer.h"

namespace dbtwin::pipeline::detail {

using TransformerPtr = std::unique_ptr<Transformer>;
using Factory = Result<TransformerPtr> (*)(const TransformerSpec&, const MaskKeys&);

// text.cc
Result<TransformerPtr> make_transient(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_random(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_keep_first_char(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_redacted(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_mask(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_null(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_constant(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_hash(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_regex_replace(const TransformerSpec&, const MaskKeys&);

// person.cc
Result<TransformerPtr> make_first_name(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_last_name(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_full_name(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_email(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_username(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_address(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_city(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_country(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_company(const TransformerSpec&, const MaskKeys&);

// identifiers.cc
Result<TransformerPtr> make_phone_number(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_credit_card(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_iban(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_uuid(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_ip(const TransformerSpec&, const MaskKeys&);

// numbers_dates.cc
Result<TransformerPtr> make_noise(const TransformerSpec&, const MaskKeys&);
Result<TransformerPtr> make_random_date(const TransformerSpec&, const MaskKeys&);

// json_path.cc
Result<TransformerPtr> make_json_path(const TransformerSpec&, const MaskKeys&);

// command.cc
Result<TransformerPtr> make_command(const TransformerSpec&, const MaskKeys&);

// inet_pton(AF_INET)'s reading of `text` up to its first NUL, without a C string or a libc call:
// four decimal octets of at most 255, no leading zeros, one dot between each two.
bool parse_ipv4(std::string_view text, unsigned char out[4]);

// Luhn check digit for a string of decimal digits (the payload, without the check digit).
char luhn_check_digit(std::string_view payload);
// ISO 13616 check digits ("00".."98" as two characters) for an IBAN's country and BBAN.
std::string iban_check_digits(std::string_view country, std::string_view bban);

}  // namespace dbtwin::pipeline::detail
