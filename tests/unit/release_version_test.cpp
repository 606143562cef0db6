#include <gtest/gtest.h>

#include "builders/release_version.hpp"

using namespace calico::builders;

TEST(TargetRepo, FollowsDesignTable) {
  EXPECT_EQ(target_repo_for_version("master"), "master");
  EXPECT_EQ(target_repo_for_version("v3.4.1"), "calico-3.4");
  EXPECT_EQ(target_repo_for_version("v3.4.0"), "calico-3.4");
  EXPECT_EQ(target_repo_for_version("v3.17.12"), "calico-3.17");
  EXPECT_EQ(target_repo_for_version("v3.4.1-python2"), "calico-3.4-python2");
}

TEST(TargetRepo, RefusesAnythingElseNamingIt) {
  for (const char* bad : {"", "Master", "3.4.1", "v3.4", "v3.4.1.2", "v03.4.1", "v3.4.01", "v3.4.1-rc1", "v3.4.1-python3",
                          "v3.4.1 ", "v-3.4.1", "v3.4.1/../x", "v1234567.0.0", "calico-3.4"}) {
    try {
      target_repo_for_version(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const PlanError& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("\"") + bad + "\""), std::string::npos) << e.what();
    }
  }
}

TEST(TargetRepo, ControlCharactersAreNotEchoed) {
  try {
    target_repo_for_version("v1\n\x1b[31m");
    FAIL();
  } catch (const PlanError& e) {
    EXPECT_EQ(std::string(e.what()), "VERSION \"v1??[31m\" is not master, vX.Y.Z, vX.Y.Z-python2 or release-vX.Y");
  }
}

TEST(ReleaseTag, RoundTrips) {
  const auto tag = parse_release_tag("v3.4.1-python2");
  ASSERT_TRUE(tag);
  EXPECT_EQ(tag->major, 3u);
  EXPECT_EQ(tag->minor, 4u);
  EXPECT_EQ(tag->patch, 1u);
  EXPECT_TRUE(tag->python2);
  EXPECT_EQ(tag->tag(), "v3.4.1-python2");
  EXPECT_EQ(parse_release_tag("v0.0.0")->tag(), "v0.0.0");
}
