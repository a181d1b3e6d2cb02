// The real offpeakd refusing a bad configuration at start: under systemd (stderr is the
// journal stream named by JOURNAL_STREAM) every line carries the error priority, so that
// `journalctl -p err` shows why the service did not start; in a terminal the lines are plain.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Outcome {
  int status = -1;
  std::string err;
};

// Runs offpeakd --config CONFIG with stderr in a file; with `journald`, JOURNAL_STREAM names
// that file as systemd does for a unit whose output goes to the journal.
Outcome run_offpeakd(const fs::path& dir, const fs::path& config, bool journald) {
  const fs::path log = dir / (journald ? "journald.log" : "terminal.log");
  const int fd = ::open(log.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  EXPECT_GE(fd, 0);
  struct stat st {};
  EXPECT_EQ(::fstat(fd, &st), 0);
  const std::string stream = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fd, STDERR_FILENO);
    ::dup2(fd, STDOUT_FILENO);
    if (journald) {
      ::setenv("JOURNAL_STREAM", stream.c_str(), 1);
    } else {
      ::unsetenv("JOURNAL_STREAM");
    }
    ::execl(OFFPEAKD_BIN, "offpeakd", "--config", config.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fd);
  Outcome r;
  int wstatus = 0;
  EXPECT_EQ(::waitpid(pid, &wstatus, 0), pid);
  r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  r.err = text.str();
  return r;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

class OffpeakdJournal : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("offpeak-journal-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    // Two errors: a SoC out of range and a missing tariff file.
    std::ofstream(dir_ / "offpeak.yaml") << "timezone: Europe/London\n"
                                            "vehicle:\n"
                                            "  battery_kwh: 40\n"
                                            "  max_charge_kw: 7.4\n"
                                            "  source:\n"
                                            "    type: simulator\n"
                                            "charging:\n"
                                            "  target_soc: 180\n"
                                            "  ready_by: \"07:30\"\n"
                                            "tariff: tariffs/missing.yaml\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(OffpeakdJournal, ConfigErrorsAtStartCarryTheErrorPriority) {
  const Outcome r = run_offpeakd(dir_, dir_ / "offpeak.yaml", true);
  EXPECT_EQ(r.status, 78) << r.err;
  const auto lines = lines_of(r.err);
  ASSERT_GE(lines.size(), 2u) << r.err;
  for (const auto& line : lines)
    EXPECT_EQ(line.rfind("<3>", 0), 0u) << "no error priority: " << line;
  EXPECT_NE(r.err.find("<3>" + (dir_ / "offpeak.yaml").string() + ":8:"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("<3>offpeakd: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("not starting"), std::string::npos) << r.err;
}

TEST_F(OffpeakdJournal, ConfigErrorsInATerminalArePlain) {
  const Outcome r = run_offpeakd(dir_, dir_ / "offpeak.yaml", false);
  EXPECT_EQ(r.status, 78) << r.err;
  const auto lines = lines_of(r.err);
  ASSERT_GE(lines.size(), 2u) << r.err;
  EXPECT_EQ(lines.front().rfind((dir_ / "offpeak.yaml").string() + ":8:", 0), 0u) << r.err;
  EXPECT_EQ(r.err.find("<3>"), std::string::npos) << r.err;
}

}  // namespace
