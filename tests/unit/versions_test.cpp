#include <gtest/gtest.h>

#include "builders/versions.hpp"

using namespace calico::builders;
using namespace std::chrono;

namespace {
sys_seconds at(int year, int month, int day, int hour, int minute, int second) {
  return sys_days{std::chrono::year{year} / month / day} + hours{hour} + minutes{minute} + seconds{second};
}

GitVersionFacts facts(std::vector<std::string> tags_at, std::optional<std::string> nearest, std::uint64_t since) {
  return {std::move(tags_at), std::move(nearest), since, at(2021, 12, 15, 10, 10, 10), "abc1234def5678"};
}
}  // namespace

TEST(Versions, VersionWinsWhenItsTagIsAtTheCommitAmongOthers) {
  // v3.20.5 and v3.20.6 share one commit: each publishes as itself.
  EXPECT_EQ(auto_version("v3.20.5", facts({"v3.20.5", "v3.20.6"}, "v3.20.6", 0)), "3.20.5");
  EXPECT_EQ(auto_version("v3.20.6", facts({"v3.20.5", "v3.20.6"}, "v3.20.6", 0)), "3.20.6");
}

TEST(Versions, OtherwiseTheNearestTagAndTheCommitsSinceIt) {
  EXPECT_EQ(auto_version("master", facts({}, "v3.22.0-0.dev", 56)), "3.22.0-0.dev.post56+20211215101010+0000+abc1234");
  EXPECT_EQ(auto_version("master", facts({}, "v3.22.0-0.dev", 0)), "3.22.0-0.dev");
  EXPECT_EQ(auto_version("v3.15.1-python2", facts({"v3.15.1"}, "v3.15.1", 0)), "3.15.1");
  EXPECT_THROW(auto_version("master", facts({}, std::nullopt, 0)), VersionError);
}

TEST(Versions, ReleaseStrings) {
  const PackageVersion v = package_version("3.4.1", 0);
  EXPECT_TRUE(v.release);
  EXPECT_EQ(v.upstream, "3.4.1");
  EXPECT_EQ(v.debian("xenial"), "3.4.1-xenial");
  EXPECT_EQ(v.rpm_version, "3.4.1");
  EXPECT_EQ(v.rpm_release, "1");
  EXPECT_EQ(v.rpm_evr(".el7"), "3.4.1-1.el7");
  EXPECT_EQ(package_version("3.4.1", 1).debian("bionic"), "1:3.4.1-bionic");
}

TEST(Versions, SnapshotStringsAreTheScripts) {
  const PackageVersion v = package_version("3.22.0-0.dev.post56+20211215101010+0000+abc1234", 1);
  EXPECT_FALSE(v.release);
  EXPECT_EQ(v.debian("focal"), "1:3.22.0~0.dev.post56+20211215101010+0000+abc1234-focal");
  EXPECT_EQ(v.rpm_version, "3.22.0");
  EXPECT_EQ(v.rpm_release, "0.1.0.dev.post56+20211215101010+0000+abc1234");
  const PackageVersion dev = package_version("3.22.0-0.dev", 0);
  EXPECT_TRUE(dev.release) << "no .post: the scripts word it as a release";
  EXPECT_EQ(dev.debian("xenial"), "3.22.0~0.dev-xenial");
  EXPECT_EQ(dev.rpm_release, "0.1.0.dev");
}

TEST(Versions, Python2RpmVersionDropsTheDash) {
  const PackageVersion v = package_version("3.15.1-python2", 1);
  EXPECT_EQ(v.debian("bionic"), "1:3.15.1-python2-bionic");
  EXPECT_EQ(v.rpm_version, "3.15.1python2");
  EXPECT_EQ(v.rpm_release, "1");
}

TEST(Versions, ATagThatCannotBeAVersionIsRefused) {
  EXPECT_THROW(package_version("release-3.4", 0), VersionError);
  EXPECT_THROW(package_version("", 0), VersionError);
}

// #21 item 13: a snapshot the packaging scripts published nightly (stamped with the build's time)
// is the same commit as the bot's (stamped with the commit's), under a version that sorts higher.
TEST(Versions, ALaterBuildOfTheSameSnapshotIsRecognised) {
  const std::string ours = "1:3.22.0~0.dev.post56+20211215101010+0000+abc1234-focal";
  EXPECT_TRUE(later_build_of_same_snapshot("1:3.22.0~0.dev.post56+20211216020000+0000+abc1234-focal", ours));
  EXPECT_FALSE(later_build_of_same_snapshot(ours, ours)) << "the same version is held, not a later build";
  EXPECT_FALSE(later_build_of_same_snapshot("1:3.22.0~0.dev.post56+20211214000000+0000+abc1234-focal", ours)) << "earlier";
  EXPECT_FALSE(later_build_of_same_snapshot("1:3.22.0~0.dev.post56+20211216020000+0000+abc1234-bionic", ours)) << "other series";
  EXPECT_FALSE(later_build_of_same_snapshot("1:3.22.0~0.dev.post57+20211216020000+0000+def5678-focal", ours)) << "other commit";
  EXPECT_FALSE(later_build_of_same_snapshot("3.22.0~0.dev.post56+20211216020000+0000+abc1234-focal", ours)) << "other epoch";
  EXPECT_FALSE(later_build_of_same_snapshot("3.22.1-focal", "3.22.0-focal")) << "releases are not snapshots";
  EXPECT_FALSE(later_build_of_same_snapshot("", ours));
  EXPECT_FALSE(later_build_of_same_snapshot("+20211216020000+0000+abc1234-focal", "+20211215101010+0000+abc1234-focal"));
}
