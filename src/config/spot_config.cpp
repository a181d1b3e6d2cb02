// Day-ahead tariffs (spec tariffs-europe.md): `type: tibber | entsoe | nordpool | awattar`,
// their source keys, the `price:` formula, `fallback:` and the token. The sources themselves
// (requests, parsers) are in the tariffs module; a new source adds one row to `k_types`.
#include "yaml_reader.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace offpeak::config {

std::string SpotTariff::cache_key(std::string_view currency) const {
  std::string key = type + ":" + area;
  if (type == "nordpool") key += ":" + std::string(currency);
  return key;
}

namespace detail {

namespace {

struct SpotType {
  std::string_view type;
  std::string_view default_base_url;
  std::initializer_list<std::string_view> keys;
};

const std::array<SpotType, 4> k_types = {{
    {"tibber",
     "https://api.tibber.com",
     {"type", "name", "token_file", "home_id", "resolution", "base_url", "price", "fallback"}},
    {"entsoe",
     "https://web-api.tp.entsoe.eu",
     {"type", "name", "token_file", "zone", "base_url", "price", "fallback"}},
    {"nordpool",
     "https://dataportal-api.nordpoolgroup.com",
     {"type", "name", "area", "base_url", "price", "fallback"}},
    {"awattar",
     "https://api.awattar.de",
     {"type", "name", "country", "base_url", "price", "fallback"}},
}};

// ENTSO-E bidding zones by short name (EIC codes of the Transparency Platform).
struct Zone {
  std::string_view name, eic;
};
constexpr Zone k_zones[] = {
    {"DE-LU", "10Y1001A1001A82H"}, {"AT", "10YAT-APG------L"},  {"NL", "10YNL----------L"},
    {"BE", "10YBE----------2"},    {"FR", "10YFR-RTE------C"},  {"CH", "10YCH-SWISSGRIDZ"},
    {"DK1", "10YDK-1--------W"},   {"DK2", "10YDK-2--------M"}, {"SE1", "10Y1001A1001A44P"},
    {"SE2", "10Y1001A1001A45N"},   {"SE3", "10Y1001A1001A46L"}, {"SE4", "10Y1001A1001A47J"},
    {"NO1", "10YNO-1--------2"},   {"NO2", "10YNO-2--------T"}, {"NO3", "10YNO-3--------J"},
    {"NO4", "10YNO-4--------9"},   {"NO5", "10Y1001A1001A48H"}, {"FI", "10YFI-1--------U"},
    {"PL", "10YPL-AREA-----S"},    {"CZ", "10YCZ-SEPS-----K"},  {"SK", "10YSK-SEPS-----K"},
    {"HU", "10YHU-MAVIR----U"},    {"SI", "10YSI-ELES-----O"},  {"HR", "10YHR-HEP------M"},
    {"ES", "10YES-REE------0"},    {"PT", "10YPT-REN------W"},  {"EE", "10Y1001A1001A39I"},
    {"LV", "10YLV-1001A00074"},    {"LT", "10YLT-1001A0008Q"},  {"RO", "10YRO-TEL------P"},
    {"BG", "10YCA-BULGARIA-R"},    {"GR", "10YGR-HTSO-----Y"},
};

const SpotType* find_type(std::string_view t) {
  for (const SpotType& s : k_types)
    if (s.type == t) return &s;
  return nullptr;
}

bool is_eic(std::string_view s) {
  return s.size() == 16 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
         });
}

std::string upper(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::optional<Secret> read_token(const std::filesystem::path& p, Reader& r, const YAML::Node* at,
                                 const std::string& what) {
  std::ifstream in(p, std::ios::binary);
  auto report = [&](const std::string& msg) {
    if (at)
      r.error_at(*at, msg);
    else
      r.file_error(msg);
  };
  if (!in) {
    report("cannot read the " + what + " file " + p.string() + ": " + std::strerror(errno));
    return std::nullopt;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  std::string v = buf.str();
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r' || v.back() == ' '))
    v.pop_back();
  if (v.empty()) {
    report("the " + what + " file " + p.string() + " is empty");
    return std::nullopt;
  }
  if (v.find_first_of("\r\n") != std::string::npos) {
    report("the " + what + " file " + p.string() + " holds more than one line");
    return std::nullopt;
  }
  return Secret(std::move(v));
}

}  // namespace

bool is_spot_type(std::string_view type) {
  return find_type(type) != nullptr;
}

std::optional<TariffConfig> parse_spot_tariff(const YAML::Node& node, Reader& r,
                                              const std::filesystem::path& base_dir, int depth,
                                              const std::string& type, TariffConfig out) {
  const SpotType& def = *find_type(type);
  r.check_map(node, "tariff", def.keys);
  SpotTariff t;
  t.type = type;
  t.base_url = std::string(def.default_base_url);
  bool ok = true;
  if (type == "entsoe") {
    if (auto n = r.required(node, "zone", "tariff")) {
      auto s = r.string(*n, "a bidding zone such as DE-LU or an EIC code");
      if (s) {
        std::string u = upper(*s);
        auto z = std::find_if(std::begin(k_zones), std::end(k_zones),
                              [&](const Zone& k) { return k.name == u; });
        if (z != std::end(k_zones)) {
          t.area = std::string(z->eic);
          t.area_label = std::string(z->name);
        } else if (is_eic(*s)) {
          t.area = *s;
          t.area_label = *s;
        } else {
          std::string names;
          for (const Zone& k : k_zones)
            names += (names.empty() ? "" : ", ") + std::string(k.name);
          r.error_at(*n, "unknown bidding zone " + quoted(*n) + "; expected one of " + names +
                             ", or a 16-character EIC code such as 10Y1001A1001A82H");
          ok = false;
        }
      } else {
        ok = false;
      }
    } else {
      ok = false;
    }
  } else if (type == "nordpool") {
    if (auto n = r.required(node, "area", "tariff")) {
      auto s = r.string(*n, "a delivery area such as SE3");
      std::string u = s ? upper(*s) : std::string();
      if (s && u.size() >= 2 && u.size() <= 8 && std::all_of(u.begin(), u.end(), [](char c) {
            return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
          })) {
        t.area = u;
        t.area_label = u;
      } else {
        if (s)
          r.error_at(*n,
                     "expected a Nord Pool delivery area such as SE3, NO1, DK1 or FI, "
                     "got " +
                         quoted(*n));
        ok = false;
      }
    } else {
      ok = false;
    }
  } else if (type == "awattar") {
    if (auto n = r.required(node, "country", "tariff")) {
      auto s = r.string(*n, "de or at");
      if (s && (*s == "de" || *s == "at")) {
        t.area = *s;
        t.area_label = upper(*s);
        if (*s == "at") t.base_url = "https://api.awattar.at";
      } else {
        if (s) r.error_at(*n, "expected de or at, got " + quoted(*n));
        ok = false;
      }
    } else {
      ok = false;
    }
  } else if (type == "tibber") {
    if (auto n = Reader::child(node, "home_id")) {
      auto s = r.string(*n, "a Tibber home id");
      if (s && !s->empty() && s->size() <= 64 && std::all_of(s->begin(), s->end(), [](char c) {
            return std::isxdigit(static_cast<unsigned char>(c)) || c == '-';
          })) {
        t.area = *s;
        t.area_label = *s;
      } else {
        if (s)
          r.error_at(*n,
                     "expected a Tibber home id such as 96a14971-525a-4420-aae9-"
                     "e5aedaa129ff, got " +
                         quoted(*n));
        ok = false;
      }
    }
    if (auto n = Reader::child(node, "resolution")) {
      auto s = r.string(*n, "quarter_hourly or hourly");
      if (s && *s == "quarter_hourly") {
        t.resolution = Seconds{15 * 60};
      } else if (s && *s == "hourly") {
        t.resolution = Seconds{3600};
      } else {
        if (s) r.error_at(*n, "expected quarter_hourly or hourly, got " + quoted(*n));
        ok = false;
      }
    }
  }
  if (auto n = Reader::child(node, "base_url")) {
    auto s = r.string(*n, "a URL");
    if (s && (s->rfind("http://", 0) == 0 || s->rfind("https://", 0) == 0) && s->size() > 8) {
      t.base_url = *s;
      while (!t.base_url.empty() && t.base_url.back() == '/')
        t.base_url.pop_back();
    } else if (s) {
      r.error_at(*n, "expected an http:// or https:// URL, got " + quoted(*n));
      ok = false;
    }
  }
  if (auto n = Reader::child(node, "token_file")) {
    if (auto p = r.path(*n, base_dir)) {
      t.token_file = *p;
      if (auto s = read_token(*p, r, &*n, type + " token")) {
        t.token = std::move(*s);
      } else {
        ok = false;
      }
    } else {
      ok = false;
    }
  }
  if (auto n = Reader::child(node, "price"); n && type == "tibber") {
    r.error_at(*n, "Tibber prices are final (fees and VAT included); remove 'price:'");
    ok = false;
  } else if (n) {
    if (r.check_map(*n, "price", {"markup_percent", "adder", "vat_percent"})) {
      if (auto v = Reader::child(*n, "markup_percent")) {
        if (auto d = r.number_in(*v, "a markup in percent", -100, 1000))
          t.price.markup_percent = *d;
        else
          ok = false;
      }
      if (auto v = Reader::child(*n, "adder")) {
        if (auto d = r.number_in(*v, "an adder in minor units per kWh", -1000, 1000))
          t.price.adder = *d;
        else
          ok = false;
      }
      if (auto v = Reader::child(*n, "vat_percent")) {
        if (auto d = r.number_in(*v, "a VAT rate in percent", 0, 100))
          t.price.vat_percent = *d;
        else
          ok = false;
      }
    } else {
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
        t.fallback = std::get<TouRules>(fb.tariff->kind);
        t.fallback_file = *p;
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
  if (out.name.empty()) {
    static const std::pair<std::string_view, std::string_view> labels[] = {
        {"tibber", "Tibber"},
        {"entsoe", "ENTSO-E day-ahead"},
        {"nordpool", "Nord Pool day-ahead"},
        {"awattar", "aWATTar day-ahead"}};
    for (auto& [k, v] : labels)
      if (k == type) out.name = std::string(v);
    if (!t.area_label.empty() && type != "tibber") out.name += " " + t.area_label;
  }
  out.kind = std::move(t);
  return out;
}

void finish_spot_tariff(Config& cfg, const Environment& env, Reader& r,
                        const YAML::Node& tariff_node) {
  auto* t = std::get_if<SpotTariff>(&cfg.tariff.kind);
  if (t == nullptr) return;
  const YAML::Node at = tariff_node.IsMap() && Reader::child(tariff_node, "type")
                            ? *Reader::child(tariff_node, "type")
                            : tariff_node;
  if (t->needs_token() && t->token.empty()) {
    const std::string cred = t->type + "-token";
    if (env.credentials_directory && std::filesystem::exists(*env.credentials_directory / cred)) {
      t->token_file = *env.credentials_directory / cred;
      if (auto s = read_token(*t->token_file, r, &at, "credential " + cred))
        t->token = std::move(*s);
    } else {
      r.error_at(at, "tariff type " + t->type +
                         " needs an API token: set 'token_file', or "
                         "provide the systemd credential " +
                         cred);
    }
  }
  const std::string& cur = cfg.money.currency;
  if ((t->type == "entsoe" || t->type == "awattar") && cur != "EUR") {
    r.error_at(at, "tariff type " + t->type + " publishes prices in EUR, but currency is " + cur +
                       "; set 'currency: EUR'");
  }
  if (t->type == "nordpool" && cur != "EUR" && cur != "SEK" && cur != "NOK" && cur != "DKK" &&
      cur != "PLN") {
    r.error_at(at, "Nord Pool publishes EUR, SEK, NOK, DKK or PLN prices, not " + cur +
                       "; set 'currency:' to one of them");
  }
}

}  // namespace detail
}  // namespace offpeak::config
