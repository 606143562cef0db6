// The pollers against real repositories: the first poll is a baseline, tags pushed together are
// all found, a tag a webhook already brought triggers nothing more, master moving marks master.
#include <gtest/gtest.h>

#include <thread>

#include "bot/store/build_queue.hpp"
#include "bot/store/builds.hpp"
#include "bot/store/outbox.hpp"
#include "bot/poll/poller.hpp"
#include "config/loader.hpp"
#include "handlers/registry.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/git_fixture.hpp"

using namespace calico;

class PollerTest : public ::testing::Test {
 protected:
  PollerTest() : felix_(dir_.path() / "felix") {
    felix_.commit("README", "felix\n", "Initial commit");
    felix_.tag("v3.4.0");
    testkit::write_file(dir_.path() / "bot.toml", "[[repositories]]\nname = \"felix\"\ngithub = \"projectcalico/felix\"\nurl = \"" +
                                                      felix_.path().string() + "\"\n");
    config_ = config::load_config(dir_.path() / "bot.toml");
    config::StoreConfig store_config;
    store_config.path = dir_.path() / "state.sqlite";
    store_ = std::make_unique<store::Store>(store_config);
    poller_ = std::make_unique<poll::Poller>(*store_, config_, registry_);
  }

  std::vector<std::string> requests() {
    std::vector<std::string> out;
    for (const auto& row : store_->call([](store::Database& db) { return store::build_requests(db, store::RequestState::pending); })) {
      out.push_back(row.request.target_repo + " " + row.request.version);
    }
    return out;
  }

  testkit::ScratchDir dir_;
  testkit::GitFixture felix_;
  config::Config config_;
  handlers::Registry registry_ = handlers::default_registry();
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<poll::Poller> poller_;
};

TEST_F(PollerTest, TheFirstPollIsABaselineNotAFloodOfOldReleases) {
  const auto first = poller_->poll(config_.repositories[0]);
  EXPECT_TRUE(first.baseline);
  EXPECT_TRUE(requests().empty());
  const auto second = poller_->poll(config_.repositories[0]);
  EXPECT_FALSE(second.baseline);
  EXPECT_TRUE(second.changes.empty());
  EXPECT_EQ(second.outcome, "no change");
}

TEST_F(PollerTest, ThreeTagsPushedAtOnceAreAllFound) {
  poller_->poll(config_.repositories[0]);
  felix_.commit("VERSION", "3.5.0\n", "Release v3.5.0");
  felix_.tag("v3.5.0");
  felix_.tag("v3.5.0-python2");
  felix_.commit("VERSION", "3.6.0\n", "Release v3.6.0");
  felix_.tag("v3.6.0");
  const auto report = poller_->poll(config_.repositories[0]);
  EXPECT_EQ(report.changes.size(), 4u);  // master moved, three tags
  EXPECT_EQ(requests(), (std::vector<std::string>{"calico-3.5 v3.5.0", "calico-3.5-python2 v3.5.0-python2", "calico-3.6 v3.6.0"}));
  const auto marks = store_->call([](store::Database& db) { return store::master_changes(db); });
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].change.sha, felix_.head());
}

TEST_F(PollerTest, ATagAWebhookBroughtTriggersNothingMore) {
  poller_->poll(config_.repositories[0]);
  felix_.commit("VERSION", "3.7.0\n", "Release v3.7.0");
  felix_.tag("v3.7.0", /*annotated=*/false);
  // The webhook arrives first and its request is taken by the dispatcher.
  handlers::PushEvent push;
  push.repository = "projectcalico/felix";
  push.ref = "refs/tags/v3.7.0";
  push.after = felix_.head();
  push.created = true;
  const auto result = registry_.dispatch(push, handlers::HandlerContext{config_});
  store_->call([&](store::Database& db) {
    for (const auto& request : result.build_requests) store::enqueue_build_request(db, request, std::nullopt);
    db.exec("UPDATE build_requests SET state = 'started'");
  });
  const auto report = poller_->poll(config_.repositories[0]);
  EXPECT_NE(report.outcome.find("v3.7.0 for calico-3.7 was triggered before"), std::string::npos) << report.outcome;
  EXPECT_TRUE(requests().empty());
}

TEST_F(PollerTest, AnAnnotatedTagMovedOrDeletedIsSaidOnItsCommits) {
  poller_->poll(config_.repositories[0]);
  const std::string first = felix_.commit("VERSION", "3.8.0\n", "Release v3.8.0");
  felix_.tag("v3.8.0");  // annotated: the poll records the commit it names, not the tag object
  poller_->poll(config_.repositories[0]);
  ASSERT_EQ(requests(), (std::vector<std::string>{"calico-3.8 v3.8.0"}));
  ASSERT_TRUE(store_->call([](store::Database& db) { return store::claim_next_request(db, 1, "/tmp/work"); }));

  const std::string second = felix_.commit("VERSION", "3.8.0 again\n", "Oops");
  felix_.git({"tag", "--force", "-a", "-m", "Release v3.8.0, moved", "v3.8.0"});
  const auto moved = poller_->poll(config_.repositories[0]);
  EXPECT_NE(moved.outcome.find("tag v3.8.0 moved here after build #"), std::string::npos) << moved.outcome;
  EXPECT_TRUE(requests().empty()) << "a built release is not built again";
  felix_.git({"tag", "--delete", "v3.8.0"});
  const auto deleted = poller_->poll(config_.repositories[0]);
  EXPECT_NE(deleted.outcome.find("tag v3.8.0 was deleted after build #"), std::string::npos) << deleted.outcome;

  std::vector<std::string> said;
  for (const store::OutboxEntry& row : store_->call([](store::Database& db) { return store::outbox_rows(db); })) {
    if (row.message.kind == store::MessageKind::status) said.push_back(row.message.payload);
  }
  ASSERT_EQ(said.size(), 2u);
  EXPECT_NE(said[0].find("/statuses/" + second), std::string::npos) << "moved: the commit it names now; " << said[0];
  EXPECT_NE(said[1].find("/statuses/" + second), std::string::npos) << "deleted: the commit it named last; " << said[1];
  EXPECT_EQ(said[0].find(first), std::string::npos) << said[0];
}

TEST_F(PollerTest, AnUnreachableRepositoryIsAClearError) {
  config::RepositoryConfig gone = config_.repositories[0];
  gone.url = (dir_.path() / "no-such-repository").string();
  EXPECT_THROW(poller_->poll(gone), std::runtime_error);
}

TEST_F(PollerTest, TheBackgroundPollerFindsATagOnItsOwn) {
  config_.repositories[0].poll_interval = std::chrono::seconds(1);
  poll::Poller background(*store_, config_, registry_);
  background.start();
  // Its first poll (at once) records the baseline; the tag comes after it.
  ASSERT_TRUE(testkit::eventually([&] {
    return store_->call([](store::Database& db) {
      store::Statement s = db.prepare("SELECT count(*) FROM remote_refs");
      s.step();
      return s.column_int(0);
    }) > 0;
  }));
  felix_.commit("VERSION", "3.8.0\n", "Release v3.8.0");
  felix_.tag("v3.8.0");
  EXPECT_TRUE(testkit::eventually([&] { return !requests().empty(); }));
  background.stop();
  EXPECT_EQ(requests(), std::vector<std::string>{"calico-3.8 v3.8.0"});
}

TEST_F(PollerTest, EachRepositoryIsPolledOnItsOwnScheduleAndBacksOffWhenUnreachable) {
  // felix every minute; a second repository that cannot be reached backs off, doubling.
  config_.repositories.resize(1);
  config_.repositories[0].poll_interval = std::chrono::seconds(60);
  config::RepositoryConfig gone = config_.repositories[0];
  gone.github = "projectcalico/gone";
  gone.url = (dir_.path() / "no-such-repository").string();
  config_.repositories.push_back(gone);
  std::chrono::steady_clock::time_point now{};
  poll::Poller poller(*store_, config_, registry_, [&] { return now; });
  EXPECT_EQ(poller.poll_due(), 2u) << "both at once";
  now += std::chrono::seconds(50);
  EXPECT_EQ(poller.poll_due(), 0u) << "neither is due before 90 % of its interval";
  now += std::chrono::seconds(20);  // 70 s: both due again (the failed one waits its interval first)
  EXPECT_EQ(poller.poll_due(), 2u);
  now += std::chrono::seconds(70);  // 140 s: felix is due, the failing one now waits 120 s ± 10 %
  EXPECT_EQ(poller.poll_due(), 1u);
  now += std::chrono::seconds(70);  // 210 s
  EXPECT_EQ(poller.poll_due(), 2u);
}
