// Package version strings: the part the old scripts got wrong most often.
//
// A release vX.Y.Z is upstream X.Y.Z: Debian "[epoch:]X.Y.Z-<series>", RPM Version X.Y.Z,
// Release 1%{?dist}.
//
// A snapshot (master) must sort below the release it leads to and rise with every build:
//   Debian "[epoch:]<next>~0.dev.post<N>+<YYYYMMDDhhmmss>+<sha7>-<series>"
//   RPM    Version <next>, Release 0.1.0.dev.post<N>+<YYYYMMDDhhmmss>+<sha7>%{?dist}
// where <next> is X.(Y+1).0 for the highest vX.Y.Z tag reachable from the commit (0.0.0 if none),
// N is the number of commits in the commit's full history, and the time is the commit's (UTC):
// so the same commit always publishes as the same version, and a retried publish is a no-op. N counts the whole history, not
// the commits since the tag: a later patch tag (say v3.16.3) merged into master would restart a
// since-the-tag count and make the version go down, the whole history never does.
//
// The series is a Debian revision ("-xenial"), not a "~xenial" suffix: "3.11.2~bionic" sorts below
// "3.11.2~dev1~bionic" and Launchpad refuses the upload.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "builders/release_version.hpp"

namespace calico::builders {

struct PackageVersion {
  unsigned epoch = 0;
  std::string upstream;      // "3.4.1", "3.17.0~0.dev.post42+20201201010203+abc1234"
  std::string rpm_version;   // "3.4.1", "3.17.0"
  std::string rpm_release;   // "1", "0.1.0.dev.post42+20201201010203+abc1234" (the spec adds %{?dist})

  // "[epoch:]upstream-series", the version in debian/changelog for that series.
  std::string debian(std::string_view series) const;
  // "[epoch:]rpm_version-rpm_release<dist>", as rpm -q shows it (for comparisons).
  std::string rpm_evr(std::string_view dist) const;
};

PackageVersion release_version(const ReleaseTag& tag, unsigned epoch);

// `base`: the highest release tag reachable from the commit, if any. `commit_count`: commits in
// the commit's full history (never from a shallow clone). `built_at`: the commit's time.
PackageVersion snapshot_version(const std::optional<ReleaseTag>& base, std::uint64_t commit_count,
                                std::chrono::sys_seconds built_at, std::string_view sha, unsigned epoch);

// "20201201010203".
std::string compact_utc(std::chrono::sys_seconds time);

}  // namespace calico::builders
