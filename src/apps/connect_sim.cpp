// offpeak-connect-sim: see docs/connect-sim.md.
#include <offpeak/sim/connect_sim.hpp>

int main(int argc, char** argv) {
  return offpeak::sim::run_connect_sim(argc, argv);
}
