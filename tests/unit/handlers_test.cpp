#include <gtest/gtest.h>

#include "handlers/registry.hpp"
#include "tests/support/fixtures.hpp"

using namespace calico;
using namespace calico::handlers;

class HandlersTest : public ::testing::Test {
 protected:
  HandlersTest() : config_(testkit::test_config(dir_.path())), registry_(default_registry()) {}
  HandlerResult dispatch(const Event& event) { return registry_.dispatch(event, HandlerContext{config_}); }
  // A push of felix's v3.4.1 tag from `before` to `after` (40 zeros: none).
  static PushEvent tag_push(char before, char after) {
    PushEvent push;
    push.repository = "projectcalico/felix";
    push.ref = "refs/tags/v3.4.1";
    push.before = std::string(40, before);
    push.after = std::string(40, after);
    push.created = before == '0';
    push.deleted = after == '0';
    push.forced = !push.created && !push.deleted;
    push.sender.login = "releaser";
    return push;
  }

  testkit::ScratchDir dir_;
  config::Config config_;
  Registry registry_;
};

TEST_F(HandlersTest, EveryHandlerHasHelpText) {
  for (const Handler& handler : registry_.handlers()) {
    EXPECT_FALSE(handler.name.empty());
    EXPECT_GT(handler.help.size(), 20u) << handler.name;
    EXPECT_FALSE(handler.events.empty()) << handler.name;
  }
}

TEST_F(HandlersTest, PushedReleaseTagRequestsReleaseBuild) {
  const HandlerResult result = dispatch(tag_push('0', 'c'));
  ASSERT_EQ(result.build_requests.size(), 1u);
  const BuildRequest& request = result.build_requests[0];
  EXPECT_EQ(request.kind, BuildRequest::Kind::release);
  EXPECT_EQ(request.target_repo, "calico-3.4");
  EXPECT_EQ(request.version, "v3.4.1");
  EXPECT_EQ(request.repository, "projectcalico/felix");
  EXPECT_EQ(request.requested_by, "releaser");
  EXPECT_EQ(request.trigger, "tag v3.4.1 pushed to projectcalico/felix");
  EXPECT_TRUE(result.master_changes.empty());
}

TEST_F(HandlersTest, Python2TagGoesToItsOwnRepo) {
  RefEvent created{RefEvent::Kind::create, "projectcalico/networking-calico", "v3.4.1-python2", RefEvent::RefType::tag, {}};
  const HandlerResult result = dispatch(created);
  ASSERT_EQ(result.build_requests.size(), 1u);
  EXPECT_EQ(result.build_requests[0].target_repo, "calico-3.4-python2");
}

TEST_F(HandlersTest, NonReleaseTagsUnwatchedReposAndNonReleaseReposDoNothing) {
  PushEvent push;
  push.ref = "refs/tags/v3.4.1-rc1";
  push.repository = "projectcalico/felix";
  EXPECT_TRUE(dispatch(push).empty());
  push.ref = "refs/tags/v3.4.1";
  push.repository = "someone/felix";
  HandlerResult unwatched = dispatch(push);
  EXPECT_TRUE(unwatched.empty());
  EXPECT_EQ(unwatched.notes.at(0), "repository someone/felix is not watched");
  push.repository = "projectcalico/calico-dnsmasq";  // release_tags = false
  EXPECT_TRUE(dispatch(push).empty());
}

TEST_F(HandlersTest, ADeletedReleaseTagIsATagChangeNotABuild) {
  PushEvent push = tag_push('a', '0');
  const HandlerResult pushed = dispatch(push);
  EXPECT_TRUE(pushed.build_requests.empty());
  ASSERT_EQ(pushed.tag_changes.size(), 1u);
  const TagChange& change = pushed.tag_changes[0];
  EXPECT_EQ(change.kind, TagChange::Kind::deleted);
  EXPECT_EQ(change.repository, "projectcalico/felix");
  EXPECT_EQ(change.target_repo, "calico-3.4");
  EXPECT_EQ(change.version, "v3.4.1");
  EXPECT_EQ(change.old_commit, std::string(40, 'a'));
  EXPECT_EQ(change.sender, "releaser");

  RefEvent removed{RefEvent::Kind::remove, "projectcalico/felix", "v3.4.1", RefEvent::RefType::tag, {}};
  const HandlerResult deleted = dispatch(removed);
  ASSERT_EQ(deleted.tag_changes.size(), 1u);
  EXPECT_EQ(deleted.tag_changes[0].old_commit, "") << "a delete event does not name the commit";

  // Not release tags, branches, repositories without release tags: nothing.
  push.ref = "refs/tags/v3.4.1-rc1";
  EXPECT_TRUE(dispatch(push).empty());
  push.ref = "refs/heads/feature";
  EXPECT_TRUE(dispatch(push).empty());
  push.ref = "refs/tags/v3.4.1";
  push.repository = "projectcalico/calico-dnsmasq";
  EXPECT_TRUE(dispatch(push).empty());
  RefEvent branch{RefEvent::Kind::remove, "projectcalico/felix", "v3.4.1", RefEvent::RefType::branch, {}};
  EXPECT_TRUE(dispatch(branch).empty());
}

TEST_F(HandlersTest, AMovedReleaseTagIsATagChangeAndAsksForItsReleaseAsANewOneWould) {
  const HandlerResult result = dispatch(tag_push('a', 'b'));
  ASSERT_EQ(result.tag_changes.size(), 1u);
  EXPECT_EQ(result.tag_changes[0].kind, TagChange::Kind::moved);
  EXPECT_EQ(result.tag_changes[0].old_commit, std::string(40, 'a'));
  EXPECT_EQ(result.tag_changes[0].new_commit, std::string(40, 'b'));
  ASSERT_EQ(result.build_requests.size(), 1u);
  EXPECT_EQ(result.build_requests[0].version, "v3.4.1");
  EXPECT_EQ(result.build_requests[0].trigger_commit, std::string(40, 'b'));
  EXPECT_EQ(result.build_requests[0].trigger, "tag v3.4.1 moved on projectcalico/felix");
}

TEST_F(HandlersTest, PushToWatchedMasterMarksMasterChanged) {
  PushEvent push;
  push.repository = "projectcalico/networking-calico";
  push.ref = "refs/heads/master";
  push.after = "f0e1d2";
  const HandlerResult result = dispatch(push);
  EXPECT_TRUE(result.build_requests.empty());
  ASSERT_EQ(result.master_changes.size(), 1u);
  EXPECT_EQ(result.master_changes[0].repository, "projectcalico/networking-calico");
  EXPECT_EQ(result.master_changes[0].branch, "master");
  EXPECT_EQ(result.master_changes[0].sha, "f0e1d2");
  push.ref = "refs/heads/feature";
  EXPECT_TRUE(dispatch(push).empty());
  // dnsmasq's master is watched too (it carries no release tags, but it can change).
  push.repository = "projectcalico/calico-dnsmasq";
  push.ref = "refs/heads/master";
  EXPECT_EQ(dispatch(push).master_changes.size(), 1u);
}

TEST_F(HandlersTest, PublishedReleaseRequestsBuildDraftDoesNot) {
  ReleaseEvent release{"projectcalico/felix", "published", "v3.5.0", false, false, {"releaser", false}};
  const HandlerResult result = dispatch(release);
  ASSERT_EQ(result.build_requests.size(), 1u);
  EXPECT_EQ(result.build_requests[0].target_repo, "calico-3.5");
  release.draft = true;
  EXPECT_TRUE(dispatch(release).empty());
}

TEST_F(HandlersTest, EventsWithoutHandlersAreNotedNotBuilt) {
  Registry only_pings;
  only_pings.add(make_ping_handler());
  CommentEvent comment{"projectcalico/felix", 1, 2, "/publish master", {"maintainer", false}};
  const HandlerResult result = only_pings.dispatch(comment, HandlerContext{config_});
  EXPECT_TRUE(result.empty());
  EXPECT_EQ(result.notes.at(0), "no handler for issue_comment yet");
}

TEST_F(HandlersTest, TheReleaseTagPatternNarrowsWhichTagsCount) {
  config_.repositories[0].release_tag_pattern = "v3\\.[0-9]+\\.[0-9]+";  // felix: 3.x, no python2 builds
  auto tag = [&](const std::string& name) {
    PushEvent push;
    push.repository = "projectcalico/felix";
    push.ref = "refs/tags/" + name;
    push.created = true;
    return dispatch(push);
  };
  EXPECT_EQ(tag("v3.5.0").build_requests.size(), 1u);
  const HandlerResult other_major = tag("v4.0.0");
  EXPECT_TRUE(other_major.empty());
  EXPECT_EQ(other_major.notes.at(0), "tag v4.0.0 does not match release_tag_pattern of projectcalico/felix");
  EXPECT_TRUE(tag("v3.5.0-python2").empty());
}
