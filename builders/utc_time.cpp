#include "builders/utc_time.hpp"

#include <cstdio>
#include <ctime>

namespace calico::builders {

std::string format_utc(std::chrono::sys_seconds time, const char* pattern) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[128];
  const std::size_t written = std::strftime(buffer, sizeof buffer, pattern, &tm);
  return std::string(buffer, written);
}

std::string iso8601_millis(std::chrono::system_clock::time_point time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time - seconds).count();
  char fraction[8];
  std::snprintf(fraction, sizeof fraction, ".%03dZ", static_cast<int>(millis));
  return format_utc(seconds, "%Y-%m-%dT%H:%M:%S") + fraction;
}

}  // namespace calico::builders
