#include "bot/util/time_format.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>

#include "builders/utc_time.hpp"

namespace calico::util {

std::string utc_now_iso8601() { return builders::iso8601_millis(std::chrono::system_clock::now()); }

std::chrono::sys_seconds system_now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::string iso8601(std::chrono::sys_seconds time) { return builders::format_utc(time, "%Y-%m-%dT%H:%M:%S.000Z"); }

std::string iso8601(std::chrono::system_clock::time_point time) { return builders::iso8601_millis(time); }

std::optional<std::chrono::sys_seconds> parse_iso8601(std::string_view text) {
  std::tm tm{};
  char rest[32] = {0};
  const std::string copy(text.substr(0, 40));
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%31s", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
                  &tm.tm_min, &tm.tm_sec, rest) < 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  const std::time_t seconds = timegm(&tm);
  if (seconds == static_cast<std::time_t>(-1)) return std::nullopt;
  return std::chrono::sys_seconds(std::chrono::seconds(seconds));
}

}  // namespace calico::util
