#include <offpeak/daemon/logging.hpp>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <cstdlib>

namespace offpeak::daemon {
namespace {

// The `%*` pattern flag: "<N>" with the syslog priority of the message's level.
class SyslogPriorityFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const char text[] = {'<', static_cast<char>('0' + syslog_priority(msg.level)), '>'};
    dest.append(text, text + sizeof text);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SyslogPriorityFlag>();
  }
};

bool parse_unsigned(std::string_view text, std::uintmax_t& out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && end == text.data() + text.size();
}

}  // namespace

bool journal_stream_matches(std::string_view journal_stream, int fd) {
  const auto colon = journal_stream.find(':');
  if (colon == std::string_view::npos) return false;
  std::uintmax_t dev = 0;
  std::uintmax_t ino = 0;
  if (!parse_unsigned(journal_stream.substr(0, colon), dev) ||
      !parse_unsigned(journal_stream.substr(colon + 1), ino)) {
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  return static_cast<std::uintmax_t>(st.st_dev) == dev &&
         static_cast<std::uintmax_t>(st.st_ino) == ino;
}

LogFormat detect_log_format() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream != nullptr && journal_stream_matches(stream, STDERR_FILENO)) {
    return LogFormat::journald;
  }
  return LogFormat::timestamped;
}

int syslog_priority(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
    case spdlog::level::debug:
      return 7;
    case spdlog::level::info:
      return 6;
    case spdlog::level::warn:
      return 4;
    case spdlog::level::err:
      return 3;
    case spdlog::level::critical:
      return 2;
    default:
      return 6;
  }
}

std::optional<spdlog::level::level_enum> parse_log_level(std::string_view text) {
  if (text == "trace") return spdlog::level::trace;
  if (text == "debug") return spdlog::level::debug;
  if (text == "info") return spdlog::level::info;
  if (text == "warn" || text == "warning") return spdlog::level::warn;
  if (text == "error") return spdlog::level::err;
  if (text == "critical") return spdlog::level::critical;
  return std::nullopt;
}

std::shared_ptr<spdlog::logger> make_logger(std::string name, spdlog::sink_ptr sink,
                                            LogFormat format) {
  auto logger = std::make_shared<spdlog::logger>(std::move(name), std::move(sink));
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (format == LogFormat::journald) {
    formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*%v");
  } else {
    formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e [%l] %v");
  }
  logger->set_formatter(std::move(formatter));
  logger->set_level(spdlog::level::info);
  logger->flush_on(spdlog::level::trace);
  return logger;
}

std::shared_ptr<spdlog::logger> setup_logging(std::string_view level) {
  auto logger = make_logger("offpeak", std::make_shared<spdlog::sinks::stderr_sink_mt>(),
                            detect_log_format());
  const auto parsed = parse_log_level(level);
  logger->set_level(parsed.value_or(spdlog::level::info));
  spdlog::set_default_logger(logger);
  if (!parsed) logger->warn("unknown log level '{}', using info", level);
  return logger;
}

bool set_log_level(std::string_view level) {
  const auto parsed = parse_log_level(level);
  if (!parsed) return false;
  spdlog::default_logger()->set_level(*parsed);
  return true;
}

}  // namespace offpeak::daemon
