#include <offpeak/daemon/logging.hpp>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <iostream>
#include <sstream>

namespace offpeak::daemon {
namespace {

TEST(Logging, JournaldFormatHasPriorityPrefixAndNoTimestamp) {
  std::ostringstream out;
  auto logger =
      make_logger("t", std::make_shared<spdlog::sinks::ostream_sink_st>(out), LogFormat::journald);
  logger->set_level(spdlog::level::trace);
  logger->trace("a");
  logger->debug("b");
  logger->info("need {} kWh", 16.8);
  logger->warn("d");
  logger->error("e");
  logger->critical("f");
  EXPECT_EQ(out.str(), "<7>a\n<7>b\n<6>need 16.8 kWh\n<4>d\n<3>e\n<2>f\n");
}

TEST(Logging, TimestampedFormatOutsideJournald) {
  std::ostringstream out;
  auto logger = make_logger("t", std::make_shared<spdlog::sinks::ostream_sink_st>(out),
                            LogFormat::timestamped);
  logger->warn("price feed late");
  logger->debug("hidden at info");
  // "YYYY-MM-DD HH:MM:SS.mmm [warning] price feed late\n" (std::regex trips a g++ 12
  // false warning under the sanitizers, so the shape is checked by hand).
  const std::string text = out.str();
  const std::string shape = "####-##-## ##:##:##.### [warning] price feed late\n";
  ASSERT_EQ(text.size(), shape.size()) << text;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == '#') {
      EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(text[i]))) << text;
    } else {
      EXPECT_EQ(text[i], shape[i]) << text;
    }
  }
}

TEST(Logging, ParsesLevels) {
  EXPECT_EQ(parse_log_level("trace"), spdlog::level::trace);
  EXPECT_EQ(parse_log_level("debug"), spdlog::level::debug);
  EXPECT_EQ(parse_log_level("info"), spdlog::level::info);
  EXPECT_EQ(parse_log_level("warn"), spdlog::level::warn);
  EXPECT_EQ(parse_log_level("error"), spdlog::level::err);
  EXPECT_FALSE(parse_log_level("loud"));
  EXPECT_FALSE(parse_log_level("INFO"));
}

TEST(Logging, SetLevelChangesDefaultLogger) {
  setup_logging("error");
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::err);
  EXPECT_TRUE(set_log_level("debug"));
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::debug);
  EXPECT_FALSE(set_log_level("verbose"));
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::debug);
}

TEST(Logging, JournalStreamMustNameTheSameFile) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  struct stat st {};
  ASSERT_EQ(::fstat(fds[1], &st), 0);
  const std::string id = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  EXPECT_TRUE(journal_stream_matches(id, fds[1]));
  EXPECT_FALSE(journal_stream_matches(
      std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1), fds[1]));
  EXPECT_FALSE(journal_stream_matches("", fds[1]));
  EXPECT_FALSE(journal_stream_matches("12", fds[1]));
  EXPECT_FALSE(journal_stream_matches("a:b", fds[1]));
  EXPECT_FALSE(journal_stream_matches(id + "x", fds[1]));
  ::close(fds[0]);
  ::close(fds[1]);
}

TEST(Logging, DetectsJournaldOnlyWhenStderrMatches) {
  struct stat st {};
  ASSERT_EQ(::fstat(STDERR_FILENO, &st), 0);
  ::setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)).c_str(),
           1);
  EXPECT_EQ(detect_log_format(), LogFormat::journald);
  ::setenv("JOURNAL_STREAM", "1:1", 1);  // inherited from a parent, stderr redirected since
  EXPECT_EQ(detect_log_format(), LogFormat::timestamped);
  ::unsetenv("JOURNAL_STREAM");
  EXPECT_EQ(detect_log_format(), LogFormat::timestamped);
}

TEST(Logging, StderrUnderJournaldGetsPrefixes) {
  // Point stderr at a pipe, name it in JOURNAL_STREAM, and read what setup_logging writes.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const int saved = ::dup(STDERR_FILENO);
  ASSERT_GE(saved, 0);
  ASSERT_EQ(::dup2(fds[1], STDERR_FILENO), STDERR_FILENO);
  struct stat st {};
  ASSERT_EQ(::fstat(STDERR_FILENO, &st), 0);
  ::setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)).c_str(),
           1);
  auto logger = setup_logging("info");
  logger->info("ready");
  logger->error("switch failed");
  logger->debug("not shown");
  logger->flush();
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  ::close(fds[1]);
  ::unsetenv("JOURNAL_STREAM");
  std::string text;
  char buf[256];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) {
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  EXPECT_EQ(text, "<6>ready\n<3>switch failed\n");
  spdlog::set_default_logger(
      make_logger("reset", std::make_shared<spdlog::sinks::ostream_sink_st>(std::cerr),
                  LogFormat::timestamped));
}

}  // namespace
}  // namespace offpeak::daemon
