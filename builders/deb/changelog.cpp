#include "builders/deb/changelog.hpp"

#include <ctime>
#include <sstream>
#include <stdexcept>

#include "builders/utc_time.hpp"

namespace calico::builders::deb {

std::string rfc2822(std::chrono::sys_seconds time) { return format_utc(time, "%a, %d %b %Y %H:%M:%S +0000"); }

std::string render_changelog(const ChangelogEntry& entry) {
  std::ostringstream out;
  out << entry.source << " (" << entry.version << ") " << entry.series << "; urgency=low\n\n"
      << "  * " << entry.change << "\n\n"
      << " -- " << entry.maintainer << "  " << rfc2822(entry.date) << "\n\n";
  return out.str();
}

std::string change_line(bool release, std::string_view title, std::string_view version, std::string_view sha) {
  const std::string commit(sha.substr(0, 7));
  if (release) return std::string(title) + " v" + std::string(version) + " (from Git commit " + commit + ").";
  return "Development snapshot (from Git commit " + commit + ").";
}

namespace {
struct FirstLine {
  std::size_t version_open, version_close, distribution_begin, distribution_end;
};

FirstLine parse_first_line(std::string_view changelog) {
  const std::size_t end = changelog.find('\n');
  const std::string_view line = changelog.substr(0, end);
  FirstLine at{};
  at.version_open = line.find(" (");
  at.version_close = line.find(") ");
  const std::size_t semicolon = line.find(';');
  if (at.version_open == std::string_view::npos || at.version_close == std::string_view::npos ||
      semicolon == std::string_view::npos || at.version_close < at.version_open || semicolon < at.version_close) {
    throw std::runtime_error("debian/changelog does not start with \"name (version) distribution; …\": \"" +
                             std::string(line.substr(0, 120)) + "\"");
  }
  at.distribution_begin = at.version_close + 2;
  at.distribution_end = semicolon;
  const std::string_view distribution = line.substr(at.distribution_begin, at.distribution_end - at.distribution_begin);
  if (distribution.empty() || distribution.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.+_-") !=
                                  std::string_view::npos) {
    throw std::runtime_error("debian/changelog's first line names no distribution: \"" + std::string(line.substr(0, 120)) + "\"");
  }
  return at;
}
}  // namespace

std::string retarget_changelog(std::string_view changelog, std::string_view series, bool everywhere) {
  const FirstLine at = parse_first_line(changelog);
  const std::string distribution(changelog.substr(at.distribution_begin, at.distribution_end - at.distribution_begin));
  std::string out(changelog);
  if (distribution == series) return out;
  if (!everywhere) return out.replace(at.distribution_begin, distribution.size(), series);
  for (std::size_t pos = out.find(distribution); pos != std::string::npos; pos = out.find(distribution, pos + series.size())) {
    out.replace(pos, distribution.size(), series);
  }
  return out;
}

std::string changelog_version(std::string_view changelog) {
  const FirstLine at = parse_first_line(changelog);
  std::string version(changelog.substr(at.version_open + 2, at.version_close - at.version_open - 2));
  if (version.empty()) throw std::runtime_error("debian/changelog has an empty version");
  return version;
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
