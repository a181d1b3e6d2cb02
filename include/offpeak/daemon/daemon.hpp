#pragma once
// offpeakd: the long-running service (contract: ../shared/spec/cli.md, `offpeakd`).

namespace offpeak::daemon {

// Runs offpeakd with the process arguments until SIGTERM/SIGINT; returns the exit status
// (0 after a clean stop, 2 usage, 78 configuration, 1 other start-up failure).
int run_offpeakd(int argc, char** argv);

}  // namespace offpeak::daemon
