#pragma once
// `offpeak setup`'s questions on the terminal and its failures with their exit status. Private
// to the cli module (setup_command.cpp, setup_europe.cpp, setup_source.cpp).

#include <offpeak/cli/cli.hpp>

#include <boost/json.hpp>

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace offpeak::cli {

// A failure with its exit status and message.
struct SetupError : std::runtime_error {
  SetupError(int code, const std::string& message) : std::runtime_error(message), status(code) {}
  int status;
};

inline std::string quote(const std::string& s) {
  return boost::json::serialize(boost::json::string(s));  // a valid YAML double-quoted scalar
}

inline std::string trim(std::string s) {
  while (!s.empty() &&
         (s.back() == '\n' || s.back() == '\r' || s.back() == ' ' || s.back() == '\t'))
    s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && (s[b] == ' ' || s[b] == '\t'))
    ++b;
  return s.substr(b);
}

// Questions on the terminal: prompts on stdout, answers from stdin.
class Prompter {
 public:
  std::string line() {
    std::string s;
    if (!std::getline(std::cin, s)) throw SetupError(k_exit_usage, "input ended; nothing written");
    return trim(s);
  }
  std::string ask(const std::string& question, const std::string& fallback = "") {
    std::cout << question << (fallback.empty() ? "" : " [" + fallback + "]") << ": " << std::flush;
    std::string s = line();
    return s.empty() ? fallback : s;
  }
  // No echo while typing. Echo goes off before the prompt appears and nothing typed is
  // discarded (TCSANOW, not TCSAFLUSH): an answer typed or pasted at once is neither shown
  // nor lost.
  std::string secret(const std::string& question) {
    termios old{};
    const bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
      termios quiet = old;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      quiet.c_lflag |= ECHONL;
      tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::cout << question << ": " << std::flush;
    std::string s;
    const bool ok = static_cast<bool>(std::getline(std::cin, s));
    if (tty) tcsetattr(STDIN_FILENO, TCSANOW, &old);
    if (!ok) throw SetupError(k_exit_usage, "input ended; nothing written");
    while (!s.empty() && (s.back() == '\r' || s.back() == '\n'))
      s.pop_back();
    return s;
  }
  double number(const std::string& question, double fallback, double lo, double hi) {
    char def[32];
    std::snprintf(def, sizeof def, "%g", fallback);
    for (;;) {
      std::string s = ask(question, def);
      char* end = nullptr;
      const double v = std::strtod(s.c_str(), &end);
      if (end != s.c_str() && *end == '\0' && v > lo && v <= hi) return v;
      std::cout << "  a number above " << lo << " and at most " << hi << ", please\n";
    }
  }
  std::string choice(const std::string& question, const std::vector<std::string>& options,
                     const std::string& fallback) {
    for (;;) {
      std::string s = ask(question, fallback);
      if (std::find(options.begin(), options.end(), s) != options.end()) return s;
      char* end = nullptr;
      const long n = std::strtol(s.c_str(), &end, 10);
      if (end != s.c_str() && *end == '\0' && n >= 1 && n <= static_cast<long>(options.size()))
        return options[static_cast<std::size_t>(n - 1)];
      std::cout << "  one of the numbers or names above, please\n";
    }
  }
};

// A secret from a file ("-": standard input); `what` names it in messages.
inline std::string read_password_file(const std::string& file,
                                      const std::string& what = "password") {
  std::string v;
  if (file == "-") {
    std::stringstream buf;
    buf << std::cin.rdbuf();
    v = buf.str();
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      throw SetupError(k_exit_failure,
                       "cannot read the " + what + " file " + file + ": " + std::strerror(errno));
    }
    std::stringstream buf;
    buf << in.rdbuf();
    v = buf.str();
  }
  while (!v.empty() && (v.back() == '\n' || v.back() == '\r'))
    v.pop_back();
  if (v.empty()) throw SetupError(k_exit_usage, "the " + what + " file " + file + " is empty");
  return v;
}

}  // namespace offpeak::cli
