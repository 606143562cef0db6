// A release tag deleted or moved after it asked for a build: what the store does with the build
// and what the commit is told (handlers/tag_change + store::apply_handler_result).
#include <gtest/gtest.h>

#include "bot/store/build_queue.hpp"
#include "bot/store/builds.hpp"
#include "bot/handling/handler_results.hpp"
#include "bot/store/outbox.hpp"
#include "bot/store/store.hpp"
#include "handlers/registry.hpp"
#include "handlers/tag_change.hpp"
#include "tests/support/fixtures.hpp"

using namespace calico;
using namespace calico::handlers;

namespace {

const std::string kOld(40, 'a');
const std::string kNew(40, 'b');

class TagChangeTest : public ::testing::Test {
 protected:
  TagChangeTest() : config_(testkit::test_config(dir_.path())), store_(store_config()) {}

  config::StoreConfig store_config() {
    config::StoreConfig c;
    c.path = dir_.path() / "state.sqlite";
    return c;
  }

  std::string apply(const Event& event) {
    const HandlerResult result = default_registry().dispatch(event, HandlerContext{config_});
    const auto data = store::stored_repositories(store_);
    return store_.atomically([&] { return handling::apply_handler_result(*data, result, std::nullopt, "https://bot.example/status"); });
  }
  PushEvent push(const std::string& before, const std::string& after) {
    PushEvent push;
    push.repository = "projectcalico/felix";
    push.ref = "refs/tags/v3.4.1";
    push.before = before.empty() ? std::string(40, '0') : before;
    push.after = after.empty() ? std::string(40, '0') : after;
    push.created = before.empty();
    push.deleted = after.empty();
    push.forced = !push.created && !push.deleted;
    push.head_commit = after;
    push.sender.login = "releaser";
    return push;
  }
  std::vector<std::string> request_states() {
    return store_.call([](store::Database& db) {
      store::Statement q = db.prepare("SELECT state FROM build_requests WHERE version = 'v3.4.1' ORDER BY id");
      std::vector<std::string> states;
      while (q.step()) states.push_back(q.column_text(0));
      return states;
    });
  }
  std::vector<store::OutboxEntry> statuses() {
    std::vector<store::OutboxEntry> rows = store_.call([](store::Database& db) { return store::outbox_rows(db); });
    std::erase_if(rows, [](const store::OutboxEntry& row) { return row.message.kind != store::MessageKind::status; });
    return rows;
  }

  testkit::ScratchDir dir_;
  config::Config config_;
  store::Store store_;
};

}  // namespace

TEST_F(TagChangeTest, ADeletedTagWithdrawsItsPendingBuildSaysSoOnItsCommitAndMadeAgainBuildsAgain) {
  apply(push("", kOld));
  EXPECT_EQ(request_states(), (std::vector<std::string>{"pending"}));

  const std::string outcome = apply(push(kOld, ""));
  EXPECT_NE(outcome.find("withdrew the pending build of v3.4.1 for calico-3.4: its tag was deleted"), std::string::npos)
      << outcome;
  EXPECT_EQ(request_states(), (std::vector<std::string>{"cancelled"}));
  const std::vector<store::OutboxEntry> said = statuses();
  ASSERT_EQ(said.size(), 1u);
  const std::string& payload = said[0].message.payload;
  EXPECT_NE(payload.find("/repos/projectcalico/felix/statuses/" + kOld), std::string::npos) << payload;
  EXPECT_NE(payload.find(R"(\"state\":\"error\")"), std::string::npos) << payload;
  EXPECT_NE(payload.find("calico-release-bot/calico-3.4/tag"), std::string::npos) << payload;
  EXPECT_NE(payload.find("tag v3.4.1 was deleted before its build started: the build was withdrawn, nothing was published"),
            std::string::npos)
      << payload;
  EXPECT_NE(payload.find("https://bot.example/status/"), std::string::npos) << payload;

  // GitHub's `delete` event for the same deletion names no commit: nothing more is withdrawn or said.
  apply(RefEvent{RefEvent::Kind::remove, "projectcalico/felix", "v3.4.1", RefEvent::RefType::tag, {}});
  EXPECT_EQ(statuses().size(), 1u);

  // The tag made again (on another commit) is a release never built: it is built.
  apply(push("", kNew));
  EXPECT_EQ(request_states(), (std::vector<std::string>{"cancelled", "pending"}));
}

TEST_F(TagChangeTest, ADeleteEventAloneFindsTheCommitTheWithdrawnRequestRecorded) {
  apply(push("", kOld));
  apply(RefEvent{RefEvent::Kind::remove, "projectcalico/felix", "v3.4.1", RefEvent::RefType::tag, {}});
  EXPECT_EQ(request_states(), (std::vector<std::string>{"cancelled"}));
  const std::vector<store::OutboxEntry> said = statuses();
  ASSERT_EQ(said.size(), 1u);
  EXPECT_NE(said[0].message.payload.find("/statuses/" + kOld), std::string::npos) << said[0].message.payload;
}

TEST_F(TagChangeTest, ATagMovedAfterItsBuildStartedIsNotRebuiltAndItsNewCommitSaysWhy) {
  apply(push("", kOld));
  const auto build = store_.call([](store::Database& db) { return store::claim_next_request(db, 1, "/tmp/work"); });
  ASSERT_TRUE(build);

  const std::string outcome = apply(push(kOld, kNew));
  EXPECT_NE(outcome.find("(not rebuilt)"), std::string::npos) << outcome;
  EXPECT_EQ(request_states(), (std::vector<std::string>{"started"})) << "no second build of a release";
  const std::vector<store::OutboxEntry> said = statuses();
  ASSERT_EQ(said.size(), 1u);
  const std::string& payload = said[0].message.payload;
  EXPECT_NE(payload.find("/statuses/" + kNew), std::string::npos) << payload;
  EXPECT_NE(payload.find("tag v3.4.1 moved here after build #" + std::to_string(build->id) +
                         " built it from aaaaaaa; a release is built once: tag a new version"),
            std::string::npos)
      << payload;

  // Deleted now: the started build is not withdrawn; the old commit is told what stays.
  apply(push(kNew, ""));
  EXPECT_EQ(request_states(), (std::vector<std::string>{"started"}));
  const std::vector<store::OutboxEntry> after = statuses();
  ASSERT_EQ(after.size(), 2u);
  EXPECT_NE(after[1].message.payload.find("tag v3.4.1 was deleted after build #" + std::to_string(build->id) +
                                          " started from it; what it publishes stays published"),
            std::string::npos)
      << after[1].message.payload;
  // …and a tag made again after a build is not a new release either.
  apply(push("", kOld));
  EXPECT_EQ(request_states(), (std::vector<std::string>{"started"}));
}

TEST_F(TagChangeTest, ATagMovedBeforeItsBuildStartedBuildsFromWhereItPointsNowWithoutAStatus) {
  apply(push("", kOld));
  const std::string outcome = apply(push(kOld, kNew));
  EXPECT_NE(outcome.find("tag v3.4.1 moved before its build started: it builds from bbbbbbb"), std::string::npos) << outcome;
  EXPECT_EQ(request_states(), (std::vector<std::string>{"pending"}));
  EXPECT_TRUE(statuses().empty());
}

TEST(DescribeTagChange, SaysNothingWhenNoBuildWasAskedFor) {
  TagChange change{TagChange::Kind::deleted, "projectcalico/felix", "calico-3.4", "v3.4.1", kOld, "", "releaser"};
  const TagChangeNotice notice = describe_tag_change(change, {});
  EXPECT_EQ(notice.commit, "");
  EXPECT_EQ(notice.note, "tag v3.4.1 deleted; no build of it was asked for");
  change.kind = TagChange::Kind::moved;
  change.new_commit = kNew;
  EXPECT_EQ(describe_tag_change(change, {}).commit, "");
  TagChangeFacts built;
  built.build = 7;
  change.old_commit.clear();
  EXPECT_EQ(describe_tag_change(change, built).description,
            "tag v3.4.1 moved here after build #7 built it; a release is built once: tag a new version");
}
