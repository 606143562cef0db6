#include "builders/versions.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <regex>

#include "builders/utc_time.hpp"

namespace calico::builders {

namespace {
std::string with_epoch(unsigned epoch, const std::string& version) {
  return epoch ? std::to_string(epoch) + ":" + version : version;
}

// sed 's/PATTERN/REPLACEMENT/' (first match only, as the scripts' sed without g).
std::string replace_first(const std::string& text, const std::regex& pattern, const char* replacement) {
  return std::regex_replace(text, pattern, replacement, std::regex_constants::format_first_only);
}

std::string strip_v(std::string_view version) {
  return std::string(version.starts_with("v") ? version.substr(1) : version);
}
}  // namespace

std::string PackageVersion::debian(std::string_view series) const {
  return with_epoch(epoch, upstream + "-" + std::string(series));
}

std::string PackageVersion::rpm_evr(std::string_view dist) const {
  return with_epoch(epoch, rpm_version + "-" + rpm_release + std::string(dist));
}

std::string compact_utc(std::chrono::sys_seconds time) { return format_utc(time, "%Y%m%d%H%M%S"); }

std::string auto_version(std::string_view requested, const GitVersionFacts& facts) {
  if (!requested.empty() && std::find(facts.tags_at.begin(), facts.tags_at.end(), requested) != facts.tags_at.end()) {
    return strip_v(requested);
  }
  if (!facts.nearest_tag) {
    throw VersionError("commit " + facts.sha.substr(0, 12) + " has no tag in its history to count a version from" +
                       (requested.empty() ? std::string() : " (and no tag \"" + std::string(requested) + "\")"));
  }
  if (facts.commits_since == 0) return strip_v(*facts.nearest_tag);
  return strip_v(*facts.nearest_tag) + ".post" + std::to_string(facts.commits_since) + "+" +
         compact_utc(facts.committed_at) + "+0000+" + facts.sha.substr(0, 7);
}

PackageVersion package_version(std::string_view version_text, unsigned epoch) {
  const std::string version(version_text);
  static const std::regex upstream_shape("[0-9][A-Za-z0-9.+~_-]*");
  if (!std::regex_match(version, upstream_shape)) {
    throw VersionError("\"" + version.substr(0, 80) + "\" cannot be a package version (it must start with a digit)");
  }
  PackageVersion out;
  out.epoch = epoch;
  out.python = version;
  out.release = version.find(".post") == std::string::npos;
  static const std::regex dev_deb("([0-9])-0.dev");
  out.upstream = replace_first(version, dev_deb, "$1~0.dev");
  static const std::regex dev_rpm("([0-9])-?(0.dev)");
  static const std::regex python2("([0-9])-python2");
  const std::string rpm = replace_first(replace_first(version, dev_rpm, "$1_$2"), python2, "$1python2");
  const auto underscore = rpm.find('_');
  out.rpm_version = rpm.substr(0, underscore);
  out.rpm_release = underscore == std::string::npos ? "1" : "0.1." + rpm.substr(underscore + 1);
  return out;
}

PackageVersion fixed_version(std::string_view upstream, unsigned epoch) {
  PackageVersion out;
  out.epoch = epoch;
  out.python = std::string(upstream);
  out.upstream = std::string(upstream);
  out.rpm_version = std::string(upstream);
  out.rpm_release = "1";
  return out;
}

namespace {
struct SnapshotParts {
  std::string_view before;  // "[epoch:]<base>.post<N>"
  std::string_view stamp;   // "YYYYmmddHHMMSS"
  std::string_view after;   // "+0000+<sha>-<series>"
};

std::optional<SnapshotParts> split_snapshot(std::string_view version) {
  // The stamp is the 14 digits between ".post<N>+" and "+0000+".
  const std::size_t zone = version.rfind("+0000+");
  if (zone == std::string_view::npos || zone < 15 || version[zone - 15] != '+') return std::nullopt;
  const std::string_view stamp = version.substr(zone - 14, 14);
  if (stamp.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  const std::string_view before = version.substr(0, zone - 15);
  if (before.find(".post") == std::string_view::npos) return std::nullopt;
  const std::string_view after = version.substr(zone);
  const std::size_t dash = after.find('-');
  if (dash == std::string_view::npos || dash <= 6) return std::nullopt;  // a sha, then -<series>
  const std::string_view sha = after.substr(6, dash - 6);
  if (sha.empty() || sha.find_first_not_of("0123456789abcdef") != std::string_view::npos) return std::nullopt;
  return SnapshotParts{before, stamp, after};
}
}  // namespace

bool later_build_of_same_snapshot(std::string_view held, std::string_view ours) {
  const std::optional<SnapshotParts> a = split_snapshot(held);
  const std::optional<SnapshotParts> b = split_snapshot(ours);
  // Equal-length digit strings compare as numbers.
  return a && b && a->before == b->before && a->after == b->after && a->stamp > b->stamp;
}

}  // namespace calico::builders
