#include <offpeak/cli/cli.hpp>

int main(int argc, char** argv) {
  return offpeak::cli::run_offpeak(argc, argv);
}
