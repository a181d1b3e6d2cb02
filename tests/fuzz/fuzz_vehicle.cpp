// libFuzzer target for what the vehicle sources read (offpeak::vehicles): the first byte picks
// the reader (a SoC or flag payload with and without a JSON field, a Home Assistant state or
// state list, a JSON API answer), the rest is the payload. Run: scripts/fuzz vehicle [RUNS]

#include <offpeak/vehicles/readings.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

namespace {

void check_problem(const std::string& p) {
  for (char c : p)
    if (static_cast<unsigned char>(c) < 0x20) std::abort();  // logged as it is
  if (p.size() > 400) std::abort();
}

void check_percent(const offpeak::vehicles::Read<double>& r) {
  if (r.value && !(*r.value >= 0 && *r.value <= 100)) std::abort();
  if (r.value && !r.problem.empty()) std::abort();
  check_problem(r.problem);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  using namespace offpeak::vehicles;
  const std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);
  switch (data[0] % 7) {
    case 0:
      check_percent(read_percent(payload, ""));
      break;
    case 1:
      check_percent(read_percent(payload, "data.cars.0.soc"));
      break;
    case 2: {
      auto r = read_flag(payload, "", {}, {});
      check_problem(r.problem);
      break;
    }
    case 3: {
      auto r = read_flag(payload, "state", {"ON"}, {"OFF"});
      check_problem(r.problem);
      break;
    }
    case 4: {
      std::string problem;
      if (auto s = parse_ha_state(payload, problem)) check_percent(read_percent(s->state, ""));
      check_problem(problem);
      break;
    }
    case 5:
      (void)ha_entities(payload, "battery");
      break;
    default: {
      HttpFields f;
      f.soc = "data.soc";
      f.plugged = "data.plugged";
      f.range = "data.range";
      auto r = read_http_document(payload, f);
      check_percent(r.soc);
      check_problem(r.problem);
      if (r.range_km.value && !(*r.range_km.value >= 0 && *r.range_km.value <= 10000)) std::abort();
      break;
    }
  }
  return 0;
}
