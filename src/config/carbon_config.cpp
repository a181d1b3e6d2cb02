// The `carbon:` section of the main file.

#include "yaml_reader.hpp"

#include <cctype>
#include <cmath>

namespace offpeak::config::detail {

namespace {

// The outward part of a UK postcode: one or two letters, a digit, then a letter or digit
// ("SW1A", "RG10", "M1"). Returns it upper-cased, or nullopt.
std::optional<std::string> outward_postcode(const std::string& s) {
  std::string u;
  for (char c : s)
    u.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  std::size_t i = 0;
  auto alpha = [&](std::size_t k) {
    return k < u.size() && std::isalpha(static_cast<unsigned char>(u[k])) != 0;
  };
  auto digit = [&](std::size_t k) {
    return k < u.size() && std::isdigit(static_cast<unsigned char>(u[k])) != 0;
  };
  if (!alpha(i)) return std::nullopt;
  ++i;
  if (alpha(i)) ++i;
  if (!digit(i)) return std::nullopt;
  ++i;
  if (alpha(i) || digit(i)) ++i;
  if (i != u.size()) return std::nullopt;
  return u;
}

}  // namespace

void parse_carbon(const YAML::Node& node, Reader& r, CarbonConfig& out) {
  if (node.IsNull()) return;  // `carbon:` alone: the national forecast
  if (!r.check_map(node, "carbon", {"region", "postcode", "base_url"})) return;
  auto region = Reader::child(node, "region");
  auto postcode = Reader::child(node, "postcode");
  if (region && postcode) {
    r.error_at(*postcode, "carbon: give either region or postcode, not both");
    return;
  }
  if (region) {
    auto v = r.number_in(*region, "a carbon intensity region id (1-17)", 1, 17);
    if (v && *v != std::floor(*v)) {
      r.error_at(*region,
                 "expected a whole carbon intensity region id (1-17), got " + quoted(*region));
    } else if (v) {
      out.region = static_cast<int>(*v);
    }
  }
  if (postcode) {
    if (auto s = r.string(*postcode, "the outward part of a postcode such as SW1A")) {
      if (auto p = outward_postcode(*s)) {
        out.postcode = *p;
      } else {
        r.error_at(*postcode,
                   "expected the outward part of a postcode such as SW1A or RG10 (the part "
                   "before the space), got " +
                       quoted(*postcode));
      }
    }
  }
  if (auto n = Reader::child(node, "base_url")) {
    auto s = r.string(*n, "a URL");
    if (s && (s->rfind("http://", 0) == 0 || s->rfind("https://", 0) == 0)) {
      out.base_url = *s;
      while (!out.base_url.empty() && out.base_url.back() == '/')
        out.base_url.pop_back();
    } else if (s) {
      r.error_at(*n, "expected an http:// or https:// URL, got " + quoted(*n));
    }
  }
}

}  // namespace offpeak::config::detail
