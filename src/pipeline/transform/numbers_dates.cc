// noise (numbers and dates moved by a bounded random amount) and random-date (a new valid date
// in the input's format). Both accept any input without crashing: what they cannot read is an
// error for noise and an ISO date for random-date.
#include <charconv>
#include <chrono>
#include <cmath>

#include "pipeline/transform/decimal.h"
#include "pipeline/transform/families.h"
#include "pipeline/transform/options.h"
#include "pipeline/transform/text_shape.h"

namespace dbtwin::pipeline::detail {
namespace {

using Out = Result<bool>;
namespace chr = std::chrono;

bool digits_at(std::string_view v, size_t pos, size_t n) {
  if (pos + n > v.size()) return false;
  for (size_t i = pos; i < pos + n; ++i) {
    if (v[i] < '0' || v[i] > '9') return false;
  }
  return true;
}

int number_at(std::string_view v, size_t pos, size_t n) {
  int x = 0;
  for (size_t i = pos; i < pos + n; ++i) x = x * 10 + (v[i] - '0');
  return x;
}

// A leading YYYY-MM-DD (or YYYY/MM/DD) that is a real calendar day.
std::optional<chr::sys_days> leading_date(std::string_view v) {
  if (!digits_at(v, 0, 4) || v.size() < 10 || !digits_at(v, 5, 2) || !digits_at(v, 8, 2)) {
    return std::nullopt;
  }
  if (v[4] != v[7] || (v[4] != '-' && v[4] != '/')) return std::nullopt;
  chr::year_month_day ymd{chr::year(number_at(v, 0, 4)),
                          chr::month(static_cast<unsigned>(number_at(v, 5, 2))),
                          chr::day(static_cast<unsigned>(number_at(v, 8, 2)))};
  if (!ymd.ok()) return std::nullopt;
  return chr::sys_days(ymd);
}

void append_day(std::string& out, chr::sys_days d, char sep) {
  chr::year_month_day ymd(d);
  fmt::format_to(std::back_inserter(out), "{:04d}{}{:02d}{}{:02d}", static_cast<int>(ymd.year()),
                 sep, static_cast<unsigned>(ymd.month()), sep, static_cast<unsigned>(ymd.day()));
}

struct Decimal {
  double value = 0;
  int decimals = 0;
};

// [+-]digits[.digits]: the shapes numeric columns dump as.
std::optional<Decimal> parse_decimal(std::string_view v) {
  Decimal d;
  if (!parse_decimal_text(v, d.value, d.decimals)) return std::nullopt;
  return d;
}

class Noise final : public Transformer {
 public:
  bool keeps_plain() const override { return true; }
  Noise(const TransformerSpec& s, const MaskKeys& k, double spread, std::optional<double> min,
        std::optional<double> max, int64_t days)
      : Transformer(s, k), spread_(spread), min_(min), max_(max), days_(days) {}

  Out transform_to(std::string_view v, std::string& out) const override {
    return transform_with_rng_for(v, out);
  }
  Status mask_batch(const ValueBatch& in, MaskedBatch& out) const override {
    return mask_batch_seeded(*this, in, out);
  }
  Out transform_seeded(std::string_view v, Rng& rng, std::string& out) const override {
    if (auto d = parse_decimal(v)) {
      double x = d->value + d->value * spread_ * (2 * rng.unit() - 1);
      if (min_) x = std::max(x, *min_);
      if (max_) x = std::min(x, *max_);
      size_t at = out.size();
      append_fixed(out, x, d->decimals);
      // A result that rounds to zero loses its sign: "-0.00" would not read back as it was.
      std::string_view number = std::string_view(out).substr(at);
      if (number[0] == '-' && number.find_first_not_of("-0.") == std::string_view::npos)
        out.erase(at, 1);
      return true;
    }
    if (auto day = leading_date(v)) {
      chr::sys_days moved = *day + chr::days(rng.between(-days_, days_));
      append_day(out, moved, v[4]);
      out.append(v.substr(10));
      return true;
    }
    return err(Errc::invalid_argument,
               "transformer noise: a value ({} bytes) is neither a number nor a date", v.size());
  }

 private:
  double spread_;
  std::optional<double> min_, max_;
  int64_t days_;
};

class RandomDate final : public Transformer {
 public:
  bool keeps_plain() const override { return true; }
  RandomDate(const TransformerSpec& s, const MaskKeys& k, chr::sys_days min, chr::sys_days max)
      : Transformer(s, k), min_(min), max_(max) {}

  Out transform_to(std::string_view v, std::string& out) const override {
    return transform_with_rng_for(v, out);
  }
  Status mask_batch(const ValueBatch& in, MaskedBatch& out) const override {
    return mask_batch_seeded(*this, in, out);
  }
  Out transform_seeded(std::string_view v, Rng& rng, std::string& out) const override {
    int64_t span = (max_ - min_).count();
    chr::sys_days day = min_ + chr::days(rng.between(0, span));
    if (!leading_date(v)) {
      append_day(out, day, '-');
      return true;
    }
    // The date is replaced; a following time keeps its layout with new digits in valid ranges
    // (hours < 24, minutes and seconds < 60); a time zone or anything else is kept.
    append_day(out, day, v[4]);
    std::string_view rest = v.substr(10);
    if (rest.size() >= 6 && (rest[0] == ' ' || rest[0] == 'T') && digits_at(rest, 1, 2) &&
        rest[3] == ':' && digits_at(rest, 4, 2)) {
      out += fmt::format("{}{:02d}:{:02d}", rest[0], rng.below(24), rng.below(60));
      rest = rest.substr(6);
      if (rest.size() >= 3 && rest[0] == ':' && digits_at(rest, 1, 2)) {
        out += fmt::format(":{:02d}", rng.below(60));
        rest = rest.substr(3);
        if (rest.size() >= 2 && rest[0] == '.' && digits_at(rest, 1, 1)) {
          size_t n = 1;
          while (digits_at(rest, 1 + n, 1)) ++n;
          out += "." + randomize_shape(std::string(n, '5'), CharSet::digits, rng);
          rest = rest.substr(1 + n);
        }
      }
    }
    out += rest;
    return true;
  }

 private:
  chr::sys_days min_, max_;
};

Result<chr::sys_days> date_option(Options& o, const char* key, const char* fallback) {
  std::string text = TRY(o.text(key, fallback));
  auto d = leading_date(text);
  if (!d || text.size() != 10) return o.bad(key, "must be a date YYYY-MM-DD");
  return *d;
}

}  // namespace

Result<TransformerPtr> make_noise(const TransformerSpec& s, const MaskKeys& k) {
  Options o(s);
  std::optional<double> spread = TRY(o.number("spread"));
  std::optional<double> min = TRY(o.number("min"));
  std::optional<double> max = TRY(o.number("max"));
  int64_t days = TRY(o.integer("days", 30, 0, 365 * 100));
  TRY(o.finish());
  if (spread && (*spread < 0 || *spread > 100)) return o.bad("spread", "must be between 0 and 100");
  if (min && max && *min > *max) return o.bad("min", "must not be above max");
  return TransformerPtr(std::make_unique<Noise>(s, k, spread.value_or(0.1), min, max, days));
}

Result<TransformerPtr> make_random_date(const TransformerSpec& s, const MaskKeys& k) {
  Options o(s);
  chr::sys_days min = TRY(date_option(o, "min", "1970-01-01"));
  chr::sys_days max = TRY(date_option(o, "max", "2030-12-31"));
  TRY(o.finish());
  if (min > max) return o.bad("min", "must not be after max");
  return TransformerPtr(std::make_unique<RandomDate>(s, k, min, max));
}

}  // namespace dbtwin::pipeline::detail
