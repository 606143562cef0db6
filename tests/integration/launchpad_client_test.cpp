// The Launchpad client and the PPA archive check against a loopback stand-in that serves the
// real API's shapes, pages, fails and hangs.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <map>
#include <mutex>

#include "bot/launchpad/archive.hpp"
#include "bot/launchpad/client.hpp"
#include "bot/launchpad/promotion.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fake_launchpad.hpp"
#include "tests/support/loopback_server.hpp"

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

TEST(LaunchpadClient, AsksForPagesOf300AndFollowsThemAcrossPages) {
  testkit::FakeLaunchpad fake;
  // 650 publications of one name: Launchpad's largest page is 300, so three pages.
  for (int i = 0; i < 650; ++i) {
    fake.add_source({"project-calico", "master", "felix", "3.5.0~0.dev.post" + std::to_string(i) + "-xenial", "xenial"});
  }
  fake.add_source({"project-calico", "master", "networking-calico", "3.5.0-xenial", "xenial"});
  http::Client http(quick());
  launchpad::Client client(fake.api_root(), http);
  const auto publications = client.published_sources("project-calico", "master", "felix");
  ASSERT_EQ(publications.size(), 650u);
  EXPECT_EQ(http.requests_sent(), 3u);  // pages of 300, 300 and 50
  EXPECT_EQ(publications[0].source_package_version, "3.5.0~0.dev.post649-xenial") << "newest first";
  EXPECT_EQ(publications[0].series(), "xenial");
  EXPECT_EQ(publications[0].status, "Published");
  EXPECT_FALSE(publications[0].date_published.empty());
  EXPECT_EQ(publications[1].status, "Superseded") << "each upload superseded the one before";
}

TEST(LaunchpadClient, ExactVersionFilter) {
  testkit::FakeLaunchpad fake;
  fake.add_source({"project-calico", "master", "felix", "3.5.0~0.dev.post12-xenial", "xenial", "Pending"});
  fake.add_source({"project-calico", "master", "felix", "3.5.0~0.dev.post13-bionic", "bionic"});
  http::Client http(quick());
  launchpad::Client client(fake.api_root(), http);
  const auto one = client.published_sources("project-calico", "master", "felix", std::string("3.5.0~0.dev.post12-xenial"));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].status, "Pending");
  EXPECT_EQ(one[0].date_published, "");
}

TEST(LaunchpadClient, SourcesCreatedSinceADate) {
  testkit::FakeLaunchpad fake;
  fake.add_source({"project-calico", "master", "felix", "1-xenial", "xenial", "Published", {}, {}, "2026-11-01T00:00:00Z"});
  fake.add_source({"project-calico", "master", "felix", "2-bionic", "bionic", "Published", {}, {}, "2026-11-20T00:00:00Z"});
  http::Client http(quick());
  launchpad::Client client(fake.api_root(), http);
  EXPECT_EQ(client.archive_sources("project-calico", "master", "").size(), 2u);
  const auto recent = client.archive_sources("project-calico", "master", "2026-11-10T00:00:00Z");
  ASSERT_EQ(recent.size(), 1u);
  EXPECT_EQ(recent[0].source_package_version, "2-bionic");
}

TEST(LaunchpadClient, BuildSummariesForManySourcesInOneRequest) {
  testkit::FakeLaunchpad fake;
  fake.add_source({"project-calico", "master", "felix", "1-xenial", "xenial", "Published", {{"amd64", "Currently building"}}});
  fake.add_source({"project-calico", "master", "felix", "1-bionic", "bionic", "Published",
                   {{"amd64", "Successfully built"}, {"arm64", "Dependency wait", "", "libc6 (>= 2.34)"}}});
  fake.add_source({"project-calico", "master", "felix", "1-focal", "focal", "Published", {{"amd64", "Successfully built"}}});
  fake.add_source({"project-calico", "master", "felix", "1-jammy", "jammy", "Published",
                   {{"amd64", "Needs building"}, {"i386", "Cancelled build"}}});
  http::Client http(quick());
  launchpad::Client client(fake.api_root(), http);
  const auto sources = client.archive_sources("project-calico", "master", "");
  ASSERT_EQ(sources.size(), 4u);
  std::map<std::string, std::string> id_of;
  std::vector<std::string> ids;
  for (const auto& source : sources) {
    id_of[source.series()] = source.id();
    ids.push_back(source.id());
  }
  const std::size_t before = http.requests_sent();
  auto summaries = client.build_summaries("project-calico", "master", ids);
  EXPECT_EQ(http.requests_sent() - before, 1u);
  EXPECT_EQ(summaries[id_of["xenial"]].status, "BUILDING");
  EXPECT_EQ(summaries[id_of["bionic"]].status, "FAILEDTOBUILD") << "a Dependency wait is folded into FAILEDTOBUILD";
  EXPECT_EQ(summaries[id_of["focal"]].status, "FULLYBUILT_PENDING") << "built, binaries not yet published";
  EXPECT_EQ(summaries[id_of["jammy"]].status, "NEEDSBUILD") << "a cancelled build is hidden";
  fake.publish_binaries("felix", "1-focal");
  EXPECT_EQ(client.build_summaries("project-calico", "master", {id_of["focal"]})[id_of["focal"]].status, "FULLYBUILT");
  EXPECT_TRUE(client.build_summaries("project-calico", "master", {}).empty());
  EXPECT_THROW(client.build_summaries("project-calico", "master", {"12; DROP"}), launchpad::LaunchpadError);
  const auto bionic = std::find_if(sources.begin(), sources.end(), [](const auto& s) { return s.series() == "bionic"; });
  const auto bionic_builds = client.builds(bionic->self_link);
  ASSERT_EQ(bionic_builds.size(), 2u);
  EXPECT_EQ(bionic_builds[1].dependencies, "libc6 (>= 2.34)");
}

TEST(LaunchpadClient, TheFakeRejectsWhatLaunchpadRejects) {
  testkit::FakeLaunchpad fake;
  fake.add_source({"project-calico", "master", "felix", "1-xenial", "xenial"});
  http::Client http(quick());
  const std::string archive = fake.api_root() + "/~project-calico/+archive/ubuntu/master?ws.op=getPublishedSources";
  EXPECT_EQ(http.get(archive + "&source_name=%22felix%22&exact_match=True").status, 400) << "a Python boolean";
  EXPECT_EQ(http.get(archive + "&ws.size=301").status, 400) << "more than Launchpad's largest page";
  EXPECT_EQ(http.get(archive + "&version=%221-xenial%22").status, 400) << "a version needs a source name";
  EXPECT_EQ(http.get(archive + "&status=Bogus").status, 400);
  EXPECT_EQ(http.get(archive + "&created_since_date=yesterday").status, 400);
  EXPECT_EQ(http.get(archive + "&source_name=%22felix%22&exact_match=true&misspelt=1").status, 200) << "unknown names are ignored";
  EXPECT_EQ(http.get(archive + "&source_name=null").status, 200) << "JSON null drops the filter";
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

TEST(LaunchpadClient, AWaitBetweenAttemptsEndsWhenTheClientIsInterrupted) {
  // Launchpad asks for 20 s (within max_wait, so honoured); the service stops meanwhile.
  testkit::FakeLaunchpad fake;
  fake.fail_next(100, 503, 20);
  http::Client http(launchpad::client_settings({}));
  launchpad::Client client(fake.api_root(), http);
  std::atomic<bool> threw{false};
  const auto started = std::chrono::steady_clock::now();
  std::thread poll([&] {
    try {
      client.published_sources("project-calico", "calico-3.4", "felix");
    } catch (const http::ClientError& e) {
      threw = std::string(e.what()).find("interrupted") != std::string::npos;
    }
  });
  ASSERT_TRUE(testkit::eventually([&] { return fake.requests() >= 1; }));
  http.interrupt();
  poll.join();
  EXPECT_TRUE(threw);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "not the 20 s Launchpad asked for";
  EXPECT_EQ(fake.requests(), 1);
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

TEST(PpaArchive, AsksForTheExactVersionOncePerQuestion) {
  testkit::FakeLaunchpad fake;
  fake.add_source({"project-calico", "calico-3.4", "felix", "3.4.1-xenial", "xenial"});
  fake.add_source({"project-calico", "calico-3.4", "felix", "3.4.0-bionic", "bionic", "Deleted"});
  fake.add_source({"project-calico", "calico-3.3", "felix", "3.3.9-xenial", "xenial"});
  http::Client http(quick());
  launchpad::Client client(fake.api_root(), http);
  launchpad::PpaArchive archive(client, "project-calico", "calico-3.4");
  EXPECT_TRUE(archive.has_source("felix", "3.4.1-xenial"));
  EXPECT_TRUE(archive.has_source("felix", "3.4.0-bionic"));  // deleted still counts
  EXPECT_FALSE(archive.has_source("felix", "3.4.1-bionic"));
  EXPECT_FALSE(archive.has_source("felix", "3.3.9-xenial"));  // another PPA
  EXPECT_EQ(http.requests_sent(), 4u) << "one exact question each, never a name's whole history";
  EXPECT_TRUE(archive.has_source("felix", "3.4.1-xenial"));
  EXPECT_EQ(http.requests_sent(), 4u) << "answers are kept for the run";
}

// #21 item 11: the Host header names the port when it is not the scheme's default (GitHub
// Enterprise on :8443, a proxy): RFC 9110 7.2.
TEST(HttpClient, TheHostHeaderKeepsANonDefaultPort) {
  struct Recorder : http::Handler {
    std::mutex mutex;
    std::string host;
    void handle(http::Request request, http::Respond respond) override {
      {
        std::lock_guard lock(mutex);
        host = std::string(request.header("host").value_or(""));
      }
      respond(http::text_response(200, "ok"));
    }
  } recorder;
  testkit::LoopbackServer server(recorder);
  http::Client http(quick());
  ASSERT_EQ(http.get("http://127.0.0.1:" + std::to_string(server.port()) + "/x").status, 200);
  std::lock_guard lock(recorder.mutex);
  EXPECT_EQ(recorder.host, "127.0.0.1:" + std::to_string(server.port()));
}

// #21 item 13, against Launchpad's API: a later nightly of the same commit is found among the
// source's newest versions.
TEST(LaunchpadClient, APpaArchiveFindsALaterBuildOfTheSameSnapshot) {
  testkit::FakeLaunchpad fake;
  fake.add_source({"project-calico", "master", "felix", "3.22.0~0.dev.post55+20211214000000+0000+0123abc-focal", "focal"});
  fake.add_source({"project-calico", "master", "felix", "3.22.0~0.dev.post56+20211216020000+0000+abc1234-focal", "focal"});
  http::Client http(quick());
  launchpad::Client client(fake.api_root(), http);
  launchpad::PpaArchive archive(client, "project-calico", "master");
  const std::string ours = "3.22.0~0.dev.post56+20211215101010+0000+abc1234-focal";
  EXPECT_FALSE(archive.has_source("felix", ours));
  EXPECT_EQ(archive.later_build_of("felix", ours), "3.22.0~0.dev.post56+20211216020000+0000+abc1234-focal");
  EXPECT_EQ(archive.later_build_of("felix", "3.22.0~0.dev.post57+20211217000000+0000+fedcba9-focal"), std::nullopt);
}

namespace {

// testing holds felix for xenial, built and published; for bionic, still Pending.
void hold_in_testing(testkit::FakeLaunchpad& fake) {
  fake.add_source({"project-calico", "testing", "felix", "3.4.1-xenial", "xenial", "Published",
                   {{"amd64", "Successfully built", "http://lp/build-log"}},
                   {{"amd64", "Published"}}});
  fake.add_source({"project-calico", "testing", "felix", "3.4.1-bionic", "bionic", "Pending", {{"amd64", "Needs building"}}});
}

const testkit::FakeOAuthToken kToken{"calico-release-bot", "access-token", "token-secret"};

launchpad::OAuthToken token(const std::string& secret) {
  return {config::Secret(kToken.consumer_key), config::Secret(kToken.token), config::Secret(secret)};
}

}  // namespace

TEST(LaunchpadCopy, AnUnsignedOrBadlySignedCopyIsRefusedAndASignedOneOnlyQueuesAJob) {
  testkit::FakeLaunchpad fake;
  fake.accept_token(kToken);
  hold_in_testing(fake);
  http::Client http(quick());
  launchpad::Client client(fake.api_root(), http);
  const launchpad::CopyRequest request{"felix", "3.4.1-xenial", client.archive_url("project-calico", "testing"), "xenial", true};

  // No token: refused here, naming the secrets to set; nothing sent.
  try {
    client.copy_package("project-calico", "calico-3.4", request);
    FAIL() << "copied without a token";
  } catch (const launchpad::LaunchpadError& e) {
    EXPECT_NE(std::string(e.what()).find("secrets.launchpad_consumer_key"), std::string::npos) << e.what();
  }
  EXPECT_EQ(fake.requests(), 0);

  // A wrong token secret: Launchpad's 401, with its reason, and no job.
  client.sign_writes_with(token("not-the-secret"));
  try {
    client.copy_package("project-calico", "calico-3.4", request);
    FAIL() << "a bad signature was accepted";
  } catch (const launchpad::LaunchpadError& e) {
    EXPECT_NE(std::string(e.what()).find("HTTP 401: Unauthorized: Invalid signature"), std::string::npos) << e.what();
  }
  EXPECT_EQ(fake.unauthorized_writes(), 1);
  EXPECT_TRUE(fake.copy_jobs().empty());

  // Signed: queued at once, nothing in the target until the job runs.
  client.sign_writes_with(token(kToken.token_secret));
  client.copy_package("project-calico", "calico-3.4", request);
  const auto jobs = fake.copy_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_EQ(jobs[0].state, "queued");
  EXPECT_EQ(jobs[0].from_ppa, "project-calico/testing");
  EXPECT_EQ(jobs[0].to_ppa, "project-calico/calico-3.4");
  EXPECT_EQ(jobs[0].to_series, "xenial");
  EXPECT_TRUE(jobs[0].include_binaries);
  EXPECT_EQ(fake.requests_by_operation()["copyPackage"], 2);
  EXPECT_TRUE(client.published_sources("project-calico", "calico-3.4", "felix").empty());

  // The job runs: the copy appears Pending with the tested build, its binaries waiting for the
  // publisher; then it is published like an upload.
  EXPECT_EQ(fake.run_copy_jobs().size(), 1u);
  EXPECT_EQ(fake.copy_jobs()[0].state, "done");
  auto copied = client.published_sources("project-calico", "calico-3.4", "felix");
  ASSERT_EQ(copied.size(), 1u);
  EXPECT_EQ(copied[0].status, "Pending");
  EXPECT_EQ(copied[0].series(), "xenial");
  const auto builds = client.builds(copied[0].self_link);
  ASSERT_EQ(builds.size(), 1u);
  EXPECT_EQ(builds[0].buildstate, "Successfully built") << "a binary copy builds nothing";
  fake.set_source_status("felix", "3.4.1-xenial", "Published", "calico-3.4");
  fake.publish_binaries("felix", "3.4.1-xenial", "calico-3.4");
  copied = client.published_sources("project-calico", "calico-3.4", "felix");
  EXPECT_EQ(client.build_summaries("project-calico", "calico-3.4", {copied[0].id()})[copied[0].id()].status, "FULLYBUILT");
}

TEST(LaunchpadCopy, ACopyJobFailsForLaunchpadsReasonsAndLeavesNothingInTheTarget) {
  testkit::FakeLaunchpad fake;
  fake.accept_token(kToken);
  hold_in_testing(fake);
  fake.add_source({"project-calico", "calico-3.5", "felix", "3.4.1-xenial", "xenial", "Deleted"});
  fake.deny_uploads_to("project-calico/calico-3.6");
  http::Client http(quick());
  launchpad::Client client(fake.api_root(), http);
  client.sign_writes_with(token(kToken.token_secret));
  const std::string testing = client.archive_url("project-calico", "testing");
  client.copy_package("project-calico", "calico-3.4", {"felix", "3.4.1-bionic", testing, "bionic", true});  // not published
  client.copy_package("project-calico", "calico-3.5", {"felix", "3.4.1-xenial", testing, "xenial", true});  // version seen there
  client.copy_package("project-calico", "calico-3.6", {"felix", "3.4.1-xenial", testing, "xenial", true});  // no permission
  EXPECT_EQ(fake.run_copy_jobs().size(), 3u);
  const auto jobs = fake.copy_jobs();
  ASSERT_EQ(jobs.size(), 3u);
  for (const auto& job : jobs) EXPECT_EQ(job.state, "failed") << job.to_ppa;
  EXPECT_NE(jobs[0].reason.find("is not published in ppa:project-calico/testing"), std::string::npos) << jobs[0].reason;
  EXPECT_NE(jobs[1].reason.find("same version already"), std::string::npos) << jobs[1].reason;
  EXPECT_NE(jobs[2].reason.find("no upload rights"), std::string::npos) << jobs[2].reason;
  EXPECT_TRUE(client.published_sources("project-calico", "calico-3.4", "felix").empty());
  EXPECT_TRUE(client.published_sources("project-calico", "calico-3.6", "felix").empty());
  EXPECT_EQ(client.published_sources("project-calico", "calico-3.5", "felix").size(), 1u) << "only the deleted one";

  // A request Launchpad cannot read is refused at once (400), not queued.
  try {
    client.copy_package("project-calico", "calico-3.4", {"felix", "3.4.1-xenial", "http://elsewhere/~x/+archive/ubuntu/y", "xenial", true});
    FAIL() << "an unknown from_archive was accepted";
  } catch (const launchpad::LaunchpadError& e) {
    EXPECT_NE(std::string(e.what()).find("HTTP 400: from_archive"), std::string::npos) << e.what();
  }
  EXPECT_EQ(fake.copy_jobs().size(), 3u);
}

TEST(LaunchpadCopy, ThePromotionSourceSaysWhatTestingHasPublished) {
  testkit::FakeLaunchpad fake;
  fake.accept_token(kToken);
  hold_in_testing(fake);
  fake.add_source({"project-calico", "testing", "felix", "3.4.1-focal", "focal", "Published", {{"amd64", "Successfully built"}}});
  http::Client http(quick());
  launchpad::Client client(fake.api_root(), http);
  client.sign_writes_with(token(kToken.token_secret));
  launchpad::PpaPromotionSource testing(client, "project-calico", "testing", "calico-3.4");
  EXPECT_EQ(testing.name(), "testing");
  EXPECT_FALSE(testing.find("felix", "3.4.2-xenial", "xenial").has_value());
  EXPECT_FALSE(testing.find("felix", "3.4.1-xenial", "bionic").has_value()) << "another series";
  const auto published = testing.find("felix", "3.4.1-xenial", "xenial");
  ASSERT_TRUE(published.has_value());
  EXPECT_EQ(published->status, "Published");
  EXPECT_TRUE(published->binaries_published);
  const auto pending = testing.find("felix", "3.4.1-bionic", "bionic");
  ASSERT_TRUE(pending.has_value());
  EXPECT_EQ(pending->status, "Pending");
  const auto unpublished_binaries = testing.find("felix", "3.4.1-focal", "focal");
  ASSERT_TRUE(unpublished_binaries.has_value());
  EXPECT_FALSE(unpublished_binaries->binaries_published) << "built, its binary still Pending";

  testing.copy("felix", "3.4.1-xenial", "xenial");
  ASSERT_EQ(fake.copy_jobs().size(), 1u);
  EXPECT_EQ(fake.copy_jobs()[0].to_ppa, "project-calico/calico-3.4");
}
