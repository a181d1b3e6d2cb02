// libFuzzer target for SunSpec register blocks as a Modbus device returns them: the input is
// a register image (big-endian pairs) placed at the base the first byte picks (40000, 0 or
// 50000); reads beyond the image fail like a Modbus exception. The walk, the model picking and
// the power with its scale factor must never crash, read out of bounds, loop, or give a
// non-finite power. Run: scripts/fuzz sunspec [RUNS]

#include <offpeak/site/sunspec.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  using namespace offpeak::site;
  const int bases[] = {40000, 0, 50000};
  const int base = bases[data[0] % 3];
  const SunspecDevice device = (data[0] & 4) != 0 ? SunspecDevice::inverter : SunspecDevice::meter;
  std::vector<std::uint16_t> regs;
  for (std::size_t i = 1; i + 1 < size; i += 2)
    regs.push_back(static_cast<std::uint16_t>((data[i] << 8) | data[i + 1]));
  int reads = 0;
  RegisterReader read = [&](int address, int count,
                            std::string& error) -> std::optional<std::vector<std::uint16_t>> {
    ++reads;
    if (count < 1 || count > k_modbus_max_registers) std::abort();
    const long from = static_cast<long>(address) - base;
    if (from < 0 || from + count > static_cast<long>(regs.size())) {
      error = "Modbus exception 2 (illegal data address)";
      return std::nullopt;
    }
    return std::vector<std::uint16_t>(regs.begin() + from, regs.begin() + from + count);
  };
  SunspecResult r = read_sunspec(read, device, std::nullopt);
  if (r.watts && !std::isfinite(*r.watts)) std::abort();
  if (r.watts && !r.layout) std::abort();
  if (reads > 3 + k_sunspec_max_models + 1) std::abort();  // bounded work per reading
  if (r.layout) {
    auto again = read_sunspec(read, device, r.layout);
    if (again.watts != r.watts) std::abort();  // the same registers, the same answer
  }
  return 0;
}
