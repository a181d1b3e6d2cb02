// `offpeak setup` through the real binary against the real offpeak-connect-sim on loopback:
// on a pseudo-terminal (questions, a password typed without echo, the second of two cars, a
// preset, the http switch) and with --non-interactive; the files it writes pass `check`.

#include "../e2e/process.hpp"
#include "../unit/test_files.hpp"

#include <gtest/gtest.h>

#include <poll.h>
#include <pty.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace {

using namespace std::chrono_literals;
using offpeak::testing::CommandResult;
using offpeak::testing::Process;
using offpeak::testing::TempDir;
namespace fs = std::filesystem;

constexpr const char* k_sim = R"(cars:
  - device_id: WBY1FIRST0000001
    brand: BMW
    model: i3
    year: 2019
    battery_kwh: 37.9
    max_charge_kw: 7.4
    efficiency: 0.9
    full_range_km: 260
    soc: 55
  - device_id: WMW2SECOND000002
    brand: MINI
    model: Cooper SE
    year: 2021
    battery_kwh: 28.9
    max_charge_kw: 11
    efficiency: 0.9
    full_range_km: 230
    soc: 64
accounts:
  - email: owner@example.com
    password: "s3cret pass#1"
)";
constexpr const char* k_password = "s3cret pass#1";

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777U;
}

// The simulator with two cars on one account, on a free loopback port.
class Sim {
 public:
  explicit Sim(const TempDir& dir)
      : p_({CONNECT_SIM_BIN, "--listen", "127.0.0.1:0", "--config",
            dir.write("sim.yaml", k_sim).string()},
           (dir.path() / "sim.log").string()) {
    if (p_.wait_for("listening on 127.0.0.1:", 10s)) {
      const std::string l = p_.log();
      const auto pos = l.find("listening on 127.0.0.1:") + std::strlen("listening on 127.0.0.1:");
      base_ = "http://127.0.0.1:" + std::to_string(std::stoi(l.substr(pos)));
    }
  }
  const std::string& base() const { return base_; }
  std::string log() const { return p_.log(); }

 private:
  Process p_;
  std::string base_;
};

CommandResult offpeak(const std::string& args) {
  return offpeak::testing::run_command(std::string(OFFPEAK_BIN) + " " + args + " 2>&1");
}

// A program on a pseudo-terminal, talked to like a user would.
class Terminal {
 public:
  explicit Terminal(std::vector<std::string> argv) {
    pid_ = forkpty(&fd_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      std::vector<char*> args;
      for (auto& a : argv)
        args.push_back(a.data());
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~Terminal() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (fd_ >= 0) close(fd_);
  }
  Terminal(const Terminal&) = delete;
  Terminal& operator=(const Terminal&) = delete;

  // Waits until `text` appears after what was already consumed.
  bool expect(const std::string& text, std::chrono::seconds timeout = 30s) {
    const auto end = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto pos = out_.find(text, consumed_);
      if (pos != std::string::npos) {
        consumed_ = pos + text.size();
        return true;
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !read_some(static_cast<int>(left.count()))) return false;
    }
  }
  void send(const std::string& line) {
    const std::string l = line + "\n";
    ASSERT_EQ(write(fd_, l.data(), l.size()), static_cast<ssize_t>(l.size()));
  }
  int wait_exit() {
    while (read_some(100)) {
    }
    int st = 0;
    waitpid(pid_, &st, 0);
    exited_ = true;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  }
  const std::string& output() const { return out_; }

 private:
  bool read_some(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[4096];
    const ssize_t n = read(fd_, buf, sizeof buf);
    if (n <= 0) return false;  // EIO once the program has exited
    out_.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  int fd_ = -1;
  pid_t pid_ = -1;
  bool exited_ = false;
  std::string out_;
  std::size_t consumed_ = 0;
};

TEST(SetupCli, InteractiveOnATerminalPicksTheSecondCarAPresetAndTheHttpSwitch) {
  TempDir dir;
  Sim sim(dir);
  ASSERT_FALSE(sim.base().empty()) << sim.log();
  const fs::path cfg = dir.path() / "etc" / "offpeak.yaml";
  Terminal t({OFFPEAK_BIN, "setup", "--config", cfg.string(), "--base-url", sim.base()});
  ASSERT_TRUE(t.expect("none: you tell it) [connect]: ")) << t.output();
  t.send("");  // the default: the Connect account
  ASSERT_TRUE(t.expect("E-mail: ")) << t.output();
  t.send("owner@example.com");
  ASSERT_TRUE(t.expect("Password (not shown): ")) << t.output();
  t.send(k_password);
  ASSERT_TRUE(t.expect("1) WBY1FIRST0000001  BMW i3 (2019)  55%")) << t.output();
  ASSERT_TRUE(t.expect("2) WMW2SECOND000002  MINI Cooper SE (2021)  64%")) << t.output();
  ASSERT_TRUE(t.expect("Which car [1]: ")) << t.output();
  t.send("2");
  ASSERT_TRUE(t.expect("Usable battery capacity, kWh [60]: ")) << t.output();
  t.send("28.9");
  ASSERT_TRUE(t.expect("Charger power, kW [7.4]: ")) << t.output();
  t.send("");  // the default
  ASSERT_TRUE(t.expect("Country (GB, DE, AT, NL")) << t.output();
  ASSERT_TRUE(t.expect("[GB]: ")) << t.output();
  t.send("");  // Great Britain: the presets
  ASSERT_TRUE(t.expect("octopus-cosy")) << t.output();
  ASSERT_TRUE(t.expect("Tariff [octopus-go]: ")) << t.output();
  t.send("economy-7");
  ASSERT_TRUE(t.expect("[log]: ")) << t.output();
  t.send("http");
  ASSERT_TRUE(t.expect("URL that starts charging: ")) << t.output();
  t.send("http://127.0.0.1:9/charger/on");
  ASSERT_TRUE(t.expect("URL that stops charging: ")) << t.output();
  t.send("http://127.0.0.1:9/charger/off");
  ASSERT_TRUE(t.expect("offpeak check: ok")) << t.output();
  ASSERT_TRUE(t.expect("sudo systemctl enable --now offpeakd")) << t.output();
  EXPECT_EQ(t.wait_exit(), 0) << t.output();
  // The terminal echoed every answer but the password.
  EXPECT_NE(t.output().find("owner@example.com"), std::string::npos);
  EXPECT_EQ(t.output().find(k_password), std::string::npos) << t.output();

  const std::string yaml = slurp(cfg);
  EXPECT_NE(yaml.find("device_id: \"WMW2SECOND000002\""), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("battery_kwh: 28.9"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("max_charge_kw: 7.4"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("tariff: tariffs/economy-7.yaml"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("url: \"http://127.0.0.1:9/charger/off\""), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find(k_password), std::string::npos) << "the password stays out of the YAML";
  const fs::path pw = cfg.parent_path() / "connect-password";
  EXPECT_EQ(mode_of(pw), 0600U);
  EXPECT_EQ(slurp(pw), std::string(k_password) + "\n");
  CommandResult check = offpeak("check --config " + cfg.string());
  EXPECT_EQ(check.status, 0) << check.out;
  EXPECT_NE(check.out.find("switch     http"), std::string::npos) << check.out;
  // And the account really works with what was written.
  CommandResult vehicle = offpeak("vehicle --json --config " + cfg.string());
  EXPECT_EQ(vehicle.status, 0) << vehicle.out;
  EXPECT_NE(vehicle.out.find("\"device_id\":\"WMW2SECOND000002\""), std::string::npos)
      << vehicle.out;
}

TEST(SetupCli, NonInteractiveFromFlagsAndThePasswordOnStandardInput) {
  TempDir dir;
  Sim sim(dir);
  ASSERT_FALSE(sim.base().empty()) << sim.log();
  const fs::path pwfile = dir.write("pw", std::string(k_password) + "\n");
  const fs::path cfg = dir.path() / "conf" / "offpeak.yaml";
  const std::string flags = "setup --non-interactive --config " + cfg.string() + " --base-url " +
                            sim.base() +
                            " --email owner@example.com --device-id WBY1FIRST0000001 --tariff "
                            "octopus-agile --agile-region J --battery-kwh 37.9 --max-charge-kw 7";
  CommandResult r = offpeak(flags + " --password-file - < " + pwfile.string());
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(r.out.find(k_password), std::string::npos);
  EXPECT_NE(r.out.find("sudo systemctl daemon-reload\n  sudo systemctl enable --now offpeakd"),
            std::string::npos)
      << r.out;
  const std::string yaml = slurp(cfg);
  EXPECT_NE(yaml.find("device_id: \"WBY1FIRST0000001\""), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("type: log"), std::string::npos) << yaml;
  EXPECT_NE(slurp(cfg.parent_path() / "tariffs" / "octopus-agile.yaml").find("region: J"),
            std::string::npos);
  EXPECT_EQ(mode_of(cfg.parent_path() / "connect-password"), 0600U);
  EXPECT_EQ(offpeak("check --config " + cfg.string()).status, 0);

  // An existing configuration is kept without --force, replaced with it.
  CommandResult again = offpeak(flags + " --password-file " + pwfile.string());
  EXPECT_EQ(again.status, 1) << again.out;
  EXPECT_NE(again.out.find("exists; nothing written"), std::string::npos) << again.out;
  EXPECT_EQ(slurp(cfg), yaml);
  CommandResult forced =
      offpeak(flags + " --password-file " + pwfile.string() + " --force --switch exec " +
              "--start-command '/usr/bin/true start' --stop-command /usr/bin/true");
  EXPECT_EQ(forced.status, 0) << forced.out;
  EXPECT_NE(slurp(cfg).find("start: [\"/usr/bin/true\", \"start\"]"), std::string::npos)
      << slurp(cfg);
}

TEST(SetupCli, RefusalsAndUsageErrorsHaveTheExitCodesOfVehicleAndWriteNothing) {
  TempDir dir;
  Sim sim(dir);
  ASSERT_FALSE(sim.base().empty()) << sim.log();
  const fs::path cfg = dir.path() / "c" / "offpeak.yaml";
  const std::string base = "setup --non-interactive --config " + cfg.string() +
                           " --email owner@example.com --device-id WBY1FIRST0000001";
  const fs::path wrong = dir.write("wrong", "not-the-password\n");
  const fs::path right = dir.write("right", std::string(k_password) + "\n");

  CommandResult refused =
      offpeak(base + " --base-url " + sim.base() + " --password-file " + wrong.string());
  EXPECT_EQ(refused.status, 77) << refused.out;
  EXPECT_NE(refused.out.find("refused"), std::string::npos) << refused.out;
  EXPECT_EQ(refused.out.find("not-the-password"), std::string::npos);

  CommandResult unreachable =
      offpeak(base + " --base-url http://127.0.0.1:1 --password-file " + right.string());
  EXPECT_EQ(unreachable.status, 69) << unreachable.out;

  // Two cars and none chosen: a usage error listing them.
  CommandResult several = offpeak("setup --non-interactive --config " + cfg.string() +
                                  " --email owner@example.com --base-url " + sim.base() +
                                  " --password-file " + right.string());
  EXPECT_EQ(several.status, 2) << several.out;
  EXPECT_NE(several.out.find("WMW2SECOND000002"), std::string::npos) << several.out;

  CommandResult not_on_account =
      offpeak("setup --non-interactive --config " + cfg.string() +
              " --email owner@example.com --base-url " + sim.base() + " --password-file " +
              right.string() + " --device-id WBYNOTTHERE00000");
  EXPECT_EQ(not_on_account.status, 1) << not_on_account.out;

  EXPECT_EQ(offpeak(base + " --base-url " + sim.base()).status, 2);  // no --password-file
  EXPECT_EQ(offpeak(base + " --base-url " + sim.base() + " --password-file " + right.string() +
                    " --tariff no-such-preset")
                .status,
            2);
  // Not a terminal and not --non-interactive.
  EXPECT_EQ(offpeak("setup --config " + cfg.string() + " < /dev/null").status, 2);
  EXPECT_FALSE(fs::exists(cfg));
  EXPECT_FALSE(fs::exists(cfg.parent_path() / "connect-password"));
}

// Outside Great Britain: the country sets the time zone, currency and decimal mark; a
// day-ahead source gets its preset (Germany, ENTSO-E) and the token typed without echo goes in
// a file readable by its owner only.
TEST(SetupCli, GermanyWithEntsoeOnATerminalWritesEurosThePresetAndTheToken) {
  TempDir dir;
  Sim sim(dir);
  ASSERT_FALSE(sim.base().empty()) << sim.log();
  const fs::path cfg = dir.path() / "etc" / "offpeak.yaml";
  const std::string token = "entsoe-t0ken-9c2e";
  Terminal t({OFFPEAK_BIN, "setup", "--config", cfg.string(), "--base-url", sim.base(), "--email",
              "owner@example.com", "--device-id", "WBY1FIRST0000001", "--battery-kwh", "37.9",
              "--max-charge-kw", "11", "--switch", "log", "--vehicle-source", "connect"});
  ASSERT_TRUE(t.expect("Password (not shown): ")) << t.output();
  t.send(k_password);
  ASSERT_TRUE(t.expect("Country (")) << t.output();
  t.send("de");
  ASSERT_TRUE(t.expect("Tariff sources for Germany:")) << t.output();
  ASSERT_TRUE(t.expect("awattar")) << t.output();
  ASSERT_TRUE(t.expect("Tariff source [tibber]: ")) << t.output();
  t.send("entsoe");
  ASSERT_TRUE(t.expect("ENTSO-E token (not shown): ")) << t.output();
  t.send(token);
  ASSERT_TRUE(t.expect("offpeak check: ok")) << t.output();
  EXPECT_EQ(t.wait_exit(), 0) << t.output();
  EXPECT_EQ(t.output().find(token), std::string::npos) << "the token is not echoed";

  const std::string yaml = slurp(cfg);
  EXPECT_NE(yaml.find("timezone: \"Europe/Berlin\""), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("currency: EUR"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("locale: de_DE"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("tariff: tariffs/entsoe-de.yaml"), std::string::npos) << yaml;
  EXPECT_EQ(yaml.find(token), std::string::npos) << yaml;
  const fs::path tok = cfg.parent_path() / "tariffs" / "entsoe-token";
  EXPECT_EQ(mode_of(tok), 0600U);
  EXPECT_EQ(slurp(tok), token + "\n");
  CommandResult check = offpeak("check --config " + cfg.string());
  EXPECT_EQ(check.status, 0) << check.out;
  EXPECT_NE(check.out.find("Day-ahead DE-LU (ENTSO-E)"), std::string::npos) << check.out;
  EXPECT_EQ(check.out.find(token), std::string::npos) << check.out;
}

// Sweden from flags: Nord Pool in kronor for a chosen bidding zone, the tariff file written for
// it; answers that do not fit the country are usage errors that write nothing.
TEST(SetupCli, SwedenWithNordPoolFromFlagsAndMismatchesRefused) {
  TempDir dir;
  Sim sim(dir);
  ASSERT_FALSE(sim.base().empty()) << sim.log();
  const fs::path pw = dir.write("pw", std::string(k_password) + "\n");
  const fs::path cfg = dir.path() / "se" / "offpeak.yaml";
  const std::string base = "setup --non-interactive --config " + cfg.string() + " --base-url " +
                           sim.base() +
                           " --email owner@example.com --device-id WBY1FIRST0000001 "
                           "--password-file " +
                           pw.string();
  // ENTSO-E publishes euros: kronor with it is refused, as is a Danish zone in Sweden and a
  // source that needs a token without one.
  CommandResult r = offpeak(base + " --country SE --source entsoe --currency SEK");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("prices are in EUR, not SEK"), std::string::npos) << r.out;
  r = offpeak(base + " --country SE --source nordpool --zone DK1");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("expected one of SE3, SE1, SE2, SE4"), std::string::npos) << r.out;
  r = offpeak(base + " --country SE --source tibber");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("--token-file FILE is needed for tibber"), std::string::npos) << r.out;
  r = offpeak(base + " --country XX");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_NE(r.out.find("unknown country 'XX'"), std::string::npos) << r.out;
  r = offpeak(base + " --country GB --source entsoe");
  EXPECT_EQ(r.status, 2) << r.out;
  EXPECT_FALSE(fs::exists(cfg));

  r = offpeak(base + " --country se --source nordpool --zone se4");
  ASSERT_EQ(r.status, 0) << r.out;
  const std::string yaml = slurp(cfg);
  EXPECT_NE(yaml.find("timezone: \"Europe/Stockholm\""), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("currency: SEK"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("locale: sv_SE"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("tariff: tariffs/nordpool-se4.yaml"), std::string::npos) << yaml;
  const std::string tariff = slurp(cfg.parent_path() / "tariffs" / "nordpool-se4.yaml");
  EXPECT_NE(tariff.find("type: nordpool"), std::string::npos) << tariff;
  EXPECT_NE(tariff.find("area: SE4"), std::string::npos) << tariff;
  EXPECT_NE(tariff.find("vat_percent: 25"), std::string::npos) << tariff;
  EXPECT_NE(tariff.find("EXAMPLE NUMBERS"), std::string::npos) << tariff;
  CommandResult check = offpeak("check --config " + cfg.string());
  EXPECT_EQ(check.status, 0) << check.out;
  EXPECT_NE(check.out.find("Day-ahead SE4 (Nord Pool)"), std::string::npos) << check.out;

  // Tibber in Germany with the token on standard input: the preset, euros.
  const fs::path tok = dir.write("tok", "tibber-tok-77\n");
  r = offpeak(base + " --force --country DE --source tibber --token-file - < " + tok.string());
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(slurp(cfg).find("tariff: tariffs/tibber-de.yaml"), std::string::npos) << slurp(cfg);
  EXPECT_EQ(slurp(cfg.parent_path() / "tariffs" / "tibber-token"), "tibber-tok-77\n");
  EXPECT_EQ(offpeak("check --config " + cfg.string()).status, 0);
}

}  // namespace
