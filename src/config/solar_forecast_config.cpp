// The `solar_forecast:` section of the main file (spec solar.md): the source, the site's
// position, its roof faces (or Solcast rooftop sites), the key and the plan's confidence.
// Source types form an explicit registry: k_types below.

#include <offpeak/config/solar_forecast_config.hpp>

#include "yaml_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace offpeak::config {

namespace {

struct TypeDef {
  std::string_view name;
  SolarForecastType type;
  std::string_view default_base_url;
  bool needs_key;    // solcast
  bool uses_arrays;  // forecast.solar, open-meteo (solcast knows its sites' panels)
};

constexpr TypeDef k_types[] = {
    {"forecast.solar", SolarForecastType::forecast_solar, "https://api.forecast.solar", false,
     true},
    {"open-meteo", SolarForecastType::open_meteo, "https://api.open-meteo.com", false, true},
    {"solcast", SolarForecastType::solcast, "https://api.solcast.com.au", true, false},
};

constexpr std::size_t k_max_arrays = 8;

// The file's content without trailing newlines; never echoes the content.
std::optional<Secret> read_key(const std::filesystem::path& p, detail::Reader& r,
                               const YAML::Node* at, std::string_view what) {
  auto fail = [&](std::string msg) {
    if (at)
      r.error_at(*at, std::move(msg));
    else
      r.file_error(std::move(msg));
    return std::nullopt;
  };
  std::ifstream in(p, std::ios::binary);
  if (!in)
    return fail("cannot read the " + std::string(what) + " file " + p.string() + ": " +
                std::strerror(errno));
  std::stringstream buf;
  buf << in.rdbuf();
  std::string v = buf.str();
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r' || v.back() == ' '))
    v.pop_back();
  if (v.empty()) return fail("the " + std::string(what) + " file " + p.string() + " is empty");
  if (std::any_of(v.begin(), v.end(), [](char c) {
        return std::isspace(static_cast<unsigned char>(c)) || c == '/' || c == '?' || c == '#';
      }))
    return fail("the " + std::string(what) + " file " + p.string() +
                " holds more than one key (spaces, '/', '?' or '#')");
  return Secret(std::move(v));
}

bool valid_site_id(const std::string& s) {
  return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
  });
}

void parse_array(const YAML::Node& n, detail::Reader& r, std::vector<SolarArray>& out) {
  if (!r.check_map(n, "solar_forecast array", {"kwp", "tilt", "azimuth"})) return;
  SolarArray a;
  bool ok = true;
  if (auto v = r.required(n, "kwp", "solar_forecast array")) {
    if (auto d = r.number_in(*v, "the array's peak power in kW", 0, 1000, true))
      a.kwp = *d;
    else
      ok = false;
  } else {
    ok = false;
  }
  if (auto v = r.required(n, "tilt", "solar_forecast array")) {
    if (auto d = r.number_in(*v, "degrees from horizontal", 0, 90))
      a.tilt = *d;
    else
      ok = false;
  } else {
    ok = false;
  }
  if (auto v = r.required(n, "azimuth", "solar_forecast array")) {
    if (auto d = r.number_in(*v, "degrees from north, clockwise (180 = south)", 0, 360))
      a.azimuth = *d;
    else
      ok = false;
  } else {
    ok = false;
  }
  if (ok) out.push_back(a);
}

}  // namespace

std::string_view solar_forecast_type_name(SolarForecastType t) {
  for (const auto& d : k_types)
    if (d.type == t) return d.name;
  return "?";
}

namespace detail {

void parse_solar_forecast(const YAML::Node& node, Reader& r, const std::filesystem::path& dir,
                          const Environment& env, std::optional<SolarForecastConfig>& out) {
  if (!r.check_map(node, "solar_forecast",
                   {"type", "latitude", "longitude", "arrays", "api_key_file", "site_id",
                    "base_url", "confidence", "system_efficiency", "temp_coeff"}))
    return;
  SolarForecastConfig c;
  const TypeDef* def = nullptr;
  if (auto n = r.required(node, "type", "solar_forecast")) {
    const auto s = n->IsScalar() ? std::optional(n->Scalar()) : std::nullopt;
    for (const auto& d : k_types)
      if (s && *s == d.name) def = &d;
    if (def == nullptr) {
      r.error_at(*n, "unknown solar forecast type " + quoted(*n) +
                         "; expected forecast.solar, open-meteo or solcast");
      return;
    }
  } else {
    return;
  }
  c.type = def->type;
  c.base_url = std::string(def->default_base_url);
  if (auto n = r.required(node, "latitude", "solar_forecast"))
    if (auto v = r.number_in(*n, "degrees north (-90..90)", -90, 90)) c.latitude = *v;
  if (auto n = r.required(node, "longitude", "solar_forecast"))
    if (auto v = r.number_in(*n, "degrees east (-180..180)", -180, 180)) c.longitude = *v;

  auto arrays = Reader::child(node, "arrays");
  if (def->uses_arrays) {
    if (auto n = r.required(node, "arrays", "solar_forecast")) {
      if (!n->IsSequence() || n->size() == 0) {
        r.error_at(*n,
                   "expected a list of roof faces such as "
                   "[{ kwp: 4.2, tilt: 35, azimuth: 180 }], got " +
                       quoted(*n));
      } else if (n->size() > k_max_arrays) {
        r.error_at(*n, "at most " + std::to_string(k_max_arrays) + " arrays, got " +
                           std::to_string(n->size()));
      } else {
        for (const auto& a : *n)
          parse_array(a, r, c.arrays);
      }
    }
  } else if (arrays) {
    r.error_at(*arrays,
               "solcast knows its rooftop sites' panels: give 'site_id' instead of "
               "'arrays'");
  }

  auto site = Reader::child(node, "site_id");
  if (def->type == SolarForecastType::solcast) {
    if (auto n = r.required(node, "site_id", "solar_forecast")) {
      std::vector<YAML::Node> ids;
      if (n->IsScalar())
        ids.push_back(*n);
      else if (n->IsSequence() && n->size() > 0 && n->size() <= k_max_arrays)
        for (const auto& i : *n)
          ids.push_back(i);
      else
        r.error_at(*n, "expected a Solcast rooftop site id or a list of at most " +
                           std::to_string(k_max_arrays) + ", got " + quoted(*n));
      for (const auto& i : ids) {
        auto s = r.string(i, "a Solcast rooftop site id");
        if (s && valid_site_id(*s))
          c.site_ids.push_back(*s);
        else if (s)
          r.error_at(i, "a Solcast rooftop site id is letters, digits and '-', got " + quoted(i));
      }
    }
  } else if (site) {
    r.error_at(*site, "'site_id' is for type solcast");
  }

  if (auto n = Reader::child(node, "api_key_file")) {
    if (auto p = r.path(*n, dir)) {
      c.api_key_file = *p;
      if (auto k = read_key(*p, r, &*n, "solar forecast API key")) c.api_key = std::move(*k);
    }
  } else if (def->needs_key) {
    const std::string cred = "solcast-api-key";
    if (credential_given(env, cred)) {
      c.api_key_file = *env.credentials_directory / cred;
      if (auto k = read_key(*c.api_key_file, r, nullptr, "credential " + cred))
        c.api_key = std::move(*k);
    } else {
      r.error_at_parent(node,
                        "solar forecast type solcast needs an API key: set "
                        "'api_key_file', or provide the systemd credential " +
                            cred);
    }
  }
  if (auto n = Reader::child(node, "base_url")) {
    if (auto s = r.string(*n, "an http:// or https:// URL")) {
      std::string u = *s;
      while (!u.empty() && u.back() == '/')
        u.pop_back();
      if ((u.rfind("http://", 0) == 0 && u.size() > 7) ||
          (u.rfind("https://", 0) == 0 && u.size() > 8))
        c.base_url = u;
      else
        r.error_at(*n, "expected an http:// or https:// URL, got " + quoted(*n));
    }
  }
  if (auto n = Reader::child(node, "confidence"))
    if (auto v = r.number_in(*n, "a fraction between 0 and 1", 0, 1)) c.confidence = *v;
  if (auto n = Reader::child(node, "system_efficiency"))
    if (auto v = r.number_in(*n, "a fraction between 0 and 1", 0, 1, true))
      c.system_efficiency = *v;
  if (auto n = Reader::child(node, "temp_coeff"))
    if (auto v = r.number_in(*n, "a relative change per kelvin such as -0.004", -0.02, 0))
      c.temp_coeff = *v;
  out = std::move(c);
}

}  // namespace detail
}  // namespace offpeak::config
