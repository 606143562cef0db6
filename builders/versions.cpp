#include "builders/versions.hpp"

#include <cstdio>
#include <ctime>

namespace calico::builders {

namespace {
std::string with_epoch(unsigned epoch, const std::string& version) {
  return epoch ? std::to_string(epoch) + ":" + version : version;
}

std::string dotted(unsigned major, unsigned minor, unsigned patch) {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}
}  // namespace

std::string PackageVersion::debian(std::string_view series) const {
  return with_epoch(epoch, upstream + "-" + std::string(series));
}

std::string PackageVersion::rpm_evr(std::string_view dist) const {
  return with_epoch(epoch, rpm_version + "-" + rpm_release + std::string(dist));
}

std::string compact_utc(std::chrono::sys_seconds time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[96];
  std::snprintf(buffer, sizeof buffer, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buffer;
}

PackageVersion release_version(const ReleaseTag& tag, unsigned epoch) {
  PackageVersion version;
  version.epoch = epoch;
  version.upstream = dotted(tag.major, tag.minor, tag.patch);
  version.rpm_version = version.upstream;
  version.rpm_release = "1";
  return version;
}

PackageVersion snapshot_version(const std::optional<ReleaseTag>& base, std::uint64_t commit_count,
                                std::chrono::sys_seconds built_at, std::string_view sha, unsigned epoch) {
  PackageVersion version;
  version.epoch = epoch;
  const std::string next = base ? dotted(base->major, base->minor + 1, 0) : "0.0.0";
  const std::string suffix = "0.dev.post" + std::to_string(commit_count) + "+" + compact_utc(built_at) + "+" +
                             std::string(sha.substr(0, 7));
  version.upstream = next + "~" + suffix;
  version.rpm_version = next;
  version.rpm_release = "0.1." + suffix;
  return version;
}

}  // namespace calico::builders
