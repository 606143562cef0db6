// The Launchpad client and the PPA archive check against a loopback stand-in that serves the
// real API's shapes, pages, fails and hangs.
#include <gtest/gtest.h>

#include "bot/launchpad/archive.hpp"
#include "bot/launchpad/client.hpp"
#include "tests/support/fake_launchpad.hpp"

using namespace calico;
using namespace std::chrono_literals;

namespace {
http::ClientSettings quick() {
  http::ClientSettings s;
  s.timeout = 2s;
  s.attempts = 3;
  s.first_backoff = 10ms;
  s.min_interval = 0ms;
  return s;
}
}  // namespace

TEST(LaunchpadClient, FollowsPaginationAcrossPages) {
  testkit::FakeLaunchpad fake;
  fake.set_page_size(2);
  for (const std::string series : {"trusty", "xenial", "bionic", "focal", "jammy"}) {
    fake.add_source({"project-calico", "calico-3.4", "felix", "3.4.1-" + series, series});
  }
  fake.add_source({"project-calico", "calico-3.4", "networking-calico", "3.4.1-xenial", "xenial"});
  http::Client http(quick());
  launchpad::Client client(fake.api_root(), http);
  const auto publications = client.published_sources("project-calico", "calico-3.4", "felix");
  ASSERT_EQ(publications.size(), 5u);
  EXPECT_EQ(publications[0].source_package_version, "3.4.1-trusty");
  EXPECT_EQ(publications[4].series(), "jammy");
  EXPECT_EQ(publications[0].status, "Published");
  EXPECT_EQ(publications[0].date_published, "2020-12-01T01:02:03.123456+00:00");
  EXPECT_EQ(http.requests_sent(), 3u);  // pages of 2, 2 and 1
}

TEST(LaunchpadClient, ExactVersionFilter) {
  testkit::FakeLaunchpad fake;
  fake.add_source({"project-calico", "master", "felix", "3.5.0~0.dev.post12-xenial", "xenial", "Pending"});
  fake.add_source({"project-calico", "master", "felix", "3.5.0~0.dev.post13-xenial", "xenial"});
  http::Client http(quick());
  launchpad::Client client(fake.api_root(), http);
  const auto one = client.published_sources("project-calico", "master", "felix", std::string("3.5.0~0.dev.post12-xenial"));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].status, "Pending");
  EXPECT_EQ(one[0].date_published, "");
}

TEST(LaunchpadClient, ASnapshotVersionWithAPlusIsFoundAsLaunchpadReadsIt) {
  // Every master snapshot has a '+'; Launchpad reads a raw '+' as a space (so does the fake).
  testkit::FakeLaunchpad fake;
  const std::string version = "1:3.22.0~0.dev.post56+20211215101010+0000+abc1234-focal";
  fake.add_source({"project-calico", "master", "networking-calico", version, "focal"});
  http::Client http(quick());
  launchpad::Client client(fake.api_root(), http);
  const auto found = client.published_sources("project-calico", "master", "networking-calico", version);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].source_package_version, version);
}

TEST(LaunchpadClient, QueryValuesAreEncodedAsLaunchpadlibSendsThem) {
  EXPECT_EQ(launchpad::percent_encode("3.22.0~0.dev.post56+2021 x/y"), "3.22.0~0.dev.post56%2B2021%20x%2Fy");
  EXPECT_EQ(launchpad::text_parameter("felix"), "%22felix%22");
  EXPECT_EQ(launchpad::text_parameter("3.10"), "%223.10%22") << "a raw 3.10 would be read as the number 3.1";
  EXPECT_EQ(launchpad::operation_query("getPublishedSources", {{"source_name", "felix"}}, {{"exact_match", "true"}}),
            "ws.op=getPublishedSources&source_name=%22felix%22&exact_match=true");
  EXPECT_EQ(std::string(launchpad::kUserAgent).rfind("calico-release-bot/", 0), 0u);
  EXPECT_NE(std::string(launchpad::kUserAgent).find("(+https://"), std::string::npos) << "a contact, as Launchpad asks";
}

TEST(LaunchpadClient, RetriesServerErrorsThenSucceeds) {
  testkit::FakeLaunchpad fake;
  fake.add_source({"project-calico", "calico-3.4", "felix", "3.4.1-xenial", "xenial"});
  fake.fail_next(2, 503);
  http::Client http(quick());
  launchpad::Client client(fake.api_root(), http);
  EXPECT_EQ(client.published_sources("project-calico", "calico-3.4", "felix").size(), 1u);
  EXPECT_EQ(http.requests_sent(), 3u);
}

TEST(LaunchpadClient, PersistentErrorsAreReportedWithTheUrl) {
  testkit::FakeLaunchpad fake;
  fake.fail_next(100, 503);
  http::Client http(quick());
  launchpad::Client client(fake.api_root(), http);
  try {
    client.published_sources("project-calico", "calico-3.4", "felix");
    FAIL();
  } catch (const launchpad::LaunchpadError& e) {
    EXPECT_NE(std::string(e.what()).find("answered HTTP 503"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("/~project-calico/+archive/ubuntu/calico-3.4?ws.op=getPublishedSources"), std::string::npos);
  }
  EXPECT_EQ(http.requests_sent(), 3u);
}

TEST(LaunchpadClient, A503AskingForFifteenMinutesIsNextPollsBusinessNotASleep) {
  testkit::FakeLaunchpad fake;
  fake.add_source({"project-calico", "calico-3.4", "felix", "3.4.1-xenial", "xenial"});
  fake.fail_next(1, 503, 900);
  http::Client http(launchpad::client_settings({}));  // the production settings
  launchpad::Client client(fake.api_root(), http);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(client.published_sources("project-calico", "calico-3.4", "felix"), launchpad::LaunchpadError);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "no waiting inside the request";
  EXPECT_EQ(http.requests_sent(), 1u);
  // A short Retry-After is honoured within the request.
  fake.fail_next(1, 503, 1);
  EXPECT_EQ(client.published_sources("project-calico", "calico-3.4", "felix").size(), 1u);
  EXPECT_EQ(http.requests_sent(), 3u);
}

TEST(LaunchpadClient, AHangingServerTimesOut) {
  testkit::FakeLaunchpad fake;
  fake.hang_for(1500ms);
  http::ClientSettings settings = quick();
  settings.timeout = 300ms;
  settings.attempts = 2;
  http::Client http(settings);
  launchpad::Client client(fake.api_root(), http);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(client.published_sources("project-calico", "calico-3.4", "felix"), http::ClientError);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(LaunchpadClient, NotFoundIsAnError) {
  testkit::FakeLaunchpad fake;
  http::Client http(quick());
  launchpad::Client client(fake.api_root() + "/nowhere", http);
  EXPECT_THROW(client.published_sources("project-calico", "calico-3.4", "felix"), launchpad::LaunchpadError);
  EXPECT_EQ(http.requests_sent(), 1u);  // a 4xx is not retried
}

TEST(PpaArchive, KnowsEverySeenVersionWithOneRequestPerSource) {
  testkit::FakeLaunchpad fake;
  fake.add_source({"project-calico", "calico-3.4", "felix", "3.4.1-xenial", "xenial"});
  fake.add_source({"project-calico", "calico-3.4", "felix", "3.4.0-xenial", "xenial", "Deleted"});
  fake.add_source({"project-calico", "calico-3.3", "felix", "3.3.9-xenial", "xenial"});
  http::Client http(quick());
  launchpad::Client client(fake.api_root(), http);
  launchpad::PpaArchive archive(client, "project-calico", "calico-3.4");
  EXPECT_TRUE(archive.has_source("felix", "3.4.1-xenial"));
  EXPECT_TRUE(archive.has_source("felix", "3.4.0-xenial"));  // deleted still counts
  EXPECT_FALSE(archive.has_source("felix", "3.4.1-bionic"));
  EXPECT_FALSE(archive.has_source("felix", "3.3.9-xenial"));  // another PPA
  EXPECT_EQ(http.requests_sent(), 1u);
  EXPECT_FALSE(archive.has_source("networking-calico", "3.4.1-xenial"));
  EXPECT_EQ(http.requests_sent(), 2u);
}
