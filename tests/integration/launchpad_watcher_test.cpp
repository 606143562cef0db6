// The Launchpad watcher against the loopback stand-in: an upload followed through pending,
// building, built and published; failures; rejection; a restart mid-watch; and the cost of a poll.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "bot/launchpad/publication.hpp"
#include "bot/launchpad/watcher.hpp"
#include "bot/store/lp_watches.hpp"
#include "tests/support/fake_launchpad.hpp"
#include "tests/support/fixtures.hpp"

using namespace calico;
using namespace std::chrono;

class WatcherTest : public ::testing::Test {
 protected:
  WatcherTest() : http_(settings()), client_(fake_.api_root(), http_) { reopen(); }

  static http::ClientSettings settings() {
    http::ClientSettings s;
    s.timeout = 2s;
    s.attempts = 2;
    s.first_backoff = 10ms;
    s.min_interval = 0ms;
    return s;
  }

  // (Re)opens the store and a watcher on it, as a restarted bot would.
  void reopen() {
    watcher_.reset();
    store_.reset();
    config::StoreConfig store_config;
    store_config.path = dir_.path() / "state.sqlite";
    store_ = std::make_unique<store::Store>(store_config);
    watcher_ = std::make_unique<launchpad::Watcher>(*store_, client_, launchpad::WatcherSettings{60s, 600s, 7200s},
                                                    [this] { return now_; });
  }

  // Moves the clock past every watch's next poll and polls.
  std::size_t tick(seconds by = 600s) {
    now_ += by;
    return watcher_->poll_due();
  }

  store::LpWatch only_watch() {
    const auto all = store_->call([](store::Database& db) { return store::all_lp_watches(db); });
    EXPECT_EQ(all.size(), 1u);
    return all.at(0);
  }

  testkit::ScratchDir dir_;
  testkit::FakeLaunchpad fake_;
  http::Client http_;
  launchpad::Client client_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<launchpad::Watcher> watcher_;
  sys_seconds now_{seconds(1606780800)};
};

TEST_F(WatcherTest, FollowsAnUploadUntilItsBinariesArePublished) {
  watcher_->watch("project-calico", "calico-3.4", "felix", "3.4.1-xenial", "xenial");
  EXPECT_EQ(watcher_->poll_due(), 0u) << "not due before the first interval";
  EXPECT_EQ(tick(), 1u);
  EXPECT_EQ(only_watch().state, launchpad::WatchState::waiting);

  fake_.add_source({"project-calico", "calico-3.4", "felix", "3.4.1-xenial", "xenial", "Pending"});
  tick();
  EXPECT_EQ(only_watch().state, launchpad::WatchState::building);
  EXPECT_EQ(only_watch().detail, "accepted (Pending), waiting for builds");

  fake_.set_source_status("felix", "3.4.1-xenial", "Published");
  fake_.set_build("felix", "3.4.1-xenial", {"amd64", "Currently building"});
  fake_.set_build("felix", "3.4.1-xenial", {"i386", "Needs building"});
  tick();
  EXPECT_EQ(only_watch().state, launchpad::WatchState::building);

  fake_.set_build("felix", "3.4.1-xenial", {"amd64", "Successfully built"});
  fake_.set_build("felix", "3.4.1-xenial", {"i386", "Successfully built"});
  fake_.set_binary("felix", "3.4.1-xenial", {"amd64", "Published"});
  tick();
  // Built, but Launchpad's publisher has not published i386's binaries yet (FULLYBUILT_PENDING).
  EXPECT_EQ(only_watch().state, launchpad::WatchState::building);
  EXPECT_EQ(only_watch().detail, "built for 2 architectures, waiting for Launchpad to publish the binaries");
  const auto arches = boost::json::parse(only_watch().arches).as_array();
  ASSERT_EQ(arches.size(), 2u);
  EXPECT_EQ(arches[0].as_object().at("state").as_string(), "built");
  EXPECT_FALSE(only_watch().finished_at);

  fake_.publish_binaries("felix", "3.4.1-xenial");
  tick();
  EXPECT_EQ(only_watch().state, launchpad::WatchState::published);
  EXPECT_TRUE(only_watch().finished_at.has_value());
  EXPECT_EQ(tick(), 0u) << "a finished watch is not polled again";
}

TEST_F(WatcherTest, ReportsTheFirstFailureAtOnceAndKeepsWatchingTheRest) {
  std::vector<std::string> changes;
  watcher_->on_change([&](const store::LpWatch&, const store::LpWatch& after) { changes.push_back(std::string(launchpad::to_string(after.state)) + ": " + after.detail); });
  fake_.add_source({"project-calico", "master", "felix", "3.5.0-bionic", "bionic", "Published",
                    {{"amd64", "Failed to build", "https://launchpad.test/build-amd64.txt.gz"}, {"arm64", "Currently building"}}});
  watcher_->watch("project-calico", "master", "felix", "3.5.0-bionic", "bionic");
  tick();
  EXPECT_EQ(only_watch().state, launchpad::WatchState::failed);
  EXPECT_EQ(only_watch().detail, "amd64: Failed to build (https://launchpad.test/build-amd64.txt.gz)");
  EXPECT_FALSE(only_watch().finished_at) << "arm64 is still building";
  fake_.set_build("felix", "3.5.0-bionic", {"arm64", "Dependency wait"});
  tick();
  EXPECT_FALSE(only_watch().finished_at) << "a dependency wait is retried by Launchpad: still watched";
  fake_.set_build("felix", "3.5.0-bionic", {"arm64", "Chroot problem"});
  tick();
  EXPECT_FALSE(only_watch().finished_at) << "failures are re-checked: Launchpad may retry them";
  EXPECT_EQ(only_watch().interval_seconds, 86400) << "slowly";
  // Someone retries both builds on Launchpad, and they publish: green after all.
  for (const char* arch : {"amd64", "arm64"}) {
    fake_.set_build("felix", "3.5.0-bionic", {arch, "Successfully built"});
    fake_.set_binary("felix", "3.5.0-bionic", {arch, "Published"});
  }
  EXPECT_EQ(tick(hours(1)), 0u) << "not before its slow re-check is due";
  tick(hours(24));
  EXPECT_EQ(only_watch().state, launchpad::WatchState::published) << only_watch().detail;
  EXPECT_TRUE(only_watch().finished_at);
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes.front(), "failed: amd64: Failed to build (https://launchpad.test/build-amd64.txt.gz)");
}

TEST_F(WatcherTest, AnUploadThatNeverAppearsIsRejected) {
  watcher_->watch("project-calico", "calico-3.4", "felix", "3.4.2-xenial", "xenial");
  for (int i = 0; i < 11; ++i) tick();  // 110 minutes
  EXPECT_EQ(only_watch().state, launchpad::WatchState::waiting);
  tick();
  EXPECT_EQ(only_watch().state, launchpad::WatchState::rejected);
  EXPECT_FALSE(only_watch().finished_at) << "still looking, slowly";
  EXPECT_EQ(only_watch().interval_seconds, 3600);
  for (int i = 0; i < 23 && !only_watch().finished_at; ++i) tick(hours(1));
  EXPECT_TRUE(only_watch().finished_at) << "given up about a day after the upload";
  EXPECT_EQ(only_watch().state, launchpad::WatchState::rejected);
}

TEST_F(WatcherTest, IntervalsGrowToTheMaximum) {
  watcher_->watch("project-calico", "calico-3.4", "felix", "3.4.1-trusty", "trusty");
  EXPECT_EQ(only_watch().interval_seconds, 60);
  tick(60s);
  EXPECT_EQ(only_watch().interval_seconds, 120);
  tick(120s);
  EXPECT_EQ(only_watch().interval_seconds, 240);
  EXPECT_EQ(tick(100s), 0u) << "the next poll is 240 s away";
  tick(140s);
  EXPECT_EQ(only_watch().interval_seconds, 480);
  tick(480s);
  EXPECT_EQ(only_watch().interval_seconds, 600);
  tick(600s);
  EXPECT_EQ(only_watch().interval_seconds, 600);
}

TEST_F(WatcherTest, WatchesSurviveARestart) {
  watcher_->watch("project-calico", "calico-3.4", "networking-calico", "3.4.1-bionic", "bionic");
  fake_.add_source({"project-calico", "calico-3.4", "networking-calico", "3.4.1-bionic", "bionic", "Published",
                    {{"amd64", "Currently building"}}});
  tick();
  EXPECT_EQ(only_watch().state, launchpad::WatchState::building);
  reopen();  // the bot restarts: same store file
  fake_.set_build("networking-calico", "3.4.1-bionic", {"amd64", "Successfully built"});
  fake_.set_binary("networking-calico", "3.4.1-bionic", {"amd64", "Published"});
  EXPECT_EQ(tick(), 1u);
  EXPECT_EQ(only_watch().state, launchpad::WatchState::published);
}

TEST_F(WatcherTest, OnePollOfAPpaCostsTwoRequestsPlusOnePerChangedSource) {
  // 20 watched sources, 12 of which Launchpad shows. The first poll reads the sources since the
  // oldest watch, the build summaries of the 12 in one request, and getBuilds for each of them
  // (all new); later polls cost 2 requests plus one per source whose summary changed.
  fake_.set_page_size(5);  // the watcher asks for pages of 300 anyway
  for (int i = 0; i < 20; ++i) {
    const std::string version = "3.4." + std::to_string(i) + "-xenial";
    watcher_->watch("project-calico", "calico-3.4", "felix", version, "xenial");
    if (i < 12) fake_.add_source({"project-calico", "calico-3.4", "felix", version, "xenial", "Pending", {{"amd64", "Currently building"}}});
  }
  int before = fake_.requests();
  EXPECT_EQ(tick(), 20u);
  EXPECT_EQ(fake_.requests() - before, 2 + 12);
  before = fake_.requests();
  tick();
  EXPECT_EQ(fake_.requests() - before, 2) << "nothing changed: no getBuilds";
  fake_.set_build("felix", "3.4.3-xenial", {"amd64", "Successfully built"});
  before = fake_.requests();
  tick();
  EXPECT_EQ(fake_.requests() - before, 3) << "one summary changed";
  const auto operations = fake_.requests_by_operation();
  EXPECT_EQ(operations.at("getBuildSummariesForSourceIds"), 3);
  EXPECT_EQ(operations.count("getPublishedBinaries"), 0u);
}

TEST_F(WatcherTest, WatchesOfOnePpaShareOneSchedule) {
  watcher_->watch("project-calico", "master", "felix", "1-xenial", "xenial");
  tick(60s);
  tick(120s);  // the PPA's interval is now 240 s
  now_ += 30s;
  watcher_->watch("project-calico", "master", "felix", "2-xenial", "xenial");  // pulls the next poll in
  const auto schedule = store_->call([](store::Database& db) { return store::find_lp_schedule(db, "project-calico", "master"); });
  ASSERT_TRUE(schedule);
  EXPECT_EQ(schedule->interval_seconds, 60);
  EXPECT_EQ(tick(60s), 2u) << "both watches polled together";
  const auto all = store_->call([](store::Database& db) { return store::all_lp_watches(db); });
  EXPECT_EQ(all.at(0).next_poll_at, all.at(1).next_poll_at);
}

TEST_F(WatcherTest, LaunchpadDownMeansTryAgainLaterNotFailure) {
  watcher_->watch("project-calico", "calico-3.4", "felix", "3.4.1-xenial", "xenial");
  fake_.fail_next(100, 503);
  tick();
  EXPECT_EQ(only_watch().state, launchpad::WatchState::waiting);
  EXPECT_FALSE(only_watch().finished_at);
  EXPECT_EQ(only_watch().interval_seconds, 120);
}

TEST_F(WatcherTest, A503WithALongRetryAfterIsTriedAgainAtTheNextPoll) {
  fake_.add_source({"project-calico", "calico-3.4", "felix", "3.4.1-xenial", "xenial", "Published", {{"amd64", "Currently building"}}});
  watcher_->watch("project-calico", "calico-3.4", "felix", "3.4.1-xenial", "xenial");
  fake_.fail_next(1, 503, 900);
  const auto started = steady_clock::now();
  tick();
  EXPECT_LT(steady_clock::now() - started, 5s) << "the poll does not sleep for Launchpad's fifteen minutes";
  EXPECT_EQ(only_watch().state, launchpad::WatchState::waiting);
  tick();
  EXPECT_EQ(only_watch().state, launchpad::WatchState::building);
}

TEST_F(WatcherTest, AnUploadSupersededByANewerOneIsNeutralAndFinal) {
  // Two master pushes fifteen minutes apart: Launchpad supersedes the older upload.
  fake_.add_source({"project-calico", "master", "felix", "3.5.0-bionic", "bionic", "Superseded",
                    {{"amd64", "Build for superseded Source"}}});
  watcher_->watch("project-calico", "master", "felix", "3.5.0-bionic", "bionic");
  tick();
  EXPECT_EQ(only_watch().state, launchpad::WatchState::superseded);
  EXPECT_EQ(only_watch().detail, "superseded by a newer upload before it was built");
  EXPECT_TRUE(only_watch().finished_at);
  const auto publication = launchpad::build_publication({only_watch()});
  EXPECT_EQ(publication.state, launchpad::PublicationState::superseded) << "nothing turns red";
}

TEST_F(WatcherTest, ANewerUploadSupersedesTheWatchedOneWhileItWaitsToBuild) {
  // Two master pushes in a row: the older upload is still waiting for a builder when the newer
  // one is published; Launchpad supersedes it and its build becomes "Build for superseded Source".
  fake_.add_source({"project-calico", "master", "felix", "3.5.0~0.dev.post1-bionic", "bionic", "Pending", {{"amd64", "Needs building"}}});
  watcher_->watch("project-calico", "master", "felix", "3.5.0~0.dev.post1-bionic", "bionic");
  tick();
  EXPECT_EQ(only_watch().state, launchpad::WatchState::building);
  fake_.add_source({"project-calico", "master", "felix", "3.5.0~0.dev.post2-bionic", "bionic", "Published", {{"amd64", "Currently building"}}});
  tick();
  EXPECT_EQ(only_watch().state, launchpad::WatchState::superseded) << only_watch().detail;
  EXPECT_TRUE(only_watch().finished_at);
}

TEST_F(WatcherTest, ADependencyWaitThatClearsEndsPublished) {
  fake_.add_source({"project-calico", "calico-3.4", "felix", "3.4.1-focal", "focal", "Published",
                    {{"amd64", "Dependency wait", "", "libbpf1 (>= 1:1.1)"}}});
  watcher_->watch("project-calico", "calico-3.4", "felix", "3.4.1-focal", "focal");
  tick();
  EXPECT_EQ(only_watch().state, launchpad::WatchState::building);
  EXPECT_NE(only_watch().detail.find("waiting for a dependency (libbpf1 (>= 1:1.1))"), std::string::npos) << only_watch().detail;
  EXPECT_FALSE(only_watch().finished_at);
  // Launchpad retries it by itself once the dependency exists; it builds, then is published.
  fake_.set_build("felix", "3.4.1-focal", {"amd64", "Successfully built"});
  tick();
  EXPECT_EQ(only_watch().detail, "built for 1 architecture, waiting for Launchpad to publish the binaries");
  fake_.publish_binaries("felix", "3.4.1-focal");
  tick();
  EXPECT_EQ(only_watch().state, launchpad::WatchState::published);
}

TEST_F(WatcherTest, AnArchitectureIndependentPackageBuiltOnceIsPublished) {
  // Architecture: all — one build on the nominated builder, binaries published for every
  // architecture of the series.
  fake_.add_source({"project-calico", "calico-3.4", "networking-calico", "3.4.1-xenial", "xenial", "Published",
                    {{"amd64", "Successfully built"}}, {{"amd64", "Pending", true}}});
  watcher_->watch("project-calico", "calico-3.4", "networking-calico", "3.4.1-xenial", "xenial");
  tick();
  EXPECT_EQ(only_watch().state, launchpad::WatchState::building);
  fake_.publish_binaries("networking-calico", "3.4.1-xenial");
  tick();
  EXPECT_EQ(only_watch().state, launchpad::WatchState::published);
  EXPECT_EQ(only_watch().detail, "published for 1 architecture");
}

TEST_F(WatcherTest, A503WithRetryAfter900LeavesEveryWatchAsItWasForTheNextPoll) {
  fake_.add_source({"project-calico", "calico-3.4", "felix", "3.4.1-xenial", "xenial", "Published", {{"amd64", "Successfully built"}}});
  watcher_->watch("project-calico", "calico-3.4", "felix", "3.4.1-xenial", "xenial");
  tick();
  const auto before = only_watch();
  fake_.publish_binaries("felix", "3.4.1-xenial");
  fake_.fail_next(1, 503, 900);
  tick();
  EXPECT_EQ(only_watch().state, before.state) << "a 503 is no news";
  EXPECT_EQ(only_watch().detail, before.detail);
  tick();
  EXPECT_EQ(only_watch().state, launchpad::WatchState::published);
}
