// Each command's behaviour on its own: run against a fake CommandContext (no store, no GitHub),
// as a Prow plugin is tested with fake clients.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "handlers/commands/context.hpp"
#include "tests/support/fixtures.hpp"

using namespace calico;
using namespace calico::handlers::commands;
using calico::handlers::BuildRequest;
using calico::handlers::BuildState;

namespace {

// What the service would answer, in memory, with a record of what was asked of it.
class FakeContext : public CommandContext {
 public:
  explicit FakeContext(const config::Config& config) : config_(config) {}

  const config::Config& config() const override { return config_; }
  const Origin& origin() const override { return origin_; }
  Permission may_write(const std::string& repository) override {
    asked_permission.push_back(repository);
    if (unreachable) throw std::runtime_error("GitHub answered HTTP 502");
    const bool allowed = writable.contains(repository);
    return {allowed, allowed ? "write on " + repository : "read on " + repository};
  }
  ResolvedTarget resolve_target(const std::string& target) override {
    if (target == "master") return {"master", "master", ""};
    if (target == "calico-3.4") return {"calico-3.4", "v3.4.1", ""};
    return {"", "", "no repository carries tag " + target};
  }
  std::string pull_request_head() override { return std::string(40, 'e'); }
  std::optional<BuildBrief> find_build(std::optional<std::int64_t> id) override {
    const auto found = builds.find(id.value_or(pull_request_build));
    return found == builds.end() ? std::nullopt : std::optional(found->second);
  }
  std::optional<BuildBrief> latest_build() override {
    return builds.empty() ? std::nullopt : std::optional(builds.rbegin()->second);
  }
  std::string describe_build(std::int64_t id) override { return "build #" + std::to_string(id) + " described"; }
  BuildRequest request_of_build(std::int64_t id) override {
    BuildRequest request;
    request.target_repo = builds.at(id).target_repo;
    request.version = builds.at(id).version;
    request.steps = {"felix"};
    return request;
  }
  Queued queue_build(const BuildRequest& request, const std::string& head, const std::string& pending) override {
    queued.push_back({request, head, pending});
    return already_queued ? Queued::already_queued : Queued::queued;
  }
  void await_approval(const BuildRequest& request, const std::string& head, const std::string& pending) override {
    waiting.push_back({static_cast<std::int64_t>(waiting.size() + 1), request, request.requested_by});
    waiting_heads.push_back(head + " " + pending);
  }
  std::optional<WaitingApproval> waiting_approval() override {
    for (const WaitingApproval& approval : waiting) {
      if (std::find(approved.begin(), approved.end(), approval.id) == approved.end()) return approval;
    }
    return std::nullopt;
  }
  Queued approve(std::int64_t id) override {
    approved.push_back(id);
    return queue_build(waiting.at(static_cast<std::size_t>(id - 1)).request, "approved-head", "approved");
  }
  bool cancel_build(std::int64_t id) override {
    cancelled.push_back(id);
    return builds.at(id).state == BuildState::running;
  }
  std::string build_url(std::int64_t id) const override { return "http://status.example/builds/" + std::to_string(id); }
  std::string status_page_url() const override { return "http://status.example"; }
  std::vector<ArchiveCheck> check_archive(const builders::Plan& plan) override {
    archive_asked_for.push_back(plan.ppa);
    return archive;
  }

  struct QueuedBuild {
    BuildRequest request;
    std::string head;
    std::string pending;
  };
  const config::Config& config_;
  Origin origin_{"projectcalico/felix", 12, "maintainer"};
  std::set<std::string> writable{"projectcalico/felix", "projectcalico/networking-calico"};
  bool unreachable = false;
  bool already_queued = false;
  std::int64_t pull_request_build = 0;
  std::map<std::int64_t, BuildBrief> builds;
  std::vector<std::string> asked_permission;
  std::vector<ArchiveCheck> archive;
  std::vector<std::string> archive_asked_for;
  std::vector<QueuedBuild> queued;
  std::vector<std::int64_t> cancelled;
  std::vector<WaitingApproval> waiting;
  std::vector<std::string> waiting_heads;
  std::vector<std::int64_t> approved;
};

class CommandRunTest : public ::testing::Test {
 protected:
  void SetUp() override { config_ = testkit::test_config(dir_.path()); }

  Reply run(FakeContext& context, const std::string& line) {
    const auto commands = parse_comment(line, config_);
    EXPECT_EQ(commands.size(), 1u);
    EXPECT_TRUE(commands.at(0).ok()) << commands.at(0).error;
    return find_command(commands.at(0).name)->run(commands.at(0), context);
  }

  testkit::ScratchDir dir_;
  config::Config config_;
};

}  // namespace

TEST_F(CommandRunTest, PublishQueuesTheResolvedTargetWithAPendingStatusOnTheHead) {
  FakeContext context(config_);
  const Reply reply = run(context, "/publish calico-3.4 steps=felix platforms=xenial");
  EXPECT_EQ(reply.text, "");  // the reporter links the build once it starts
  EXPECT_EQ(reply.outcome, "queued v3.4.1 for calico-3.4");
  ASSERT_EQ(context.queued.size(), 1u);
  const BuildRequest& request = context.queued[0].request;
  EXPECT_EQ(request.kind, BuildRequest::Kind::command);
  EXPECT_EQ(request.target_repo, "calico-3.4");
  EXPECT_EQ(request.version, "v3.4.1");
  EXPECT_EQ(request.steps, std::vector<std::string>{"felix"});
  EXPECT_EQ(request.platforms, std::vector<std::string>{"xenial"});
  EXPECT_EQ(request.trigger, "/publish calico-3.4 by @maintainer on projectcalico/felix#12");
  EXPECT_EQ(context.queued[0].head, std::string(40, 'e'));
  EXPECT_EQ(context.queued[0].pending, "Queued: v3.4.1 → calico-3.4 (/publish by @maintainer)");

  context.already_queued = true;
  const Reply again = run(context, "/publish calico-3.4 steps=felix platforms=xenial");
  EXPECT_EQ(again.outcome, "already queued: v3.4.1 for calico-3.4 (nothing queued)");
  EXPECT_NE(again.text.find("is already queued; it will build once. http://status.example/"), std::string::npos);
}

TEST_F(CommandRunTest, PublishingAReleaseNeedsWriteAccessOnEveryReleaseRepository) {
  FakeContext context(config_);
  context.writable = {"projectcalico/felix"};  // where the comment was typed, but not networking-calico
  const Reply refused = run(context, "/publish calico-3.4");
  EXPECT_TRUE(context.queued.empty());
  EXPECT_EQ(refused.outcome, "refused: read on projectcalico/networking-calico");
  EXPECT_EQ(refused.text, "Sorry @maintainer, only people with write access to projectcalico/networking-calico may run "
                          "`/publish` for a release (it publishes from projectcalico/networking-calico) "
                          "(read on projectcalico/networking-calico). Nothing was done.");
  // dnsmasq makes no releases of its own: it is not asked about.
  EXPECT_EQ(context.asked_permission, (std::vector<std::string>{"projectcalico/felix", "projectcalico/networking-calico"}));

  // master needs write access where the comment was typed only.
  EXPECT_EQ(run(context, "/publish master").outcome, "queued master for master");
  // A dry run changes nothing: no permission needed at all.
  context.writable.clear();
  context.asked_permission.clear();
  const Reply dry = run(context, "/publish calico-3.4 platforms=xenial --dry-run");
  EXPECT_TRUE(context.asked_permission.empty());
  EXPECT_NE(dry.text.find("dry run of `/publish calico-3.4 platforms=xenial --dry-run`: nothing was queued"), std::string::npos);
  EXPECT_EQ(context.queued.size(), 1u);
}

TEST_F(CommandRunTest, ADryRunSaysWhatTheArchiveAlreadyHoldsWhenThePlanUploads) {
  FakeContext context(config_);
  context.archive = {{"felix/xenial", "felix", "3.4.1-xenial", true, ""},
                     {"net_cal/xenial", "networking-calico", "1:3.4.1-xenial", false, ""},
                     {"nettle/xenial", "", "", std::nullopt, "a .dsc to download: known once built"},
                     {"dnsmasq/xenial", "dnsmasq", "2.79.post1+20211215101010+0000+abc1234-xenial", true, "",
                      "2.79.post1+20211216020000+0000+abc1234-xenial"}};
  const Reply dry = run(context, "/publish calico-3.4 platforms=xenial --dry-run");
  EXPECT_NE(dry.text.find("| dnsmasq/xenial | `dnsmasq 2.79.post1+20211215101010+0000+abc1234-xenial` | **already there** as "
                          "`2.79.post1+20211216020000+0000+abc1234-xenial`, a later build of the same commit: skipped |"),
            std::string::npos)
      << dry.text;
  EXPECT_EQ(context.archive_asked_for, (std::vector<std::string>{"ppa:project-calico/calico-3.4"}));
  EXPECT_NE(dry.text.find("What ppa:project-calico/calico-3.4 already holds (pub_debs skips those):"), std::string::npos)
      << dry.text;
  EXPECT_NE(dry.text.find("| felix/xenial | `felix 3.4.1-xenial` | **already there**: skipped |"), std::string::npos) << dry.text;
  EXPECT_NE(dry.text.find("| net_cal/xenial | `networking-calico 1:3.4.1-xenial` | not yet: would be uploaded |"),
            std::string::npos)
      << dry.text;
  EXPECT_NE(dry.text.find("| nettle/xenial | — | not known: a .dsc to download: known once built |"), std::string::npos)
      << dry.text;
  EXPECT_TRUE(context.queued.empty());

  // A plan that uploads nothing does not ask the archive.
  const Reply no_upload = run(context, "/publish calico-3.4 steps=felix --dry-run");
  EXPECT_EQ(context.archive_asked_for.size(), 1u);
  EXPECT_EQ(no_upload.text.find("already holds"), std::string::npos) << no_upload.text;
}

TEST_F(CommandRunTest, AnUnknownTargetIsAnsweredWithTheReason) {
  FakeContext context(config_);
  const Reply reply = run(context, "/publish v9.9.9");
  EXPECT_EQ(reply.text, "@maintainer I could not run `/publish v9.9.9`: no repository carries tag v9.9.9.");
  EXPECT_TRUE(context.queued.empty());
}

TEST_F(CommandRunTest, GitHubThatCannotBeAskedLeavesTheCommandToBeTriedAgain) {
  FakeContext context(config_);
  context.unreachable = true;
  EXPECT_THROW(run(context, "/publish master"), std::runtime_error);
  EXPECT_TRUE(context.queued.empty());
}

TEST_F(CommandRunTest, RetryOfAReleaseNeedsTheReleasePermissionAndReportsOnThisPullRequest) {
  FakeContext context(config_);
  context.builds[7] = {7, "calico-3.4", "v3.4.1", BuildState::failed};
  context.builds[8] = {8, "master", "master", BuildState::succeeded};
  context.writable = {"projectcalico/felix"};
  EXPECT_EQ(run(context, "/retry 7").outcome, "refused: read on projectcalico/networking-calico");
  EXPECT_TRUE(context.queued.empty());

  context.writable.insert("projectcalico/networking-calico");
  EXPECT_EQ(run(context, "/retry #7").outcome, "/retry answered");
  ASSERT_EQ(context.queued.size(), 1u);
  EXPECT_EQ(context.queued[0].request.trigger, "/retry 7 by @maintainer on projectcalico/felix#12");
  EXPECT_EQ(context.queued[0].request.steps, std::vector<std::string>{"felix"});
  EXPECT_EQ(context.queued[0].head, std::string(40, 'e'));
  EXPECT_EQ(context.queued[0].pending, "");

  EXPECT_EQ(run(context, "/retry 8").text, "@maintainer build #8 is succeeded; only a failed or cancelled build can be retried.");
  EXPECT_EQ(run(context, "/retry 9").text, "@maintainer there is no build #9.");
  EXPECT_EQ(run(context, "/retry").text, "@maintainer there is no build to retry yet: name one, like `/retry 12`.");
}

TEST_F(CommandRunTest, StatusAndCancelFindTheBuildThisPullRequestAskedFor) {
  FakeContext context(config_);
  EXPECT_EQ(run(context, "/status").text, "@maintainer there is no build to status yet: name one, like `/status 12`.");
  context.builds[3] = {3, "master", "master", BuildState::running};
  context.builds[4] = {4, "calico-3.4", "v3.4.1", BuildState::failed};
  // No build of this pull request: /status shows the latest, /cancel names none.
  EXPECT_EQ(run(context, "/status").text, "@maintainer build #4 described");
  EXPECT_EQ(run(context, "/cancel").text, "@maintainer there is no build to cancel yet: name one, like `/cancel 12`.");
  context.pull_request_build = 3;
  EXPECT_EQ(run(context, "/status").text, "@maintainer build #3 described");
  EXPECT_EQ(run(context, "/cancel").text,
            "@maintainer cancelling build #3 of master: its jobs are being stopped. http://status.example/builds/3");
  EXPECT_EQ(run(context, "/cancel 4").text,
            "@maintainer build #4 is failed, not running (or already being cancelled); nothing to cancel.");
  context.writable.clear();
  EXPECT_EQ(run(context, "/cancel 3").outcome, "refused: read on projectcalico/felix");
  EXPECT_EQ(context.cancelled, (std::vector<std::int64_t>{3, 4}));
}

TEST_F(CommandRunTest, HelpListsEveryCommandTheConfigurationUses) {
  FakeContext context(config_);
  const Reply reply = run(context, "/help");
  for (const CommandSpec& spec : all_commands()) {
    if (spec.name != "approve") {
      EXPECT_NE(reply.text.find("`" + spec.usage + "`"), std::string::npos) << spec.name;
    }
  }
  EXPECT_EQ(reply.outcome, "help given");
  // /approve is the bot's only when releases need a second person (else it is Prow's word).
  EXPECT_EQ(reply.text.find("`/approve`"), std::string::npos);
  EXPECT_TRUE(parse_comment("/approve", config_).empty());
  config_.github.release_approvals = 2;
  EXPECT_NE(run(context, "/help").text.find("`/approve`"), std::string::npos);
}

TEST(AllCommands, AreEveryCommandFileInHelpOrder) {
  std::vector<std::string> names;
  for (const CommandSpec& spec : all_commands()) names.push_back(spec.name);
  EXPECT_EQ(names, (std::vector<std::string>{"publish", "promote", "status", "cancel", "retry", "approve", "help"}));
}

TEST_F(CommandRunTest, WithTwoApprovalsAReleaseWaitsForAnotherPersonsApprove) {
  config_.github.release_approvals = 2;
  FakeContext context(config_);
  const Reply waiting = run(context, "/publish calico-3.4");
  EXPECT_TRUE(context.queued.empty());
  EXPECT_EQ(waiting.outcome, "waiting for approval: v3.4.1 for calico-3.4");
  EXPECT_EQ(waiting.text, "@maintainer v3.4.1 for `calico-3.4` waits for a second approver: another person with write access to "
                          "projectcalico/felix, projectcalico/networking-calico comments `/approve` here.");
  ASSERT_EQ(context.waiting.size(), 1u);
  EXPECT_EQ(context.waiting_heads[0], std::string(40, 'e') + " Queued: v3.4.1 → calico-3.4 (/publish by @maintainer)");
  // master needs nobody's approval.
  EXPECT_EQ(run(context, "/publish master").outcome, "queued master for master");
  ASSERT_EQ(context.queued.size(), 1u);

  // The requester cannot approve their own release; nor can someone without write access on
  // every release repository.
  EXPECT_EQ(run(context, "/approve").outcome, "refused: the requester cannot approve");
  context.origin_.author = "reviewer";
  context.writable = {"projectcalico/felix"};
  EXPECT_EQ(run(context, "/approve").outcome, "refused: read on projectcalico/networking-calico");
  context.writable.insert("projectcalico/networking-calico");
  const Reply approved = run(context, "/APPROVE");
  EXPECT_EQ(approved.outcome, "approved: v3.4.1 for calico-3.4");
  EXPECT_EQ(approved.text, "@reviewer approved v3.4.1 for `calico-3.4` (asked by @maintainer): queued. http://status.example/");
  ASSERT_EQ(context.queued.size(), 2u);
  EXPECT_EQ(context.queued[1].request.version, "v3.4.1");
  EXPECT_EQ(run(context, "/approve").text, "@reviewer nothing waits for approval on this pull request.");
}

TEST_F(CommandRunTest, PromoteQueuesAReleaseThatCopiesWhatTestingHasPublished) {
  FakeContext context(config_);
  context.writable = {"projectcalico/felix"};
  const Reply refused = run(context, "/promote calico-3.4");
  EXPECT_TRUE(context.queued.empty());
  EXPECT_EQ(refused.outcome, "refused: read on projectcalico/networking-calico") << "release-grade permission";

  context.writable = {"projectcalico/felix", "projectcalico/networking-calico"};
  const Reply reply = run(context, "/promote calico-3.4");
  EXPECT_EQ(reply.outcome, "queued v3.4.1 for calico-3.4, promoted from testing");
  ASSERT_EQ(context.queued.size(), 1u);
  const BuildRequest& request = context.queued[0].request;
  EXPECT_EQ(request.target_repo, "calico-3.4");
  EXPECT_EQ(request.version, "v3.4.1");
  EXPECT_TRUE(request.steps.empty());
  EXPECT_EQ(request.trigger, "/promote calico-3.4 by @maintainer on projectcalico/felix#12");
  EXPECT_EQ(context.queued[0].pending, "Queued: v3.4.1 → calico-3.4, promoted from testing (/promote by @maintainer)");

  for (const auto& [line, error] : std::vector<std::pair<std::string, std::string>>{
           {"/promote master", "\"master\" is not a release: use calico-X.Y (its highest vX.Y.Z tag) or vX.Y.Z"},
           {"/promote", "needs a release: calico-X.Y or vX.Y.Z"},
           {"/promote calico-3.4 steps=felix", "takes one release, calico-X.Y or vX.Y.Z"},
           {"/promote ../testing", "\"../testing\" is not a release"}}) {
    const auto commands = parse_comment(line, config_);
    ASSERT_EQ(commands.size(), 1u) << line;
    EXPECT_EQ(commands[0].error.rfind(error, 0), 0u) << line << ": " << commands[0].error;
  }
  // Without a promotion source the word is not the bot's.
  config_.publish.promote_from.clear();
  EXPECT_TRUE(parse_comment("/promote calico-3.4", config_).empty());
}
