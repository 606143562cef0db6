#include "builders/deb/changelog.hpp"

#include <ctime>
#include <sstream>
#include <stdexcept>

namespace calico::builders::deb {

std::string rfc2822(std::chrono::sys_seconds time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

std::string render_changelog(const ChangelogEntry& entry) {
  std::ostringstream out;
  out << entry.source << " (" << entry.version << ") " << entry.series << "; urgency=medium\n\n"
      << "  * " << entry.change << "\n\n"
      << " -- " << entry.maintainer << "  " << rfc2822(entry.date) << "\n";
  return out.str();
}

std::string control_source_name(std::string_view control) {
  std::istringstream lines{std::string(control)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("Source:", 0) == 0) {
      std::string name = line.substr(7);
      const auto first = name.find_first_not_of(" \t");
      const auto last = name.find_last_not_of(" \t\r");
      if (first != std::string::npos) return name.substr(first, last - first + 1);
    }
    if (line.empty()) break;  // the source stanza is the first paragraph
  }
  throw std::runtime_error("debian/control has no Source: field in its first paragraph");
}

}  // namespace calico::builders::deb
