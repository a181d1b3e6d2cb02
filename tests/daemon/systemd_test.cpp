#include <offpeak/daemon/systemd.hpp>

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace offpeak::daemon {
namespace {
namespace fs = std::filesystem;

// A datagram socket bound in a temporary directory and named by NOTIFY_SOCKET, as systemd
// does for a Type=notify service.
class NotifySocket : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "offpeak-notify-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    const std::string path = (dir_ / "notify").string();
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    ASSERT_LT(path.size(), sizeof addr.sun_path);
    path.copy(addr.sun_path, path.size());
    ASSERT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    timeval timeout{2, 0};
    ASSERT_EQ(::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout), 0);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  }
  void TearDown() override {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
    if (fd_ >= 0) ::close(fd_);
    fs::remove_all(dir_);
  }
  // The next datagram, or "" after the 2 s timeout.
  std::string receive() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }

  fs::path dir_;
  int fd_ = -1;
  Notifier notifier_;
};

TEST_F(NotifySocket, SendsEachStateMessage) {
  EXPECT_TRUE(notifier_.enabled());
  EXPECT_TRUE(notifier_.ready());
  EXPECT_EQ(receive(), "READY=1");
  EXPECT_TRUE(notifier_.status("planned 00:30-02:46\nat 7.5p"));
  EXPECT_EQ(receive(), "STATUS=planned 00:30-02:46 at 7.5p");
  EXPECT_TRUE(notifier_.watchdog());
  EXPECT_EQ(receive(), "WATCHDOG=1");
  EXPECT_TRUE(notifier_.stopping());
  EXPECT_EQ(receive(), "STOPPING=1");
}

TEST_F(NotifySocket, ReloadingCarriesMonotonicTimestamp) {
  timespec before{};
  clock_gettime(CLOCK_MONOTONIC, &before);
  EXPECT_TRUE(notifier_.reloading());
  const std::string message = receive();
  const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
  ASSERT_EQ(message.rfind(prefix, 0), 0u) << message;
  const auto usec = std::stoull(message.substr(prefix.size()));
  const auto before_usec = static_cast<unsigned long long>(before.tv_sec) * 1000000ull +
                           static_cast<unsigned long long>(before.tv_nsec) / 1000ull;
  EXPECT_GE(usec, before_usec);
  EXPECT_LT(usec, before_usec + 5000000ull);
}

TEST_F(NotifySocket, WatchdogIntervalFromEnvironment) {
  EXPECT_FALSE(notifier_.watchdog_interval());
  ::setenv("WATCHDOG_USEC", "60000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  EXPECT_EQ(notifier_.watchdog_interval(), std::chrono::seconds(60));
  ::setenv("WATCHDOG_PID", "1", 1);  // meant for another process
  EXPECT_FALSE(notifier_.watchdog_interval());
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  ::setenv("WATCHDOG_USEC", "soon", 1);
  EXPECT_FALSE(notifier_.watchdog_interval());
}

TEST(Notifier, IsANoOpOutsideSystemd) {
  ::unsetenv("NOTIFY_SOCKET");
  Notifier notifier;
  EXPECT_FALSE(notifier.enabled());
  EXPECT_FALSE(notifier.ready());
  EXPECT_FALSE(notifier.status("x"));
  EXPECT_FALSE(notifier.watchdog());
  EXPECT_FALSE(notifier.reloading());
  EXPECT_FALSE(notifier.stopping());
}

}  // namespace
}  // namespace offpeak::daemon
