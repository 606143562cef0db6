#include <gtest/gtest.h>

#include "builders/versions.hpp"

using namespace calico::builders;
using namespace std::chrono;

namespace {
sys_seconds at(int year, int month, int day, int hour, int minute, int second) {
  return sys_days{std::chrono::year{year} / month / day} + hours{hour} + minutes{minute} + seconds{second};
}
}  // namespace

TEST(Versions, ReleaseStrings) {
  const PackageVersion v = release_version(*parse_release_tag("v3.4.1"), 0);
  EXPECT_EQ(v.upstream, "3.4.1");
  EXPECT_EQ(v.debian("xenial"), "3.4.1-xenial");
  EXPECT_EQ(v.rpm_version, "3.4.1");
  EXPECT_EQ(v.rpm_release, "1");
  EXPECT_EQ(v.rpm_evr(".el7"), "3.4.1-1.el7");
  EXPECT_EQ(release_version(*parse_release_tag("v3.4.1"), 2).debian("bionic"), "2:3.4.1-bionic");
  EXPECT_EQ(release_version(*parse_release_tag("v3.4.1"), 2).rpm_evr(".el7"), "2:3.4.1-1.el7");
}

TEST(Versions, SnapshotStringsMatchTheDesign) {
  const PackageVersion v = snapshot_version(parse_release_tag("v3.16.2"), 42, at(2020, 12, 1, 1, 2, 3),
                                            "abc1234def5678", 0);
  EXPECT_EQ(v.debian("xenial"), "3.17.0~0.dev.post42+20201201010203+abc1234-xenial");
  EXPECT_EQ(v.rpm_version, "3.17.0");
  EXPECT_EQ(v.rpm_release, "0.1.0.dev.post42+20201201010203+abc1234");
}

TEST(Versions, SnapshotWithoutAnyTagStartsAtZero) {
  EXPECT_EQ(snapshot_version(std::nullopt, 3, at(2021, 1, 2, 3, 4, 5), "0123456", 1).debian("trusty"),
            "1:0.0.0~0.dev.post3+20210102030405+0123456-trusty");
}
