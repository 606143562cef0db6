// The version invariants, checked with the real comparators: dpkg --compare-versions and rpm's
// own rpm.vercmp (through `rpm --eval`), exactly what apt, Launchpad and yum will use.
#include <gtest/gtest.h>

#include "builders/versions.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/process.hpp"

using namespace calico;
using namespace calico::builders;
using namespace std::chrono;

namespace {

bool dpkg_less(const std::string& a, const std::string& b, const std::filesystem::path& scratch) {
  return testkit::run_process({"/usr/bin/dpkg", "--compare-versions", a, "lt", b}, scratch).exit_code == 0;
}

// rpm.vercmp on full [epoch:]version-release strings: -1, 0 or 1.
int rpm_compare(const std::string& a, const std::string& b, const std::filesystem::path& scratch) {
  // The strings are our own version strings (no quotes or braces), checked by the assertion below.
  for (const std::string& s : {a, b}) EXPECT_EQ(s.find_first_of("\"'{}()%\\"), std::string::npos) << s;
  const auto result = testkit::run_process(
      {"/usr/bin/rpm", "--eval", "%{lua: print(rpm.vercmp(\"" + a + "\", \"" + b + "\"))}"}, scratch);
  EXPECT_EQ(result.exit_code, 0) << result.output;
  return std::stoi(result.output);
}

sys_seconds at(int day, int hour) { return sys_days{year{2020} / 12 / day} + hours{hour}; }

const std::vector<std::string> kSeries = {"trusty", "xenial", "bionic", "focal"};

}  // namespace

PackageVersion snapshot(const std::string& tag, std::uint64_t since, sys_seconds when, const std::string& sha, unsigned epoch = 0) {
  return package_version(auto_version("master", {{}, tag, since, when, sha}), epoch);
}

TEST(VersionOrder, SnapshotsStrictlyIncreaseOverTime) {
  testkit::ScratchDir dir;
  // Successive master builds: more commits since the dev tag, then the next dev tag opened.
  const std::vector<PackageVersion> builds = {
      snapshot("v3.17.0-0.dev", 41, at(1, 1), "aaaaaaa"),
      snapshot("v3.17.0-0.dev", 42, at(1, 2), "bbbbbbb"),
      snapshot("v3.17.0-0.dev", 43, at(1, 1), "0000000"),  // an older commit time, one commit more
      snapshot("v3.18.0-0.dev", 0, at(4, 0), "ddddddd"),    // the next series opened: the tag itself
      snapshot("v3.18.0-0.dev", 1, at(4, 1), "eeeeeee"),
      snapshot("v3.18.0-0.dev", 200, at(5, 0), "0000000"),
  };
  for (std::size_t i = 1; i < builds.size(); ++i) {
    for (const std::string& series : kSeries) {
      EXPECT_TRUE(dpkg_less(builds[i - 1].debian(series), builds[i].debian(series), dir.path()))
          << builds[i - 1].debian(series) << " !< " << builds[i].debian(series);
    }
    EXPECT_EQ(rpm_compare(builds[i - 1].rpm_evr(".el7"), builds[i].rpm_evr(".el7"), dir.path()), -1)
        << builds[i - 1].rpm_evr(".el7") << " !< " << builds[i].rpm_evr(".el7");
  }
}

TEST(VersionOrder, AReleaseSortsAboveEverySnapshotLeadingToIt) {
  testkit::ScratchDir dir;
  const PackageVersion release = package_version("3.17.0", 0);
  for (std::uint64_t commits : {0ull, 1ull, 42ull, 99999ull}) {
    const PackageVersion dev = snapshot("v3.17.0-0.dev", commits, at(31, 23), "fffffff");
    for (const std::string& series : kSeries) {
      EXPECT_TRUE(dpkg_less(dev.debian(series), release.debian(series), dir.path()))
          << dev.debian(series) << " !< " << release.debian(series);
    }
    EXPECT_EQ(rpm_compare(dev.rpm_evr(".el7"), release.rpm_evr(".el7"), dir.path()), -1);
  }
}

TEST(VersionOrder, TheSeriesRevisionSortsAboveTheOldTildeSuffix) {
  // The old scripts published "3.11.2~bionic": the new "-bionic" must never sort below it, and the
  // old rule's trap ("3.11.2~bionic" < "3.11.2~dev1~bionic") must not exist under the new one.
  testkit::ScratchDir dir;
  const PackageVersion release = package_version("3.11.2", 0);
  for (const std::string& series : kSeries) {
    EXPECT_TRUE(dpkg_less("3.11.2~" + series, release.debian(series), dir.path())) << series;
    EXPECT_TRUE(dpkg_less("3.11.2~dev1~" + series, release.debian(series), dir.path())) << series;
  }
}

TEST(VersionOrder, NetworkingCalicosEpochKeepsItAboveItsOldArchive) {
  testkit::ScratchDir dir;
  const PackageVersion next = snapshot("v3.22.0-0.dev", 5, at(1, 0), "1234567", 1);
  EXPECT_TRUE(dpkg_less("3.21.2-xenial", next.debian("xenial"), dir.path()));
  EXPECT_TRUE(dpkg_less("1:3.21.2-xenial", next.debian("xenial"), dir.path()));
}
