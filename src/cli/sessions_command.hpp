#pragma once
// `offpeak sessions` and `offpeak report --month`: the recorded charging sessions with what
// each cost and what charging at once from plug-in would have cost, read from the
// configured database (never created, never written).

#include <offpeak/config/config.hpp>

#include <string>

namespace offpeak::cli {

// Sessions that started within [--from, --to] (local dates, both included; default: the last
// 30 days). Returns 0, 2 for a malformed date, 1 when the database cannot be read.
int cmd_sessions(const config::Config& cfg, const std::string& from, const std::string& to,
                 bool json);

// The month YYYY-MM (local): sessions, energy, cost, cost at once, saving, average price
// against the tariff's peak. Returns 0, 2 for a malformed month, 1 when the database cannot
// be read.
int cmd_report(const config::Config& cfg, const std::string& month, bool json);

}  // namespace offpeak::cli
