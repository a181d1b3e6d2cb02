#pragma once
// The `offpeak` command-line tool (contract: ../shared/spec/cli.md).

namespace offpeak::cli {

// Exit statuses (sysexits.h where one fits).
inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_failure = 1;
inline constexpr int k_exit_usage = 2;
inline constexpr int k_exit_unavailable = 69;  // a service was unreachable
inline constexpr int k_exit_noperm = 77;       // credentials refused
inline constexpr int k_exit_config = 78;       // configuration invalid

// Runs `offpeak` with the process arguments; returns the exit status. Output goes to
// stdout (results) and stderr (errors, logs).
int run_offpeak(int argc, char** argv);

}  // namespace offpeak::cli
