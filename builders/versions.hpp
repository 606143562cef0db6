// Package version strings, computed exactly as the packaging scripts do (utils/lib.sh:
// git_auto_version, git_version_to_deb, git_version_to_rpm; utils/make-packages.sh), so the PPA
// and the RPM repository see the versions they have always seen.
//
//  * When a tag named VERSION points at the commit, the version is VERSION (several release tags
//    often share one commit: v3.20.5 and v3.20.6 do).
//  * Otherwise the nearest tag (`git describe --tags --abbrev=0`; on master the vX.Y.0-0.dev tag
//    opening the next series) and the number of non-merge commits since it (`git cherry`):
//    the tag itself when there are none, else "<tag>.post<N>+<YYYYmmddHHMMSS>+0000+<sha7>".
//  * Debian: the first "<digit>-0.dev" becomes "<digit>~0.dev" (so 3.22.0~0.dev.post56 sorts below
//    3.22.0), then "-<series>" is appended, with the component's epoch in front.
//  * RPM: "<digit>-0.dev" becomes "<digit>_0.dev" and "-python2" "python2"; what precedes the
//    first "_" is Version:, what follows it Q gives Release: 0.1.Q (1 when there is no Q).
//
// One deliberate difference: the timestamp is the commit's time, not the build's, so the same
// commit always makes the same version and a retried publish uploads nothing. It still sorts at
// or above what the scripts made for every earlier commit: N comes before the timestamp and grows
// with every commit (tests/integration/upstream_versions_test checks it against lib.sh).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace calico::builders {

class VersionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What git says about the commit being packaged.
struct GitVersionFacts {
  std::vector<std::string> tags_at;        // every tag pointing at the commit
  std::optional<std::string> nearest_tag;  // git describe --tags --abbrev=0
  std::uint64_t commits_since = 0;         // non-merge commits since nearest_tag
  std::chrono::sys_seconds committed_at;   // the commit's time (UTC)
  std::string sha;                         // full or at least 7 hex digits
};

struct PackageVersion {
  unsigned epoch = 0;
  std::string python;        // the scripts' version without "v": "3.22.0-0.dev.post56+…+abc1234"
  std::string upstream;      // Debian upstream part: "3.22.0~0.dev.post56+…+abc1234"
  std::string rpm_version;   // "3.22.0"
  std::string rpm_release;   // "0.1.0.dev.post56+…+abc1234" or "1" (the spec adds %{?dist})
  bool release = true;       // not a ".post" snapshot: the changelog names the version

  // "[epoch:]upstream-series", the version in debian/changelog for that series.
  std::string debian(std::string_view series) const;
  // "[epoch:]rpm_version-rpm_release<dist>", as rpm -q shows it (for comparisons).
  std::string rpm_evr(std::string_view dist) const;
};

// git_auto_version with VERSION = `requested`, "v" stripped. Throws VersionError when the commit
// has no tag to count from.
std::string auto_version(std::string_view requested, const GitVersionFacts& facts);

// The Debian and RPM forms of an auto_version (or any upstream version). Throws VersionError
// when it cannot be a package version (a tag such as "2.79test1calico1-3-trusty" can not).
PackageVersion package_version(std::string_view version, unsigned epoch);

// A version a component's own packaging states (dnsmasq's debian/changelog, a finished .spec):
// kept as it is.
PackageVersion fixed_version(std::string_view upstream, unsigned epoch);

// "20201201010203".
std::string compact_utc(std::chrono::sys_seconds time);

// True when `held` (a version the archive holds) is a later build of the same snapshot as `ours`:
// both "<base>.post<N>+<YYYYmmddHHMMSS>+0000+<sha>-<series>" with everything equal but a later
// timestamp in `held`. The packaging scripts stamp a nightly with the build's time, the bot with
// the commit's, so a commit the scripts published already is held under a version ours sorts
// below — which Launchpad would refuse. Such a commit is published: nothing to upload.
bool later_build_of_same_snapshot(std::string_view held, std::string_view ours);

}  // namespace calico::builders
