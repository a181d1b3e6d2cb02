#pragma once
// Time in offpeak: every instant is UTC (`Instant`, whole seconds since the Unix epoch).
// Local time exists only at the edges (configuration, display) through `Zone`.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace date {
class time_zone;
}

namespace offpeak {

using Instant = std::chrono::sys_seconds;
using Seconds = std::chrono::seconds;
using LocalDate = std::chrono::year_month_day;

// Parses an RFC 3339 instant ("2026-03-28T18:00:00Z", "2026-03-28T19:00:00+01:00",
// fractional seconds are truncated). Returns nullopt on anything else.
std::optional<Instant> parse_rfc3339(std::string_view text);

// Formats an instant as RFC 3339 UTC with a `Z`: "2026-03-28T18:00:00Z".
std::string format_rfc3339(Instant t);

// Parses a calendar date "YYYY-MM-DD". Returns nullopt when malformed or not a real date.
std::optional<LocalDate> parse_date(std::string_view text);

// Parses a duration "30s", "15m", "2h", "1h30m". Returns nullopt when malformed or zero.
std::optional<Seconds> parse_duration(std::string_view text);

// Formats a duration the way `parse_duration` reads it ("1h30m", "45s").
std::string format_duration(Seconds d);

// A wall-clock time of day in minutes since local midnight, 0..1440 (1440 = "24:00").
struct TimeOfDay {
  int minutes = 0;
  friend bool operator==(TimeOfDay, TimeOfDay) = default;
};

// Parses "HH:MM" (00:00..23:59, and "24:00" when allow_24 is true).
std::optional<TimeOfDay> parse_time_of_day(std::string_view text, bool allow_24);

// "HH:MM".
std::string format_time_of_day(TimeOfDay t);

// Day of the week, Monday first (ISO 8601), usable as a bit index.
enum class Weekday : std::uint8_t { mon = 0, tue, wed, thu, fri, sat, sun };

// "mon".."sun" -> Weekday; nullopt otherwise (case-insensitive).
std::optional<Weekday> parse_weekday(std::string_view text);
std::string_view weekday_name(Weekday d);
Weekday weekday_of(LocalDate d);

// "jan".."dec" -> 1..12; nullopt otherwise (case-insensitive).
std::optional<int> parse_month(std::string_view text);

// The local time of one instant in a zone.
struct LocalTime {
  LocalDate date;
  int seconds_of_day = 0;  // 0..86399
  std::string abbrev;      // "GMT", "BST"
  Seconds utc_offset{0};
};

// An IANA time zone (from the OS tz database via date-tz). Cheap to copy.
class Zone {
 public:
  // Looks up an IANA name ("Europe/London"). nullopt when the name is unknown.
  static std::optional<Zone> locate(std::string_view name);
  static Zone utc();

  const std::string& name() const { return name_; }

  LocalTime to_local(Instant t) const;
  LocalDate local_date(Instant t) const { return to_local(t).date; }

  // The instant at which the local wall clock of `date` shows `minutes` (0..1440; 1440 is
  // midnight at the end of the day). Wall-clock times skipped by a DST change map to the
  // instant of the change; times that occur twice map to the first occurrence when
  // `prefer_later` is false, the second when it is true.
  Instant at(LocalDate date, int minutes, bool prefer_later = false) const;

  // Local midnight at the start of `date`.
  Instant start_of_day(LocalDate date) const { return at(date, 0); }

  // "Sun 29 Mar 00:30 GMT"-style rendering for humans.
  std::string format(Instant t, bool with_date = true) const;
  // "00:30" (local, no date).
  std::string format_hhmm(Instant t) const;

 private:
  Zone(const date::time_zone* tz, std::string name) : tz_(tz), name_(std::move(name)) {}
  const date::time_zone* tz_ = nullptr;
  std::string name_;
};

// Source of the current instant. The daemon injects a system or virtual clock; tests and the
// CLI dry run inject a fixed one. Implementations must be cheap to call.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
};

class SystemClock final : public Clock {
 public:
  Instant now() const override {
    return std::chrono::time_point_cast<Seconds>(std::chrono::system_clock::now());
  }
};

class FixedClock final : public Clock {
 public:
  explicit FixedClock(Instant t) : t_(t) {}
  Instant now() const override { return t_; }
  void set(Instant t) { t_ = t; }

 private:
  Instant t_;
};

}  // namespace offpeak
