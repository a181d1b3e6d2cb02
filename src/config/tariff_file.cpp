// Reader helpers and tariff files (static time-of-use, octopus-agile, csv).

#include "yaml_reader.hpp"

#include <offpeak/domain/spelling.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace offpeak::config {

std::string ConfigError::to_string() const {
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace detail {
namespace {

std::string join(std::initializer_list<std::string_view> items) {
  std::string out;
  for (auto it : items) {
    if (!out.empty()) out += ", ";
    out += it;
  }
  return out;
}

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace

std::string quoted(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  std::string s = n.Scalar();
  if (s.size() > 40) s = s.substr(0, 37) + "...";
  return "'" + s + "'";
}

void Reader::error(const YAML::Mark& mark, std::string message) {
  errors_->push_back({file_, mark.line + 1, mark.column + 1, std::move(message)});
}

void Reader::file_error(std::string message) {
  errors_->push_back({file_, 0, 0, std::move(message)});
}

bool Reader::check_map(const YAML::Node& map, std::string_view what,
                       std::initializer_list<std::string_view> allowed) {
  if (!map.IsMap()) {
    error_at(map, "expected a mapping for '" + std::string(what) + "', got " + quoted(map));
    return false;
  }
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: `it->` yields a temporary proxy
    std::string k = key.IsScalar() ? key.Scalar() : std::string();
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    std::string msg = "unknown key '" + k + "' in '" + std::string(what) + "'";
    const std::string_view best = closest_name(k, allowed);
    if (!best.empty()) {
      msg += " (did you mean '" + std::string(best) + "'?)";
      hints_.push_back({map, std::string(best)});
    }
    msg += "; expected one of: " + join(allowed);
    error_at(key, msg);
  }
  return true;
}

void Reader::index_parents(const YAML::Node& root) {
  if (root.IsMap()) {
    for (auto it = root.begin(); it != root.end(); ++it) {
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (value.IsMap()) parents_.push_back({value, key.Mark()});
      index_parents(value);
    }
  } else if (root.IsSequence()) {
    for (const auto& item : root)
      index_parents(item);
  }
}

void Reader::error_at_parent(const YAML::Node& map, std::string message) {
  for (const auto& p : parents_) {
    if (p.map.is(map)) {
      error(p.key_mark, std::move(message));
      return;
    }
  }
  error_at(map, std::move(message));
}

bool Reader::misspelt(const YAML::Node& map, std::string_view key) const {
  return std::any_of(hints_.begin(), hints_.end(),
                     [&](const Hint& h) { return h.key == key && h.map.is(map); });
}

std::optional<YAML::Node> Reader::child(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return std::nullopt;
  YAML::Node n = map[std::string(key)];
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  return n;
}

std::optional<YAML::Node> Reader::required(const YAML::Node& map, std::string_view key,
                                           std::string_view what) {
  auto n = child(map, key);
  if (!n && map.IsMap() && !misspelt(map, key)) {
    error_at_parent(
        map, "missing required key '" + std::string(key) + "' in '" + std::string(what) + "'");
  }
  return n;
}

std::optional<std::string> Reader::string(const YAML::Node& n, std::string_view what) {
  if (!n.IsScalar()) {
    error_at(n, "expected " + std::string(what) + ", got " + quoted(n));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<double> Reader::number(const YAML::Node& n, std::string_view what) {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    double v = 0;
    const char* b = s.data();
    const char* e = s.data() + s.size();
    if (b != e && *b == '+') ++b;
    auto [p, ec] = std::from_chars(b, e, v);
    if (ec == std::errc{} && p == e && std::isfinite(v)) return v;
  }
  error_at(n, "expected " + std::string(what) + " (a number), got " + quoted(n));
  return std::nullopt;
}

std::optional<double> Reader::number_in(const YAML::Node& n, std::string_view what, double lo,
                                        double hi, bool lo_open) {
  auto v = number(n, what);
  if (!v) return std::nullopt;
  if (*v < lo || *v > hi || (lo_open && *v == lo)) {
    std::ostringstream os;
    os << "expected " << what << " in " << (lo_open ? "(" : "[") << lo << ", " << hi << "], got "
       << quoted(n);
    error_at(n, os.str());
    return std::nullopt;
  }
  return v;
}

std::optional<bool> Reader::boolean(const YAML::Node& n, std::string_view what) {
  if (n.IsScalar()) {
    const std::string& s = n.Scalar();
    if (s == "true" || s == "yes" || s == "True" || s == "on") return true;
    if (s == "false" || s == "no" || s == "False" || s == "off") return false;
  }
  error_at(n, "expected " + std::string(what) + " (true or false), got " + quoted(n));
  return std::nullopt;
}

std::optional<TimeOfDay> Reader::time_of_day(const YAML::Node& n, bool allow_24) {
  if (n.IsScalar()) {
    if (auto t = parse_time_of_day(n.Scalar(), allow_24)) return t;
  }
  error_at(n, std::string("expected a time HH:MM (00:00-") + (allow_24 ? "24:00" : "23:59") +
                  "), got " + quoted(n));
  return std::nullopt;
}

std::optional<Seconds> Reader::duration(const YAML::Node& n) {
  if (n.IsScalar()) {
    if (auto d = parse_duration(n.Scalar())) return d;
  }
  error_at(n, "expected a duration such as 30s, 15m, 2h or 1h30m, got " + quoted(n));
  return std::nullopt;
}

std::optional<std::filesystem::path> Reader::path(const YAML::Node& n,
                                                  const std::filesystem::path& base_dir) {
  auto s = string(n, "a file path");
  if (!s) return std::nullopt;
  if (s->empty()) {
    error_at(n, "expected a file path, got an empty string");
    return std::nullopt;
  }
  std::filesystem::path p(*s);
  if (p.is_relative()) p = base_dir / p;
  return p.lexically_normal();
}

std::optional<YAML::Node> load_yaml_file(const std::filesystem::path& file,
                                         const std::string& label,
                                         std::vector<ConfigError>& errors) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    errors.push_back({label, 0, 0, "cannot read the file: " + std::string(std::strerror(errno))});
    return std::nullopt;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  try {
    YAML::Node root = YAML::Load(buf.str());
    if (!root.IsDefined() || root.IsNull()) {
      errors.push_back({label, 0, 0, "the file is empty; expected a YAML mapping"});
      return std::nullopt;
    }
    return root;
  } catch (const YAML::Exception& e) {
    errors.push_back({label, e.mark.line + 1, e.mark.column + 1, "YAML syntax error: " + e.msg});
    return std::nullopt;
  }
}

namespace {

std::optional<std::uint8_t> parse_days(const YAML::Node& n, Reader& r) {
  if (!n.IsSequence() || n.size() == 0) {
    r.error_at(n, "expected a list of weekdays such as [sat, sun], got " + quoted(n));
    return std::nullopt;
  }
  std::uint8_t mask = 0;
  bool ok = true;
  for (const auto& item : n) {
    auto d = item.IsScalar() ? parse_weekday(item.Scalar()) : std::nullopt;
    if (!d) {
      r.error_at(item,
                 "expected a weekday (mon, tue, wed, thu, fri, sat, sun), got " + quoted(item));
      ok = false;
      continue;
    }
    mask = static_cast<std::uint8_t>(mask | (1U << static_cast<unsigned>(*d)));
  }
  return ok ? std::optional(mask) : std::nullopt;
}

std::optional<std::uint16_t> parse_months(const YAML::Node& n, Reader& r) {
  if (!n.IsSequence() || n.size() == 0) {
    r.error_at(n, "expected a list of months such as [dec, jan, feb], got " + quoted(n));
    return std::nullopt;
  }
  std::uint16_t mask = 0;
  bool ok = true;
  for (const auto& item : n) {
    auto m = item.IsScalar() ? parse_month(item.Scalar()) : std::nullopt;
    if (!m) {
      r.error_at(item, "expected a month (jan .. dec), got " + quoted(item));
      ok = false;
      continue;
    }
    mask = static_cast<std::uint16_t>(mask | (1U << (*m - 1)));
  }
  return ok ? std::optional(mask) : std::nullopt;
}

constexpr double k_max_price = 10000.0;  // p/kWh; anything beyond is a typo

std::optional<TouRules> parse_static(const YAML::Node& node, Reader& r) {
  r.check_map(node, "tariff", {"type", "name", "standing_charge", "default", "periods"});
  TouRules rules;
  bool ok = true;
  if (auto n = Reader::child(node, "name")) {
    if (auto s = r.string(*n, "a name")) rules.name = *s;
  }
  if (auto n = Reader::child(node, "standing_charge")) {
    rules.standing_charge_p_per_day = r.number_in(*n, "a standing charge in p/day", 0, k_max_price);
    ok &= rules.standing_charge_p_per_day.has_value();
  }
  if (auto n = Reader::child(node, "default")) {
    rules.default_price_p_per_kwh = r.number_in(*n, "a price in p/kWh", -k_max_price, k_max_price);
    ok &= rules.default_price_p_per_kwh.has_value();
  }
  if (auto n = Reader::child(node, "periods")) {
    if (!n->IsSequence()) {
      r.error_at(*n, "expected a list of periods, got " + quoted(*n));
      ok = false;
    } else {
      for (const auto& p : *n) {
        if (!r.check_map(p, "periods", {"days", "months", "start", "end", "price"})) {
          ok = false;
          continue;
        }
        TouPeriod period;
        auto start = r.required(p, "start", "period");
        auto end = r.required(p, "end", "period");
        auto price = r.required(p, "price", "period");
        auto st = start ? r.time_of_day(*start, false) : std::nullopt;
        auto en = end ? r.time_of_day(*end, true) : std::nullopt;
        auto pr = price ? r.number_in(*price, "a price in p/kWh", -k_max_price, k_max_price)
                        : std::nullopt;
        if (!st || !en || !pr) {
          ok = false;
          continue;
        }
        period.start_minutes = st->minutes;
        period.end_minutes = en->minutes % 1440;  // "24:00" and "00:00" both mean midnight
        period.price_p_per_kwh = *pr;
        if (auto d = Reader::child(p, "days")) {
          auto mask = parse_days(*d, r);
          if (!mask)
            ok = false;
          else
            period.days_mask = *mask;
        }
        if (auto m = Reader::child(p, "months")) {
          auto mask = parse_months(*m, r);
          if (!mask)
            ok = false;
          else
            period.months_mask = *mask;
        }
        rules.periods.push_back(period);
      }
    }
  }
  if (!ok) return std::nullopt;
  // A misspelt 'default' or 'periods' is the cause of any gap: it has been reported.
  if (r.misspelt(node, "default") || r.misspelt(node, "periods")) return std::nullopt;
  if (auto gap = tou_coverage_gap(rules)) {
    r.error_at(node, "no 'default' price, and the periods leave " + *gap +
                         " without a price; add 'default: <p/kWh>' or a period covering it");
    return std::nullopt;
  }
  return rules;
}

}  // namespace

}  // namespace detail

std::optional<PriceCurve> load_price_csv(const std::filesystem::path& file,
                                         const std::string& label,
                                         std::vector<ConfigError>& errors) {
  using detail::trim;
  std::ifstream in(file);
  if (!in) {
    errors.push_back(
        {label, 0, 0, "cannot read the price file: " + std::string(std::strerror(errno))});
    return std::nullopt;
  }
  std::string line;
  std::size_t before = errors.size();
  auto err = [&](int ln, int col, std::string msg) {
    errors.push_back({label, ln, col, std::move(msg)});
  };
  if (!std::getline(in, line)) {
    err(0, 0,
        "the price file is empty; expected the header "
        "valid_from_utc,valid_to_utc,p_per_kwh_inc_vat");
    return std::nullopt;
  }
  if (trim(line) != "valid_from_utc,valid_to_utc,p_per_kwh_inc_vat") {
    err(1, 1,
        "expected the header 'valid_from_utc,valid_to_utc,p_per_kwh_inc_vat', got '" + trim(line) +
            "'");
    return std::nullopt;
  }
  std::vector<PriceSlot> slots;
  int ln = 1;
  while (std::getline(in, line)) {
    ++ln;
    std::string t = trim(line);
    if (t.empty()) continue;
    auto c1 = t.find(',');
    auto c2 = c1 == std::string::npos ? c1 : t.find(',', c1 + 1);
    if (c2 == std::string::npos || t.find(',', c2 + 1) != std::string::npos) {
      err(ln, 1, "expected 3 comma-separated fields, got '" + t + "'");
    } else {
      auto from = parse_rfc3339(t.substr(0, c1));
      auto to = parse_rfc3339(t.substr(c1 + 1, c2 - c1 - 1));
      std::string ps = t.substr(c2 + 1);
      double price = 0;
      auto [p, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), price);
      if (!from) {
        err(ln, 1, "expected an RFC 3339 instant, got '" + t.substr(0, c1) + "'");
      } else if (!to) {
        err(ln, static_cast<int>(c1) + 2,
            "expected an RFC 3339 instant, got '" + t.substr(c1 + 1, c2 - c1 - 1) + "'");
      } else if (ec != std::errc{} || p != ps.data() + ps.size() || !std::isfinite(price)) {
        err(ln, static_cast<int>(c2) + 2, "expected a price in p/kWh, got '" + ps + "'");
      } else if (!(*from < *to)) {
        err(ln, static_cast<int>(c1) + 2, "valid_to_utc must be after valid_from_utc");
      } else {
        slots.push_back({*from, *to, price});
      }
    }
    if (errors.size() - before >= 20) {
      err(ln, 0, "too many errors; stopping");
      return std::nullopt;
    }
  }
  if (errors.size() != before) return std::nullopt;
  std::stable_sort(slots.begin(), slots.end(),
                   [](const PriceSlot& a, const PriceSlot& b) { return a.start < b.start; });
  for (std::size_t i = 1; i < slots.size(); ++i) {
    if (slots[i].start < slots[i - 1].end) {
      err(0, 0, "price rows overlap at " + format_rfc3339(slots[i].start));
      return std::nullopt;
    }
  }
  return PriceCurve(std::move(slots));
}

namespace detail {

std::optional<TariffConfig> parse_tariff(const YAML::Node& node, Reader& r,
                                         const std::filesystem::path& base_dir, int depth) {
  if (!node.IsMap()) {
    r.error_at(node, "expected a tariff mapping, got " + quoted(node));
    return std::nullopt;
  }
  std::string type = "static";
  if (auto t = Reader::child(node, "type")) {
    auto s = r.string(*t, "a tariff type");
    if (!s) return std::nullopt;
    type = *s;
    if (type != "static" && type != "octopus-agile" && type != "csv" && !is_spot_type(type)) {
      r.error_at(*t, "unknown tariff type '" + type +
                         "'; expected one of: static, octopus-agile, csv, tibber, entsoe, "
                         "nordpool, awattar");
      return std::nullopt;
    }
  }
  TariffConfig out;
  if (auto n = Reader::child(node, "name")) {
    if (auto s = r.string(*n, "a name")) out.name = *s;
  }
  if (type == "static") {
    auto rules = parse_static(node, r);
    if (!rules) return std::nullopt;
    if (out.name.empty()) out.name = "time-of-use tariff";
    out.kind = std::move(*rules);
    return out;
  }
  if (type == "csv") {
    r.check_map(node, "tariff", {"type", "name", "file"});
    auto f = r.required(node, "file", "tariff");
    if (!f) return std::nullopt;
    auto p = r.path(*f, base_dir);
    if (!p) return std::nullopt;
    auto curve = load_price_csv(*p, p->string(), r.errors());
    if (!curve) return std::nullopt;
    if (curve->empty()) {
      r.error_at(*f, "the price file " + p->string() + " has no prices");
      return std::nullopt;
    }
    if (out.name.empty()) out.name = "prices from " + p->filename().string();
    out.kind = CsvTariff{*p, std::move(*curve)};
    return out;
  }
  if (is_spot_type(type)) return parse_spot_tariff(node, r, base_dir, depth, type, std::move(out));
  // octopus-agile
  r.check_map(node, "tariff", {"type", "name", "product", "region", "base_url", "fallback"});
  OctopusAgileTariff agile;
  bool ok = true;
  if (auto n = r.required(node, "product", "tariff")) {
    auto s = r.string(*n, "an Octopus product code such as AGILE-24-10-01");
    bool valid = s && !s->empty() && std::all_of(s->begin(), s->end(), [](char c) {
                   return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
                 });
    if (s && !valid)
      r.error_at(*n, "expected an Octopus product code such as AGILE-24-10-01, got " + quoted(*n));
    if (valid) agile.product = *s;
    ok &= valid;
  } else {
    ok = false;
  }
  if (auto n = r.required(node, "region", "tariff")) {
    auto s = n->IsScalar() ? n->Scalar() : std::string();
    if (s.size() == 1 && s[0] >= 'A' && s[0] <= 'P' && s[0] != 'I' && s[0] != 'O') {
      agile.region = s[0];
    } else {
      r.error_at(*n, "expected a GSP region letter A..P (no I or O), got " + quoted(*n));
      ok = false;
    }
  } else {
    ok = false;
  }
  if (auto n = Reader::child(node, "base_url")) {
    auto s = r.string(*n, "a URL");
    if (s && (s->rfind("http://", 0) == 0 || s->rfind("https://", 0) == 0)) {
      agile.base_url = *s;
      while (!agile.base_url.empty() && agile.base_url.back() == '/')
        agile.base_url.pop_back();
    } else if (s) {
      r.error_at(*n, "expected an http:// or https:// URL, got " + quoted(*n));
      ok = false;
    }
  }
  if (auto n = Reader::child(node, "fallback")) {
    if (depth > 0) {
      r.error_at(*n, "a fallback tariff cannot have a fallback of its own");
      ok = false;
    } else if (auto p = r.path(*n, base_dir)) {
      auto fb = load_tariff_file(*p);
      for (auto& e : fb.errors)
        r.errors().push_back(e);
      if (fb.tariff && std::holds_alternative<TouRules>(fb.tariff->kind)) {
        agile.fallback = std::get<TouRules>(fb.tariff->kind);
        agile.fallback_file = *p;
      } else if (fb.tariff) {
        r.error_at(*n, "the fallback must be a static time-of-use tariff file");
        ok = false;
      } else {
        ok = false;
      }
    } else {
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  if (out.name.empty()) out.name = "Octopus Agile " + agile.tariff_code();
  out.kind = std::move(agile);
  return out;
}

}  // namespace detail

TariffLoadResult load_tariff_file(const std::filesystem::path& file) {
  TariffLoadResult result;
  std::string label = file.string();
  auto root = detail::load_yaml_file(file, label, result.errors);
  if (!root) return result;
  detail::Reader r(label, result.errors);
  r.index_parents(*root);
  auto base = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  auto t = detail::parse_tariff(*root, r, base, 0);
  if (t && result.errors.empty()) {
    t->file = file;
    result.tariff = std::move(t);
  }
  return result;
}

std::unique_ptr<Tariff> make_static_tariff(const TariffConfig& tariff, const Zone& zone) {
  if (const auto* tou = std::get_if<TouRules>(&tariff.kind)) {
    return std::make_unique<TouTariff>(*tou, zone);
  }
  if (const auto* csv = std::get_if<CsvTariff>(&tariff.kind)) {
    return std::make_unique<CurveTariff>(csv->prices);
  }
  if (const auto* spot = std::get_if<SpotTariff>(&tariff.kind)) {
    if (spot->fallback) return std::make_unique<TouTariff>(*spot->fallback, zone);
    return nullptr;
  }
  const auto& agile = std::get<OctopusAgileTariff>(tariff.kind);
  if (agile.fallback) return std::make_unique<TouTariff>(*agile.fallback, zone);
  return nullptr;
}

}  // namespace offpeak::config
