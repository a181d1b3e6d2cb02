#include <offpeak/daemon/daemon.hpp>

int main(int argc, char** argv) {
  return offpeak::daemon::run_offpeakd(argc, argv);
}
