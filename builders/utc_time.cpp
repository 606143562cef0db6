#include "builders/utc_time.hpp"

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

}  // namespace calico::builders
