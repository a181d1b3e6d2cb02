#pragma once
// SunSpec over Modbus, the socket-free part: finding the `SunS` header, walking the model
// chain and reading the total real power of a meter (models 201-204) or an inverter (models
// 101-103) with its scale factor. Registers come from a RegisterReader: libmodbus on a worker
// thread in offpeakd (src/daemon/site_meters_sunspec.cpp), a register image in the tests and
// the fuzz target (tests/fuzz/fuzz_sunspec.cpp).
//
// Register addresses are 0-based protocol addresses (the "40001" of some manuals is 40000).
// A model is [id, length, length registers of data]; the chain ends with id 0xFFFF.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace offpeak::site {

// Where the header is looked for, in this order.
inline constexpr int k_sunspec_bases[] = {40000, 0, 50000};
// "SunS" as two registers.
inline constexpr std::uint16_t k_sunspec_id0 = 0x5375;
inline constexpr std::uint16_t k_sunspec_id1 = 0x6E53;
// The end of the model chain.
inline constexpr std::uint16_t k_sunspec_end = 0xFFFF;
// At most this many models are walked (devices list a dozen at most).
inline constexpr int k_sunspec_max_models = 64;
// A Modbus read carries at most 125 registers.
inline constexpr int k_modbus_max_registers = 125;

// "Not implemented" markers: a value is unknown, never 0.
inline constexpr std::uint16_t k_int16_not_implemented = 0x8000;
inline constexpr std::uint16_t k_uint16_not_implemented = 0xFFFF;
inline constexpr std::uint16_t k_sunssf_not_implemented = 0x8000;

enum class SunspecDevice { meter, inverter };

// Reads `count` (1..125) holding registers from `address`. Returns them, or nullopt with
// `error` set (a Modbus exception, a timeout, a lost connection: in plain words).
using RegisterReader = std::function<std::optional<std::vector<std::uint16_t>>(
    int address, int count, std::string& error)>;

// Where a model sits: `address` is the register of its id; its data follows at address + 2.
struct SunspecModel {
  std::uint16_t id = 0;
  std::uint16_t length = 0;
  int address = 0;
};

// The device's layout, found once and then reused for every read.
struct SunspecLayout {
  int base = 0;                             // where "SunS" was found
  std::vector<SunspecModel> models;         // the chain, in order
  std::optional<SunspecModel> power_model;  // the first model of the wanted device
};

struct SunspecResult {
  std::optional<SunspecLayout> layout;  // set when discovery succeeded
  std::optional<double> watts;          // total real power; nullopt when unknown
  std::string error;                    // why there is no layout or no value, in plain words
};

// The model ids that carry the wanted device's total power.
bool is_power_model(SunspecDevice device, std::uint16_t model_id);

// Whether the two registers are "SunS".
bool is_sunspec_header(std::span<const std::uint16_t> regs);

// A SunSpec scale factor register as a power of ten, or nullopt when not implemented or
// outside -10..10.
std::optional<int> scale_factor(std::uint16_t reg);

// The total real power of a power model's data block (the registers after id and length),
// in watts, as the device reports it (meters: positive = import, per SunSpec). nullopt when
// the block is too short, the value or its scale factor is not implemented.
std::optional<double> model_power_w(std::uint16_t model_id, std::span<const std::uint16_t> data);

// Finds the header at k_sunspec_bases and walks the chain to its end (or the first unreadable
// model header), noting the wanted device's first power model.
SunspecResult discover(const RegisterReader& read, SunspecDevice device);

// Reads the power model's block and its power. `layout` comes from discover().
SunspecResult read_power(const RegisterReader& read, const SunspecLayout& layout);

// discover() when `layout` is empty, then read_power(): one reading.
SunspecResult read_sunspec(const RegisterReader& read, SunspecDevice device,
                           const std::optional<SunspecLayout>& layout);

}  // namespace offpeak::site
