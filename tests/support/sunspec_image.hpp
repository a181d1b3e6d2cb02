#pragma once
// A SunSpec device's holding registers for tests: the "SunS" header, a common model (1), an
// inverter model (103) and a meter model (203), then the end marker, laid out as a real device
// would (Fronius-like: header at 40000). Used by the unit tests and by the Modbus TCP test
// server (tests/support/sunspec_server.cpp).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace offpeak::testing {

struct SunspecImage {
  int base = 40000;
  std::map<int, std::uint16_t> regs;  // address -> value; absent = Modbus exception

  // Where the models start (address of the id register).
  int common_at = 0;
  int inverter_at = 0;
  int meter_at = 0;

  void put(int address, std::uint16_t v) { regs[address] = v; }
  // The inverter's AC power W (int16) and W_SF.
  void inverter_power(std::int16_t w, std::int16_t sf) {
    put(inverter_at + 2 + 12, static_cast<std::uint16_t>(w));
    put(inverter_at + 2 + 13, static_cast<std::uint16_t>(sf));
  }
  // The meter's total real power W (int16) and W_SF.
  void meter_power(std::int16_t w, std::int16_t sf) {
    put(meter_at + 2 + 16, static_cast<std::uint16_t>(w));
    put(meter_at + 2 + 20, static_cast<std::uint16_t>(sf));
  }

  // Reads like a Modbus server: every register of the range must exist.
  std::optional<std::vector<std::uint16_t>> read(int address, int count) const {
    std::vector<std::uint16_t> out;
    for (int a = address; a < address + count; ++a) {
      auto it = regs.find(a);
      if (it == regs.end()) return std::nullopt;
      out.push_back(it->second);
    }
    return out;
  }
};

// A chain: SunS, 1 (L 66), 103 (L 50), 203 (L 105), 0xFFFF (L 0), every data register 0
// except the identification strings and "not implemented" where SunSpec devices put it.
// Inverter: 3 kW as 30000 x 10^-1; meter: -1234 W (exporting) as -12340 x 10^-1.
inline SunspecImage sunspec_image(int base = 40000, bool with_inverter = true,
                                  bool with_meter = true) {
  SunspecImage img;
  img.base = base;
  int at = base;
  img.put(at++, 0x5375);
  img.put(at++, 0x6E53);
  img.common_at = at;
  img.put(at++, 1);
  img.put(at++, 66);
  const std::string mn = "offpeak test";
  for (int i = 0; i < 66; ++i) {
    std::uint16_t v = 0;
    if (i < 16 && static_cast<std::size_t>(2 * i) < mn.size()) {
      v = static_cast<std::uint16_t>(static_cast<unsigned char>(mn[2 * i]) << 8);
      if (static_cast<std::size_t>(2 * i + 1) < mn.size())
        v |= static_cast<unsigned char>(mn[2 * i + 1]);
    }
    img.put(at++, v);
  }
  if (with_inverter) {
    img.inverter_at = at;
    img.put(at++, 103);
    img.put(at++, 50);
    for (int i = 0; i < 50; ++i)
      img.put(at++, 0x8000);  // not implemented until set
    img.inverter_power(30000, -1);
  }
  if (with_meter) {
    img.meter_at = at;
    img.put(at++, 203);
    img.put(at++, 105);
    for (int i = 0; i < 105; ++i)
      img.put(at++, 0x8000);
    img.meter_power(-12340, -1);
  }
  img.put(at++, 0xFFFF);
  img.put(at++, 0);
  return img;
}

}  // namespace offpeak::testing
