// The GitHub conversation against a GitHub fake on loopback: commands from PR comments (with the
// permission check), the replies, reactions and statuses they cause, the outbox's retries and
// rate-limit pauses, no message twice across a restart, App authentication, and the whole path
// from a signed webhook through the running service.
#include <gtest/gtest.h>

#include <set>

#include <thread>

#include "bot/commands/runner.hpp"
#include "bot/github/client.hpp"
#include "bot/github/messages.hpp"
#include "bot/github/outbox_sender.hpp"
#include "bot/github/reporter.hpp"
#include "bot/service.hpp"
#include "bot/store/sqlite/connection.hpp"
#include "bot/store/build_queue.hpp"
#include "bot/store/builds.hpp"
#include "bot/store/commands.hpp"
#include "bot/handling/handler_results.hpp"
#include "bot/store/github_pauses.hpp"
#include "bot/store/outbox.hpp"
#include "bot/store/reporting.hpp"
#include "builders/git/ls_remote.hpp"
#include "config/loader.hpp"
#include "handlers/registry.hpp"
#include "bot/util/time_format.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fake_github.hpp"
#include "tests/support/fake_launchpad.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/suites.hpp"

using namespace calico;
using namespace std::chrono_literals;

namespace {

const std::string kHead(40, 'e');
constexpr const char* kRepo = "projectcalico/felix";
constexpr const char* kReleaseRepo = "projectcalico/networking-calico";

bool has_text(const std::vector<testkit::GitHubComment>& comments, const std::string& text) {
  return std::any_of(comments.begin(), comments.end(),
                     [&](const testkit::GitHubComment& c) { return c.body.find(text) != std::string::npos; });
}

std::string all_bodies(const std::vector<testkit::GitHubComment>& comments) {
  std::string out;
  for (const auto& c : comments) out += c.body + "\n----\n";
  return out;
}

int count_requests(const testkit::FakeGitHub& github, const std::string& method, const std::string& path_part) {
  int n = 0;
  for (const auto& r : github.requests()) n += r.method == method && r.path.find(path_part) != std::string::npos;
  return n;
}

}  // namespace

class GitHubConversationTest : public testkit::SuiteWithFixtures {
 protected:
  void SetUp() override {
    github_.set_clock([this] { return std::chrono::system_clock::now() + skew_; });
    github_.accept_token("test-token");
    github_.set_pull(kRepo, 12, kHead);
    // A release publishes from felix and networking-calico: maintainers may write on both (the
    // tests give or deny felix, where they comment).
    github_.set_permission(kReleaseRepo, "maintainer", "write");
    github_.set_permission(kReleaseRepo, "reviewer", "write");
    open(github_extra_);
  }

  void TearDown() override {
    EXPECT_TRUE(github_.problems().empty()) << github_.problems().front();
  }

  // (Re)starts the bot's parts on the same directory: a restart.
  void open(const std::string& github_extra) {
    sender_.reset();
    runner_.reset();
    reads_.reset();
    writes_.reset();
    store_.reset();
    testkit::write_file(dir_path() / "webhook-secret", testkit::kTestSecret);
    testkit::write_file(dir_path() / "github-token", "test-token\n");
    testkit::write_file(dir_path() / "bot.toml",
                        "[server]\nport = 0\npublic_url = \"http://status.example\"\n[log]\nlevel = \"warn\"\n"
                        "[store]\npath = \"state.sqlite\"\n[dispatch]\nenabled = false\n"
                        "[launchpad]\napi_root = \"" + launchpad_.api_root() + "\"\nmin_interval_ms = 0\n"
                        "[secrets]\nwebhook_secret = { file = \"webhook-secret\" }\n" +
                            secrets_ + "[github]\napi_root = \"" + github_.api_root() +
                            "\"\nwrite_interval_ms = 0\nretry_first_seconds = 0\ntimeout_seconds = 1\n" + github_extra +
                            testkit::fixture_repositories_toml(*fixtures_));
    config_ = config::load_config(dir_path() / "bot.toml");
    store_ = std::make_unique<store::Store>(config_.store);
    const auto credentials = github::make_credentials(config_, token_http_);
    reads_ = github::make_client(config_.github, credentials, 2);
    writes_ = github::make_client(config_.github, credentials, 1);
    runner_ = std::make_unique<commands::CommandRunner>(
        *store_, config_, reads_.get(), [](const std::string& url) { return builders::git::ls_remote(url); },
        std::chrono::minutes(10), [this] { return util::system_now() + skew_; });
    sender_ = std::make_unique<github::OutboxSender>(*store_, config_.github, writes_.get(),
                                                     [this] { return std::chrono::system_clock::now() + skew_; });
  }

  const std::filesystem::path& dir_path() const { return scratch_.path(); }

  // Restarts as GitHub App 4242 (installation 77) with the test key.
  void open_as_app() {
    const testkit::RsaKeyPair& key = testkit::test_rsa_key();
    testkit::write_file(dir_path() / "app.pem", key.private_pem);
    github_.set_app("4242", "77", key.public_pem);
    secrets_ = "github_app_private_key = { file = \"app.pem\" }\n";
    open("app_id = \"4242\"\ninstallation_id = \"77\"\n");
  }

  // What the delivery processor does with an issue_comment: the handlers' result, stored.
  void comment(const std::string& author, const std::string& body, long long comment_id = 0, std::int64_t pull = 12) {
    handlers::CommentEvent event{kRepo, pull, comment_id ? comment_id : ++next_comment_, body, {author, false}};
    const handlers::HandlerResult result = handlers::default_registry().dispatch(event, handlers::HandlerContext{config_});
    const auto data = store::stored_repositories(*store_);
    store_->atomically([&] { handling::apply_handler_result(*data, result, std::nullopt, config_.server.status_page_url()); });
  }

  // A maintainer's command, run and sent, and the build it queued taken by a dispatcher.
  std::optional<store::Build> publish_and_claim(const std::string& line) {
    github_.set_permission(kRepo, "maintainer", "write");
    comment("maintainer", line);
    converse();
    return store_->call([&](store::Database& db) { return store::claim_next_request(db, 1, "work"); });
  }

  // Runs the commands and sends what they queued.
  void converse() {
    runner_->run_pending();
    sender_->send_due();
  }

  std::vector<store::QueuedBuildRequest> pending() {
    return store_->call([](store::Database& db) { return store::build_requests(db, store::RequestState::pending); });
  }

  std::vector<store::OutboxEntry> outbox() {
    return store_->call([](store::Database& db) { return store::outbox_rows(db); });
  }

  testkit::ScratchDir scratch_;
  testkit::FakeGitHub github_;
  testkit::FakeLaunchpad launchpad_;
  std::string secrets_ = "github_token = { file = \"github-token\" }\n";
  std::string github_extra_;
  config::Config config_;
  http::Client token_http_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<github::Client> reads_;
  std::unique_ptr<github::Client> writes_;
  std::unique_ptr<commands::CommandRunner> runner_;
  std::unique_ptr<github::OutboxSender> sender_;
  // How far ahead of the system clock the runner's and the sender's clocks are: a test moves
  // them past a wait instead of waiting.
  std::chrono::seconds skew_{0};
  long long next_comment_ = 5000;
};

TEST_F(GitHubConversationTest, AnUnauthorisedUserIsRefusedPolitelyAndNothingRuns) {
  github_.set_permission(kRepo, "visitor", "read");
  comment("visitor", "/publish master");
  converse();
  EXPECT_TRUE(pending().empty());
  const auto comments = github_.comments();
  ASSERT_EQ(comments.size(), 1u);
  EXPECT_NE(comments[0].body.find("Sorry @visitor, only people with write access to projectcalico/felix may run `/publish`"),
            std::string::npos)
      << comments[0].body;
  EXPECT_NE(comments[0].body.find("read on projectcalico/felix"), std::string::npos);
  ASSERT_EQ(github_.reactions().size(), 1u);
  EXPECT_EQ(github_.reactions()[0].content, "eyes");
  EXPECT_TRUE(github_.statuses().empty());

  // Someone who is not a collaborator at all (GitHub answers 404) is refused the same way.
  comment("stranger", "/cancel 1");
  converse();
  EXPECT_TRUE(has_text(github_.comments(), "stranger is not a collaborator")) << all_bodies(github_.comments());
}

TEST_F(GitHubConversationTest, AnAuthorisedPublishQueuesTheRightRequestWithAReactionAndAPendingStatus) {
  github_.set_permission(kRepo, "maintainer", "write");
  comment("maintainer", "Looks good.\n/publish calico-3.4 steps=felix,pub_debs platforms=xenial");
  converse();
  const auto requests = pending();
  ASSERT_EQ(requests.size(), 1u);
  const handlers::BuildRequest& request = requests[0].request;
  EXPECT_EQ(request.kind, handlers::BuildRequest::Kind::command);
  EXPECT_EQ(request.target_repo, "calico-3.4");
  EXPECT_EQ(request.version, "v3.4.1");  // the highest v3.4.Z tag of the fixtures
  EXPECT_EQ(request.steps, (std::vector<std::string>{"felix", "pub_debs"}));
  EXPECT_EQ(request.platforms, std::vector<std::string>{"xenial"});
  EXPECT_EQ(request.requested_by, "maintainer");
  EXPECT_EQ(request.trigger, "/publish calico-3.4 by @maintainer on projectcalico/felix#12");

  ASSERT_EQ(github_.reactions().size(), 1u);
  EXPECT_EQ(github_.reactions()[0].content, "eyes");
  const auto statuses = github_.statuses();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].sha, kHead);
  EXPECT_EQ(statuses[0].state, "pending");
  EXPECT_EQ(statuses[0].context, "calico-release-bot/calico-3.4");
  EXPECT_EQ(statuses[0].target_url, "http://status.example/");
  EXPECT_TRUE(github_.comments().empty());  // the reply linking the build comes when the build starts

  // An admin's answer is cached: a second command asks GitHub nothing more.
  const int asked = count_requests(github_, "GET", "/permission");
  comment("maintainer", "/publish v3.4.0");
  converse();
  EXPECT_EQ(count_requests(github_, "GET", "/permission"), asked);
  EXPECT_EQ(pending().size(), 2u);
  EXPECT_EQ(pending()[1].request.version, "v3.4.0");

  // The same /publish again: nothing is queued, and the command's outcome says so.
  comment("maintainer", "/publish v3.4.0");
  converse();
  EXPECT_EQ(pending().size(), 2u);
  const auto third = store_->call([](store::Database& db) { return store::find_command(db, 3); });
  ASSERT_TRUE(third);
  EXPECT_EQ(third->outcome.value_or(""), "already queued: v3.4.0 for calico-3.4 (nothing queued)");
}

TEST_F(GitHubConversationTest, ACommandGitHubCannotBeAskedAboutWaitsThenIsAnsweredWithTheReason) {
  github_.set_permission(kRepo, "maintainer", "write");
  comment("maintainer", "/publish master");
  github_.fail_next(2, 502);  // the permission read's two attempts
  EXPECT_EQ(runner_->run_pending(), 0u);  // deferred: still pending
  EXPECT_TRUE(pending().empty());
  EXPECT_EQ(runner_->run_pending(), 1u);  // GitHub answers now
  EXPECT_EQ(pending().size(), 1u);

  // One that keeps failing is tried for ten minutes on the runner's clock, then answered with
  // the reason (a colleague: whose permission the runner has not read yet).
  github_.set_permission(kRepo, "colleague", "write");
  comment("colleague", "/cancel");
  github_.fail_next(2, 503);
  skew_ = 9min;
  EXPECT_EQ(runner_->run_pending(), 0u) << "nine minutes old: still tried";
  github_.fail_next(2, 503);
  skew_ = 11min;
  EXPECT_EQ(runner_->run_pending(), 1u) << "eleven minutes old: given up";
  sender_->send_due();
  EXPECT_TRUE(has_text(github_.comments(), "I could not run `/cancel`: GitHub answered HTTP 503")) << all_bodies(github_.comments());
  EXPECT_TRUE(has_text(github_.comments(), "I kept trying for 10 minutes; nothing was done. Please try again later."));
  EXPECT_EQ(github_.comments().size(), 1u) << all_bodies(github_.comments());
}

TEST_F(GitHubConversationTest, ArgumentErrorsAndUnknownTargetsGetAReplyWithTheUsageUnknownWordsNothing) {
  github_.set_permission(kRepo, "maintainer", "admin");
  comment("maintainer", "/publish calico-3.4 steps=compile");
  comment("maintainer", "/publish calico-9.9");
  comment("maintainer", "/publish v3.4.7");
  comment("maintainer", "/frobnicate now");
  comment("maintainer", "/help");
  converse();
  EXPECT_TRUE(pending().empty());
  const auto comments = github_.comments();
  ASSERT_EQ(comments.size(), 4u) << all_bodies(comments);
  EXPECT_NE(comments[0].body.find("I could not run `/publish calico-3.4 steps=compile`: \"compile\" is not a step"), std::string::npos);
  EXPECT_NE(comments[0].body.find("Usage: `/publish <master|calico-X.Y|vX.Y.Z> [steps=a,b] [platforms=x,y] [--dry-run]`"), std::string::npos);
  EXPECT_NE(comments[1].body.find("has a v9.9.Z tag"), std::string::npos) << comments[1].body;
  EXPECT_NE(comments[2].body.find("has the tag v3.4.7"), std::string::npos) << comments[2].body;
  EXPECT_FALSE(has_text(comments, "frobnicate")) << "a word the bot does not know is not answered";
  for (const std::string usage : {"/publish <master|calico-X.Y|vX.Y.Z>", "/status [build]", "/cancel [build]", "/retry [build]", "/help"}) {
    EXPECT_NE(comments[3].body.find(usage), std::string::npos) << usage;
  }
  EXPECT_EQ(github_.reactions().size(), 4u) << "no eyes on a comment with no command of ours";
}

TEST_F(GitHubConversationTest, StrangersMistakesAreNotAnsweredAndUnknownWordsNotNoticed) {
  github_.set_permission(kRepo, "visitor", "read");
  comment("visitor", "/publish calico-3.4 steps=compile\n/status twelve");
  comment("visitor", "/deploy prod\n/lgtm");
  converse();
  EXPECT_TRUE(github_.comments().empty()) << all_bodies(github_.comments());
  EXPECT_EQ(github_.reactions().size(), 1u) << "eyes on the comment with commands of ours only";
  const auto rows = store_->call([](store::Database& db) { return store::pending_commands(db, 10); });
  EXPECT_TRUE(rows.empty()) << "the stranger's commands are done with, not left pending";
  const auto first = store_->call([](store::Database& db) { return store::find_command(db, 1); });
  ASSERT_TRUE(first);
  EXPECT_NE(first->outcome->find("ignored: \"compile\" is not a step"), std::string::npos) << *first->outcome;
}

TEST_F(GitHubConversationTest, TheCommandsOfOneCommentGetOneReply) {
  github_.set_permission(kRepo, "maintainer", "admin");
  comment("maintainer", "/status 99\n/help\n/cancel 98");
  converse();
  const auto comments = github_.comments();
  ASSERT_EQ(comments.size(), 1u) << all_bodies(comments);
  EXPECT_NE(comments[0].body.find("there is no build #99"), std::string::npos) << comments[0].body;
  EXPECT_NE(comments[0].body.find("/retry [build]"), std::string::npos) << comments[0].body;
  EXPECT_NE(comments[0].body.find("there is no build #98"), std::string::npos) << comments[0].body;
  EXPECT_LT(comments[0].body.find("#99"), comments[0].body.find("#98")) << "answers in the comment's order";
}

TEST_F(GitHubConversationTest, AnAuthorsRepliesAreBudgetedTheirCommandsStillRun) {
  open("replies_per_author_per_hour = 2\n");
  github_.set_permission(kRepo, "maintainer", "admin");
  comment("maintainer", "/help");
  comment("maintainer", "/status 7");
  comment("maintainer", "/publish master");
  converse();
  EXPECT_EQ(github_.comments().size(), 2u) << all_bodies(github_.comments());
  ASSERT_EQ(pending().size(), 1u) << "over the budget the command still runs";
  // Another author has a budget of their own.
  github_.set_permission(kRepo, "colleague", "write");
  comment("colleague", "/help");
  converse();
  EXPECT_EQ(github_.comments().size(), 3u) << all_bodies(github_.comments());
  // An hour later (on the runner's clock) the first author is answered again.
  skew_ = 61min;
  comment("maintainer", "/help");
  converse();
  EXPECT_EQ(github_.comments().size(), 4u) << all_bodies(github_.comments());
}

TEST_F(GitHubConversationTest, TheBotsOwnAccountIsNeverObeyed) {
  // A token's account is a plain User (not a Bot): the decoder cannot tell; the runner asks
  // GitHub who the token is and ignores that login, in any case.
  github_.accept_token("test-token", "Calico-Release-Bot-Account");
  github_.set_permission(kRepo, "calico-release-bot-account", "admin");
  comment("calico-release-bot-account", "/publish master");
  converse();
  EXPECT_TRUE(pending().empty());
  EXPECT_TRUE(github_.comments().empty()) << all_bodies(github_.comments());
  const auto first = store_->call([](store::Database& db) { return store::find_command(db, 1); });
  ASSERT_TRUE(first);
  EXPECT_NE(first->outcome->find("written by the bot's own account"), std::string::npos) << *first->outcome;
  // Others are obeyed as before; configured, the login is not asked of GitHub.
  github_.set_permission(kRepo, "maintainer", "admin");
  comment("maintainer", "/publish master");
  converse();
  EXPECT_EQ(pending().size(), 1u);
  open("bot_login = \"someone-else\"\n");
  comment("calico-release-bot-account", "/help");
  comment("someone-else", "/help");
  converse();
  EXPECT_EQ(github_.comments().size(), 1u) << "the configured login wins: " << all_bodies(github_.comments());
}

TEST_F(GitHubConversationTest, ADryRunRepliesWithThePlanQueuesNothingAndNeedsNoWriteAccess) {
  github_.set_permission(kRepo, "visitor", "read");
  // The PPA holds felix's upload of v3.4.1 for xenial already (a deleted one counts too:
  // Launchpad refuses a version it has seen).
  launchpad_.add_source({"project-calico", "calico-3.4", "felix", "3.4.1-xenial", "xenial", "Deleted"});
  comment("visitor", "/publish calico-3.4 platforms=xenial --dry-run");
  converse();
  EXPECT_TRUE(pending().empty());
  EXPECT_TRUE(github_.statuses().empty()) << "no pending status for a build that will not happen";
  const auto comments = github_.comments();
  ASSERT_EQ(comments.size(), 1u) << all_bodies(comments);
  EXPECT_NE(comments[0].body.find("@visitor dry run of `/publish calico-3.4 platforms=xenial --dry-run`: nothing was queued"),
            std::string::npos)
      << comments[0].body;
  EXPECT_NE(comments[0].body.find("v3.4.1"), std::string::npos) << "the release line resolves to its highest tag: " << comments[0].body;
  EXPECT_NE(comments[0].body.find("felix/xenial"), std::string::npos) << comments[0].body;
  EXPECT_EQ(comments[0].body.find("centos7"), std::string::npos) << "only the platforms asked for: " << comments[0].body;
  // What the archive holds, from the real repositories' versions (as the build computes them).
  EXPECT_NE(comments[0].body.find("| felix/xenial | `felix 3.4.1-xenial` | **already there**: skipped |"), std::string::npos)
      << comments[0].body;
  EXPECT_NE(comments[0].body.find("| net_cal/xenial | `networking-calico 1:3.4.1-xenial` | not yet: would be uploaded |"),
            std::string::npos)
      << comments[0].body;
  EXPECT_NE(comments[0].body.find("| dnsmasq/xenial | `dnsmasq 2.79test1calico1-2~xenial` | not yet: would be uploaded |"),
            std::string::npos)
      << comments[0].body;
}

TEST_F(GitHubConversationTest, ADryRunWhoseArchiveCannotBeAskedSaysSoOnceAndStillAnswers) {
  launchpad_.fail_next(1000, 503);
  github_.set_permission(kRepo, "visitor", "read");
  comment("visitor", "/publish calico-3.4 platforms=xenial --dry-run");
  converse();
  const auto comments = github_.comments();
  ASSERT_EQ(comments.size(), 1u) << all_bodies(comments);
  EXPECT_NE(comments[0].body.find("| felix/xenial | `felix 3.4.1-xenial` | not known: could not ask the archive:"),
            std::string::npos)
      << comments[0].body;
  EXPECT_LE(launchpad_.requests(), 4) << "asked once (with the client's retries), not once per package";
}

TEST_F(GitHubConversationTest, AReleaseNeedsWriteAccessOnEveryRepositoryItPublishesFrom) {
  github_.set_permission(kRepo, "felix-only", "write");  // may write where they comment, not on networking-calico
  comment("felix-only", "/publish calico-3.4");
  converse();
  EXPECT_TRUE(pending().empty());
  auto comments = github_.comments();
  ASSERT_EQ(comments.size(), 1u) << all_bodies(comments);
  EXPECT_NE(comments[0].body.find("Sorry @felix-only, only people with write access to projectcalico/networking-calico may "
                                  "run `/publish` for a release"),
            std::string::npos)
      << comments[0].body;
  // master is built from felix's PR alone: write access there is enough.
  comment("felix-only", "/publish master");
  converse();
  ASSERT_EQ(pending().size(), 1u);
  EXPECT_EQ(pending()[0].request.target_repo, "master");
}

TEST_F(GitHubConversationTest, WithTwoApprovalsAReleaseIsQueuedOnlyOnAnotherMaintainersApprove) {
  github_extra_ = "release_approvals = 2\n";
  open(github_extra_);
  github_.set_permission(kRepo, "maintainer", "write");
  github_.set_permission(kRepo, "reviewer", "write");
  comment("maintainer", "/publish calico-3.4 platforms=xenial");
  converse();
  EXPECT_TRUE(pending().empty());
  EXPECT_TRUE(github_.statuses().empty());
  ASSERT_EQ(github_.comments().size(), 1u);
  EXPECT_NE(github_.comments()[0].body.find("waits for a second approver"), std::string::npos) << github_.comments()[0].body;

  comment("maintainer", "/approve");  // not by whoever asked
  converse();
  EXPECT_TRUE(pending().empty());
  EXPECT_TRUE(has_text(github_.comments(), "you asked for v3.4.1 for `calico-3.4` yourself")) << all_bodies(github_.comments());

  comment("reviewer", "/approve");
  converse();
  const auto queued = pending();
  ASSERT_EQ(queued.size(), 1u);
  const handlers::BuildRequest& request = queued[0].request;
  EXPECT_EQ(request.version, "v3.4.1");
  EXPECT_EQ(request.platforms, std::vector<std::string>{"xenial"});
  EXPECT_EQ(request.requested_by, "maintainer");
  EXPECT_TRUE(has_text(github_.comments(), "@reviewer approved v3.4.1 for `calico-3.4` (asked by @maintainer): queued."));
  // The pending status goes on the head the request was made on, and the build reports to the
  // /publish that asked (command 1).
  const auto statuses = github_.statuses();
  ASSERT_EQ(statuses.size(), 1u);
  EXPECT_EQ(statuses[0].state, "pending");
  EXPECT_EQ(statuses[0].sha, kHead);
  store::sqlite::Connection db(dir_path() / "state.sqlite");
  store::Statement attached = db.prepare("SELECT command_id FROM build_requests");
  ASSERT_TRUE(attached.step());
  EXPECT_EQ(attached.column_int(0), 1);

  // Approving again: nothing is waiting any more.
  comment("reviewer", "/approve");
  converse();
  EXPECT_EQ(pending().size(), 1u);
  EXPECT_TRUE(has_text(github_.comments(), "nothing waits for approval on this pull request"));
}

TEST_F(GitHubConversationTest, StatusesGoAheadOfChatterInTheOutbox) {
  store_->call([](store::Database& db) {
    store::enqueue_outbox(db, github::comment_message(kRepo, 12, "a reply", "comment:test:1"));
    store::enqueue_outbox(db, github::reaction_message(kRepo, 77, "eyes"));
    store::enqueue_outbox(db, github::status_message(kRepo, kHead, "success", "calico-release-bot/calico-3.4", "done",
                                                     "http://status.example/", "status:test:1"));
    store::enqueue_outbox(db, github::comment_message(kRepo, 12, "another reply", "comment:test:2"));
  });
  const auto due = store_->call([](store::Database& db) { return store::due_outbox(db, "9999-12-31T00:00:00Z", 10); });
  ASSERT_EQ(due.size(), 4u);
  EXPECT_EQ(due[0].message.kind, store::MessageKind::status);
  EXPECT_EQ(due[1].message.dedupe_key, "comment:test:1");
  EXPECT_EQ(due[2].message.kind, store::MessageKind::reaction);
  EXPECT_EQ(due[3].message.dedupe_key, "comment:test:2");
}

TEST_F(GitHubConversationTest, StatusCancelAndRetryActOnThisPullRequestsBuild) {
  github_.set_permission(kRepo, "maintainer", "write");
  comment("maintainer", "/status");
  converse();
  EXPECT_TRUE(has_text(github_.comments(), "there is no build to status yet")) << all_bodies(github_.comments());

  comment("maintainer", "/publish master platforms=xenial");
  converse();
  const auto build = store_->call([&](store::Database& db) { return store::claim_next_request(db, 1, "work"); });
  ASSERT_TRUE(build);
  store_->call([&](store::Database& db) {
    store::record_job(db, build->id, {"felix/xenial", builders::pipeline::JobState::succeeded, "", "", std::nullopt, std::nullopt});
  });
  comment("maintainer", "/status");
  converse();
  const std::string id = std::to_string(build->id);
  EXPECT_TRUE(has_text(github_.comments(), "build #" + id + " of **master** for `master` is **running**")) << all_bodies(github_.comments());
  EXPECT_TRUE(has_text(github_.comments(), "Jobs: 1 succeeded"));

  comment("maintainer", "/retry");
  converse();
  EXPECT_TRUE(has_text(github_.comments(), "is running; only a failed or cancelled build can be retried"));

  comment("maintainer", "/cancel");
  converse();
  EXPECT_TRUE(has_text(github_.comments(), "cancelling build #" + id));
  EXPECT_TRUE(store_->call([&](store::Database& db) { return store::cancel_requested(db, build->id); }));
  store_->call([&](store::Database& db) { store::finish_build(db, build->id, handlers::BuildState::cancelled, "cancelled by /cancel"); });

  comment("maintainer", "/cancel " + id);
  comment("maintainer", "/cancel 999");
  github_.set_pull(kRepo, 13, std::string(40, 'd'));
  comment("maintainer", "/retry #" + id, 0, 13);
  converse();
  EXPECT_TRUE(has_text(github_.comments(), "is cancelled, not running"));
  EXPECT_TRUE(has_text(github_.comments(), "there is no build #999"));
  const auto requests = pending();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].request.version, "master");
  EXPECT_EQ(requests[0].request.platforms, std::vector<std::string>{"xenial"});
  EXPECT_EQ(requests[0].request.trigger, "/retry " + id + " by @maintainer on projectcalico/felix#13");
  // Retried from another pull request (#13, whose head differs from the build's #12): the new
  // build's statuses go to the head of the PR where /retry was typed.
  EXPECT_EQ(store_->call([&](store::Database& db) { return store::build_origin(db, build->id); }).head_sha, kHead);
  const auto retried = store_->call([&](store::Database& db) {
    store::Statement q = db.prepare("SELECT head_sha FROM build_requests ORDER BY id DESC LIMIT 1");
    q.step();
    return q.column_text(0);
  });
  EXPECT_EQ(retried, std::string(40, 'd')) << "the PR where /retry was typed, not the old build's";
}

TEST_F(GitHubConversationTest, StatusesAndCommentsFollowABuildsLife) {
  const auto build = publish_and_claim("/publish calico-3.4 platforms=xenial");
  ASSERT_TRUE(build);
  github::Reporter reporter(*store_, config_);
  const std::string felix_sha = fixtures_->commits.at("felix@v3.4.1");
  reporter.report_pending();  // claimed, no job yet: it might still go back to the queue
  EXPECT_EQ(sender_->send_due(), 0u);
  store_->call([&](store::Database& db) {
    store::record_job(db, build->id, {"bld_images/xenial", builders::pipeline::JobState::running, "", "", std::nullopt, std::nullopt});
    store::record_build_source(db, build->id, kRepo, felix_sha);
  });
  reporter.report_pending();
  sender_->send_due();
  const std::string url = "http://status.example/builds/" + std::to_string(build->id);
  EXPECT_TRUE(has_text(github_.comments(), "@maintainer build #" + std::to_string(build->id) +
                                               " of **v3.4.1** for `calico-3.4` ⏳ is running (0 of 1 jobs finished so far). " + url))
      << all_bodies(github_.comments());

  store_->call([&](store::Database& db) {
    for (const char* job : {"net_cal/xenial", "felix/xenial", "pub_debs/xenial"}) {
      store::record_job(db, build->id, {job, builders::pipeline::JobState::succeeded, "", "", std::nullopt, std::nullopt});
    }
    store::finish_build(db, build->id, handlers::BuildState::succeeded, "all 3 jobs succeeded");
  });
  reporter.report_pending();
  reporter.report_pending();  // nothing new: no second summary
  sender_->send_due();

  std::vector<std::string> head_states;
  std::vector<std::string> felix_states;
  for (const auto& status : github_.statuses()) {
    EXPECT_EQ(status.context, "calico-release-bot/calico-3.4");
    if (status.sha == kHead) head_states.push_back(status.state);
    if (status.sha == felix_sha) felix_states.push_back(status.state);
    EXPECT_LE(status.description.size(), 140u * 4);
  }
  EXPECT_EQ(head_states, (std::vector<std::string>{"pending", "pending", "success"}));  // queued, running, done
  EXPECT_EQ(felix_states, (std::vector<std::string>{"pending", "success"}));
  EXPECT_EQ(github_.statuses().back().target_url, url);
  // One comment, edited in place: it now holds the verdict and the whole matrix.
  const auto comments = github_.comments();
  ASSERT_EQ(comments.size(), 1u) << all_bodies(comments);
  EXPECT_EQ(comments[0].edits, 1);
  EXPECT_NE(comments[0].body.find("✅ published"), std::string::npos);
  EXPECT_NE(comments[0].body.find("| felix | ✅ published |"), std::string::npos) << comments[0].body;
  EXPECT_EQ(comments[0].body.find("is running"), std::string::npos) << comments[0].body;
  // And the last word on the /publish comment itself.
  const auto reactions = github_.reactions();
  ASSERT_EQ(reactions.size(), 2u);
  EXPECT_EQ(reactions[0].content, "eyes");
  EXPECT_EQ(reactions[1].content, "rocket");
  EXPECT_EQ(reactions[1].comment_id, reactions[0].comment_id);
}

TEST_F(GitHubConversationTest, AsAnAppEachBuildHasACheckRunBesideItsStatusEditedToItsConclusion) {
  open_as_app();
  const auto build = publish_and_claim("/publish calico-3.4 platforms=xenial");
  ASSERT_TRUE(build);
  github::Reporter reporter(*store_, config_);
  const std::string felix_sha = fixtures_->commits.at("felix@v3.4.1");
  store_->call([&](store::Database& db) {
    store::record_job(db, build->id, {"felix/xenial", builders::pipeline::JobState::running, "", "", std::nullopt, std::nullopt});
    store::record_build_source(db, build->id, kRepo, felix_sha);
  });
  reporter.report_pending();
  sender_->send_due();
  auto runs = github_.check_runs();
  ASSERT_EQ(runs.size(), 2u);  // the source commit and the pull request's head
  for (const auto& run : runs) {
    EXPECT_EQ(run.name, "calico-release-bot/calico-3.4");
    EXPECT_EQ(run.status, "in_progress");
    EXPECT_EQ(run.details_url, "http://status.example/builds/" + std::to_string(build->id));
  }
  // The store forgets the runs' ids (a crash right after creating them): found again by external_id.
  store_->call([&](store::Database& db) { db.exec("DELETE FROM edited_resources WHERE edit_key LIKE 'check:%'"); });
  store_->call([&](store::Database& db) {
    store::record_job(db, build->id, {"felix/xenial", builders::pipeline::JobState::succeeded, "", "", std::nullopt, std::nullopt});
    store::finish_build(db, build->id, handlers::BuildState::succeeded, "all jobs succeeded");
  });
  reporter.report_pending();
  sender_->send_due();
  runs = github_.check_runs();
  ASSERT_EQ(runs.size(), 2u) << "edited, not created again";
  for (const auto& run : runs) {
    EXPECT_EQ(run.status, "completed");
    EXPECT_EQ(run.conclusion, "success");
    EXPECT_EQ(run.updates, 1);
    EXPECT_NE(run.summary.find("| felix | ✅ built | — |"), std::string::npos) << run.summary;
    EXPECT_NE(run.title.find("published"), std::string::npos) << run.title;
  }
  // The commit statuses are still there beside them.
  EXPECT_FALSE(github_.statuses().empty());
}

TEST_F(GitHubConversationTest, EachPublicationIsADeploymentWhoseStatusesFollowItAndANewerOneRetiresTheOlder) {
  using builders::pipeline::JobState;
  github::Reporter reporter(*store_, config_);
  auto run = [&](const std::string& line, JobState pub_debs, handlers::BuildState end, bool crash_between) {
    const auto build = publish_and_claim(line);
    EXPECT_TRUE(build);
    store_->call([&](store::Database& db) {
      store::record_job(db, build->id, {"felix/xenial", JobState::succeeded, "", "", std::nullopt, std::nullopt});
      store::record_job(db, build->id, {"pub_debs/xenial", JobState::running, "", "", std::nullopt, std::nullopt});
      store::record_job(db, build->id, {"pub_rpms/centos7", JobState::pending, "", "", std::nullopt, std::nullopt});
    });
    reporter.report_pending();
    sender_->send_due();
    // The store forgets the deployments' ids (a crash right after creating them): found again on
    // GitHub by the key in their payload, not created twice.
    if (crash_between) store_->call([&](store::Database& db) { db.exec("DELETE FROM edited_resources WHERE edit_key LIKE 'deployment:%'"); });
    store_->call([&](store::Database& db) {
      store::record_job(db, build->id, {"pub_debs/xenial", pub_debs, "", "", std::nullopt, std::nullopt});
      store::record_job(db, build->id, {"pub_rpms/centos7", pub_debs, "", "", std::nullopt, std::nullopt});
      store::finish_build(db, build->id, end, "done");
    });
    reporter.report_pending();
    sender_->send_due();
    return build->id;
  };
  auto states = [](const testkit::GitHubDeployment& deployment) {
    std::string out;
    for (const auto& status : deployment.statuses) out += (out.empty() ? "" : " ") + status.state;
    return out;
  };
  const std::int64_t first = run("/publish calico-3.4 platforms=xenial,centos7", JobState::succeeded, handlers::BuildState::succeeded, true);
  auto deployments = github_.deployments();
  ASSERT_EQ(deployments.size(), 2u) << "one per kind of package, created once";
  const auto& ppa = deployments[0];
  EXPECT_EQ(ppa.repository, kRepo);
  EXPECT_EQ(ppa.sha, kHead) << "the pull request's head, where /publish was asked";
  EXPECT_EQ(ppa.environment, "ppa:project-calico/calico-3.4");
  EXPECT_EQ(states(ppa), "in_progress success");
  EXPECT_EQ(ppa.statuses.back().environment_url, "https://launchpad.net/~project-calico/+archive/ubuntu/calico-3.4");
  EXPECT_EQ(ppa.statuses.front().log_url, "http://status.example/builds/" + std::to_string(first));
  EXPECT_EQ(deployments[1].environment, "rpm:calico-3.4");
  EXPECT_EQ(states(deployments[1]), "in_progress success");

  // A newer publication to the same PPA: the older one is inactive, as the Environments view shows.
  run("/publish calico-3.4 platforms=xenial,centos7", JobState::succeeded, handlers::BuildState::succeeded, false);
  deployments = github_.deployments();
  ASSERT_EQ(deployments.size(), 4u);
  EXPECT_EQ(states(deployments[0]), "in_progress success inactive");
  EXPECT_EQ(states(deployments[2]), "in_progress success");

  // A failed upload: failure, with the job's log.
  const std::int64_t failed = run("/publish calico-3.4 platforms=xenial,centos7", JobState::failed, handlers::BuildState::failed, false);
  deployments = github_.deployments();
  ASSERT_EQ(deployments.size(), 6u);
  EXPECT_EQ(states(deployments[4]), "in_progress failure");
  EXPECT_EQ(deployments[4].statuses.back().log_url, "http://status.example/builds/" + std::to_string(failed) + "/logs/pub_debs/xenial");
  EXPECT_EQ(states(deployments[2]), "in_progress success") << "a failure replaces nothing";
}

TEST_F(GitHubConversationTest, GitHubRefusesToDeployACommitWhoseStatusesAreNotAllSuccessUnlessNoneAreRequired) {
  // The fake as GitHub: without required_contexts, the commit's pending status blocks a deployment.
  github_.set_permission(kRepo, "maintainer", "write");
  testkit::HttpClient client("127.0.0.1", static_cast<std::uint16_t>(std::stoi(github_.api_root().substr(github_.api_root().rfind(':') + 1))));
  const std::vector<std::pair<std::string, std::string>> headers{{"authorization", "Bearer test-token"}, {"accept", "application/vnd.github+json"},
                                                   {"user-agent", "test"}, {"x-github-api-version", "2022-11-28"},
                                                   {"content-type", "application/json"}};
  const std::string status = R"({"state":"pending","context":"ci","description":"running"})";
  ASSERT_EQ(client.request("POST", "/repos/" + std::string(kRepo) + "/statuses/" + kHead, headers, status).status, 201);
  const std::string deployment = R"({"ref":")" + std::string(kHead) + R"(","environment":"ppa:project-calico/calico-3.4"})";
  EXPECT_EQ(client.request("POST", "/repos/" + std::string(kRepo) + "/deployments", headers, deployment).status, 409);
  const std::string unblocked = R"({"ref":")" + std::string(kHead) + R"(","environment":"ppa:project-calico/calico-3.4","required_contexts":[]})";
  EXPECT_EQ(client.request("POST", "/repos/" + std::string(kRepo) + "/deployments", headers, unblocked).status, 201);
  EXPECT_EQ(github_.deployments().size(), 1u);
}

TEST_F(GitHubConversationTest, WithATokenThereAreNoCheckRuns) {
  github_.set_permission(kRepo, "maintainer", "write");
  comment("maintainer", "/publish master");
  converse();
  github::Reporter reporter(*store_, config_);
  const auto build = store_->call([&](store::Database& db) { return store::claim_next_request(db, 1, "work"); });
  ASSERT_TRUE(build);
  store_->call([&](store::Database& db) {
    store::record_job(db, build->id, {"felix/xenial", builders::pipeline::JobState::succeeded, "", "", std::nullopt, std::nullopt});
    store::finish_build(db, build->id, handlers::BuildState::succeeded, "done");
  });
  reporter.report_pending();
  sender_->send_due();
  EXPECT_TRUE(github_.check_runs().empty());
  EXPECT_FALSE(github_.statuses().empty());
}

TEST_F(GitHubConversationTest, TheSummaryIsOneCommentFoundAgainAfterACrashAndPostedAgainIfDeleted) {
  auto summary = [&](const std::string& text) {
    store_->call([&](store::Database& db) { store::enqueue_outbox(db, github::summary_message(kRepo, 12, 9, text)); });
    sender_->send_due();
  };
  summary("first");
  ASSERT_EQ(github_.comments().size(), 1u);
  summary("second");
  ASSERT_EQ(github_.comments().size(), 1u);
  EXPECT_EQ(github_.comments()[0].edits, 1);
  EXPECT_TRUE(github_.comments()[0].body.starts_with("second"));
  // The store lost the comment's id (a crash right after posting): the marker finds it again.
  store_->call([&](store::Database& db) { db.exec("DELETE FROM edited_resources"); });
  summary("third");
  ASSERT_EQ(github_.comments().size(), 1u) << all_bodies(github_.comments());
  EXPECT_EQ(github_.comments()[0].edits, 2);
  // Someone deleted it: the next version is posted anew.
  github_.delete_comment(github_.comments()[0].id);
  summary("fourth");
  sender_->send_due();  // the retry after the 404
  ASSERT_EQ(github_.comments().size(), 1u);
  EXPECT_TRUE(github_.comments()[0].body.starts_with("fourth"));
  // Versions queued faster than they are sent: only the newest goes out.
  store_->call([&](store::Database& db) {
    store::enqueue_outbox(db, github::summary_message(kRepo, 12, 9, "fifth"));
    store::enqueue_outbox(db, github::summary_message(kRepo, 12, 9, "sixth"));
  });
  const int patches = count_requests(github_, "PATCH", "/issues/comments/");
  sender_->send_due();
  EXPECT_EQ(count_requests(github_, "PATCH", "/issues/comments/"), patches + 1);
  EXPECT_TRUE(github_.comments()[0].body.starts_with("sixth"));
}

TEST_F(GitHubConversationTest, ACommitUnchangedSinceTheTargetsLastSuccessGetsNoStatusesAgain) {
  github::Reporter reporter(*store_, config_);
  const std::string felix = "projectcalico/felix";
  const std::string dnsmasq = "projectcalico/calico-dnsmasq";
  const std::string pinned(40, 'd');  // the dnsmasq ref every nightly builds
  // Three nightly master builds: felix moves every night, dnsmasq never; the second fails.
  const std::vector<std::pair<std::string, handlers::BuildState>> nights = {
      {std::string(40, '1'), handlers::BuildState::succeeded},
      {std::string(40, '2'), handlers::BuildState::failed},
      {std::string(40, '3'), handlers::BuildState::succeeded},
  };
  for (const auto& [felix_sha, outcome] : nights) {
    store_->call([&](store::Database& db) {
      handlers::BuildRequest request;
      request.target_repo = "master";
      request.version = "master";
      request.repository = felix;
      request.trigger = "nightly";
      request.kind = handlers::BuildRequest::Kind::command;  // (an automatic one would be deduplicated)
      store::enqueue_build_request(db, request, std::nullopt);
    });
    const auto build = store_->call([&](store::Database& db) { return store::claim_next_request(db, 1, "work"); });
    ASSERT_TRUE(build);
    store_->call([&](store::Database& db) {
      store::record_job(db, build->id, {"felix/xenial", builders::pipeline::JobState::succeeded, "", "", std::nullopt, std::nullopt});
      store::record_build_source(db, build->id, felix, felix_sha);
      store::record_build_source(db, build->id, dnsmasq, pinned);
      store::finish_build(db, build->id, outcome, "done");
    });
    reporter.report_pending();
    sender_->send_due();
  }
  std::vector<std::string> pinned_states;
  std::set<std::string> felix_shas;
  for (const auto& status : github_.statuses()) {
    if (status.sha == pinned) pinned_states.push_back(status.state);
    if (status.repository == felix) felix_shas.insert(status.sha);
  }
  // Night 1 reports it; night 2 not (night 1 succeeded with it); night 3 does (night 2 failed).
  EXPECT_EQ(pinned_states, (std::vector<std::string>{"success", "success"}));
  EXPECT_EQ(felix_shas.size(), 3u) << "every changed commit gets its status";
}

TEST_F(GitHubConversationTest, TheOutboxRetriesAfterServerErrorsUntilAccepted) {
  store_->call([&](store::Database& db) {
    store::enqueue_outbox(db, github::status_message(kRepo, kHead, "success", "c", "d", "http://x", "k1"));
  });
  github_.fail_next(2, 502);
  EXPECT_EQ(sender_->send_due(), 0u);
  EXPECT_EQ(outbox()[0].last_error.value_or(""), "HTTP 502");
  EXPECT_EQ(sender_->send_due(), 0u);
  EXPECT_EQ(sender_->send_due(), 1u);
  EXPECT_EQ(github_.statuses().size(), 1u);
  EXPECT_EQ(outbox()[0].attempts, 3);
  EXPECT_TRUE(outbox()[0].delivered_at);
  EXPECT_EQ(sender_->send_due(), 0u);  // delivered: never again
  EXPECT_EQ(github_.statuses().size(), 1u);
}

TEST_F(GitHubConversationTest, RefusedCredentialsPauseEveryWriteAndLoseNothing) {
  store_->call([&](store::Database& db) {
    store::enqueue_outbox(db, github::status_message(kRepo, kHead, "success", "c", "d", "http://x", "k1"));
    store::enqueue_outbox(db, github::comment_message(kRepo, 12, "hello", "comment:k2"));
  });
  github_.fail_next(2, 401);  // a revoked token (the client tries once more with fresh credentials)
  EXPECT_EQ(sender_->send_due(), 0u);
  const auto rows = outbox();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_FALSE(rows[0].abandoned_at) << "a 401 gives nothing up";
  EXPECT_NE(rows[0].last_error.value_or("").find("HTTP 401"), std::string::npos);
  EXPECT_EQ(rows[1].attempts, 0) << "the pause holds every other write back";
  // Once GitHub accepts the credentials again, everything goes out.
  EXPECT_EQ(sender_->send_due(), 2u);
  EXPECT_EQ(github_.statuses().size(), 1u);
  EXPECT_EQ(github_.comments().size(), 1u);
}

TEST_F(GitHubConversationTest, ARenamedRepositorysRedirectIsFollowedOnTheSameApiRoot) {
  github_.move_repository("projectcalico/felix-old", kRepo);
  store_->call([&](store::Database& db) {
    store::enqueue_outbox(db, github::status_message("projectcalico/felix-old", kHead, "success", "c", "d", "http://x", "k1"));
  });
  EXPECT_EQ(sender_->send_due(), 1u);
  ASSERT_EQ(github_.statuses().size(), 1u);
  EXPECT_EQ(github_.statuses()[0].repository, kRepo);
  EXPECT_EQ(count_requests(github_, "POST", "/repos/projectcalico/felix-old/statuses/"), 1) << "a POST follows its 307";
  // Reads follow too (a permission asked under the old name).
  github_.set_permission(kRepo, "maintainer", "write");
  const http::ClientResponse permission = reads_->call("GET", "/repos/projectcalico/felix-old/collaborators/maintainer/permission");
  EXPECT_EQ(permission.status, 200);
}

TEST_F(GitHubConversationTest, AnOlderStatusRetriedAfterANewerOneNeverOverwritesIt) {
  // A pending meets a 502 and waits for its retry; meanwhile the build fails. The failure goes
  // out, and the pending it replaced never does: the commit does not show "pending" for good.
  const std::string context = "calico-release-bot/master";
  const std::string key = "status:" + std::string(kRepo) + ":" + kHead + ":" + context + ":build-1:";
  store_->call([&](store::Database& db) {
    store::enqueue_outbox(db, github::status_message(kRepo, kHead, "pending", context, "running", "http://x", key + "pending"));
    // Another context on the same commit is not replaced by this build's statuses.
    store::enqueue_outbox(db, github::status_message(kRepo, kHead, "pending", "other/context", "x", "http://x",
                                                     "status:" + std::string(kRepo) + ":" + kHead + ":other/context:build-9:pending"));
  });
  github_.fail_next(1, 502);
  sender_->send_due();
  ASSERT_EQ(github_.statuses().size(), 1u) << "the other context's status went out; this one's pending met a 502";
  store_->call([&](store::Database& db) {
    store::enqueue_outbox(db, github::status_message(kRepo, kHead, "failure", context, "failed", "http://x", key + "failure"));
  });
  EXPECT_EQ(sender_->send_due(), 1u);
  const auto sent = github_.statuses();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent.back().state, "failure");
  EXPECT_EQ(outbox()[0].superseded_by, outbox()[2].id);
  EXPECT_FALSE(outbox()[1].superseded_by) << "another context";
  const auto ever = store_->call([](store::Database& db) { return store::due_outbox(db, "9999-12-31T00:00:00Z", 10); });
  EXPECT_TRUE(ever.empty()) << "the superseded pending is never due, however long one waits";
  // What the commit shows: the newest of each context.
  const auto shown = github_.latest_statuses(kRepo, kHead);
  ASSERT_EQ(shown.size(), 2u);
  EXPECT_EQ(shown.at(context).state, "failure");
  EXPECT_EQ(shown.at("other/context").state, "pending");
}

TEST_F(GitHubConversationTest, AStatusBeyondGitHubsLimitPerCommitAndContextIsGivenUpWithGitHubsReason) {
  github_.set_status_limit(2);
  const std::string context = "calico-release-bot/master";
  for (const char* state : {"pending", "success", "failure"}) {
    store_->call([&](store::Database& db) {
      store::enqueue_outbox(db, github::status_message(kRepo, kHead, state, context, state, "http://x",
                                                       "status:" + std::string(kRepo) + ":" + kHead + ":" + context + ":" + state));
    });
    sender_->send_due();  // one at a time: none supersedes another
  }
  EXPECT_EQ(github_.statuses().size(), 2u);
  EXPECT_EQ(github_.latest_statuses(kRepo, kHead).at(context).state, "success");
  const auto rows = outbox();
  ASSERT_EQ(rows.size(), 3u);
  ASSERT_TRUE(rows[2].abandoned_at);
  EXPECT_NE(rows[2].last_error.value_or("").find("reached the maximum number of statuses"), std::string::npos)
      << rows[2].last_error.value_or("");
}

TEST_F(GitHubConversationTest, ARateLimitPausesEveryWriteUntilGitHubAllowsThem) {
  store_->call([&](store::Database& db) {
    store::enqueue_outbox(db, github::status_message(kRepo, kHead, "pending", "c", "d", "http://x", "k1"));
    store::enqueue_outbox(db, github::status_message(kRepo, kHead, "success", "c", "d", "http://x", "k2"));
  });
  github_.secondary_limit(120);
  EXPECT_EQ(sender_->send_due(), 0u);
  EXPECT_EQ(github_.requests().size(), 1u);  // the second message was not tried into the limit
  EXPECT_NE(outbox()[0].last_error.value_or("").find("retry-after 120"), std::string::npos);
  EXPECT_EQ(sender_->send_due(), 0u);  // not due yet
  skew_ = 115s;  // (the sender's clock: no test waits two minutes)
  EXPECT_EQ(sender_->send_due(), 0u) << "still within GitHub's retry-after";
  EXPECT_EQ(github_.requests().size(), 1u);
  skew_ = 125s;
  EXPECT_EQ(sender_->send_due(), 2u);
  ASSERT_EQ(github_.statuses().size(), 2u);
  EXPECT_EQ(github_.statuses()[0].state, "pending");  // order kept

  // The primary limit: x-ratelimit-remaining 0, wait until x-ratelimit-reset (an hour from now).
  store_->call([&](store::Database& db) {
    store::enqueue_outbox(db, github::status_message(kRepo, kHead, "failure", "c", "d", "http://x", "k3"));
  });
  github_.primary_limit(1h);
  EXPECT_EQ(sender_->send_due(), 0u);
  EXPECT_NE(outbox()[2].last_error.value_or("").find("rate limit used up"), std::string::npos);
  const std::size_t asked = github_.requests().size();
  skew_ = 55min;
  EXPECT_EQ(sender_->send_due(), 0u) << "the limit has not reset";
  EXPECT_EQ(github_.requests().size(), asked);
  skew_ = 65min;
  EXPECT_EQ(sender_->send_due(), 1u) << "sent once the limit resets";
  EXPECT_EQ(github_.statuses().size(), 3u);
}

TEST_F(GitHubConversationTest, AWriteGitHubRefusesIsGivenUpWithItsReason) {
  store_->call([&](store::Database& db) {
    store::enqueue_outbox(db, github::status_message(kRepo, "not-a-sha", "success", "c", "d", "http://x", "k1"));
  });
  EXPECT_EQ(sender_->send_due(), 0u);
  const auto row = outbox()[0];
  EXPECT_TRUE(row.abandoned_at);
  EXPECT_NE(row.last_error.value_or("").find("HTTP 422"), std::string::npos);
  EXPECT_NE(row.last_error.value_or("").find("No commit found for SHA"), std::string::npos);
  EXPECT_EQ(sender_->send_due(), 0u);
  EXPECT_EQ(github_.requests().size(), 1u);
  // The operator sees it.
  const auto status = testkit::run_process({CALICO_BOT_BINARY, "status", "--config", (dir_path() / "bot.toml").string()}, dir_path());
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("GitHub outbox: 0 waiting to be sent\n  given up: k1  (HTTP 422: "), std::string::npos) << status.output;
}

TEST_F(GitHubConversationTest, NothingIsPostedTwiceAcrossARestart) {
  github_.set_permission(kRepo, "maintainer", "write");
  // A webhook redelivered: the same comment's command is recorded and run once.
  comment("maintainer", "/help", 777);
  comment("maintainer", "/help", 777);
  runner_->run_pending();
  EXPECT_EQ(outbox().size(), 2u);  // one reaction, one reply

  // The reply is posted, but the answer is lost (GitHub slower than our timeout).
  github_.delay_answers(1500ms);
  sender_->send_due();
  github_.delay_answers(0ms);
  // GitHub finishes the post it was given.
  ASSERT_TRUE(testkit::eventually([&] { return github_.comments().size() == 1; })) << github_.comments().size();
  const auto reply = outbox()[1];
  EXPECT_FALSE(reply.delivered_at);
  EXPECT_EQ(reply.attempts, 1);

  open(github_extra_);  // a restart
  sender_->send_due();
  EXPECT_EQ(github_.comments().size(), 1u) << all_bodies(github_.comments());
  EXPECT_EQ(count_requests(github_, "POST", "/issues/12/comments"), 1);
  for (const auto& row : outbox()) EXPECT_TRUE(row.delivered_at) << row.message.dedupe_key;
  EXPECT_EQ(github_.reactions().size(), 1u);

  // And after another restart nothing goes out at all.
  const std::size_t before = github_.requests().size();
  open(github_extra_);
  runner_->run_pending();
  sender_->send_due();
  EXPECT_EQ(github_.requests().size(), before);
}

TEST_F(GitHubConversationTest, ALookupFollowsCommentPagesToFindAPostedComment) {
  github_.set_comments_page_size(2);
  for (int i = 0; i < 5; ++i) github_.add_comment(kRepo, 12, "chatter " + std::to_string(i));
  const store::OutboxMessage message = github::comment_message(kRepo, 12, "summary", "comment:build-9:finished");
  // Someone quoting the (predictable) marker does not count; the bot's own comment does.
  github_.add_comment(kRepo, 12, "quoting: " + github::comment_marker("comment:build-9:finished"), "mallory");
  github_.add_comment(kRepo, 12, "summary\n\n" + github::comment_marker("comment:build-9:finished"),
                      "calico-release-bot-account");
  store_->call([&](store::Database& db) {
    store::enqueue_outbox(db, message);
    store::mark_outbox_attempt(db, 1);  // a send that may have arrived
  });
  EXPECT_EQ(sender_->send_due(), 1u);
  EXPECT_EQ(count_requests(github_, "GET", "/issues/12/comments"), 4);  // pages 1, 2, 3, 4
  EXPECT_EQ(count_requests(github_, "POST", "/issues/12/comments"), 0);
  EXPECT_EQ(writes_->connections_opened(), 1u);  // one kept-alive connection for them all
}

TEST_F(GitHubConversationTest, AMarkerQuotedBySomeoneElseDoesNotSuppressTheBotsComment) {
  github_.add_comment(kRepo, 12, "quoting: " + github::comment_marker("comment:build-9:finished"), "mallory");
  store_->call([&](store::Database& db) {
    store::enqueue_outbox(db, github::comment_message(kRepo, 12, "summary", "comment:build-9:finished"));
    store::mark_outbox_attempt(db, 1);  // a send that may have arrived
  });
  EXPECT_EQ(sender_->send_due(), 1u);
  EXPECT_EQ(count_requests(github_, "POST", "/issues/12/comments"), 1) << "the real comment is posted";
  ASSERT_EQ(github_.comments().size(), 2u);
  EXPECT_EQ(github_.comments()[1].author, "calico-release-bot-account");
}

TEST_F(GitHubConversationTest, AsAnAppOnlyCommentsThatAppWroteCount) {
  open_as_app();
  github_.add_comment(kRepo, 12, github::comment_marker("comment:build-9:finished"), "other-app[bot]", "999");
  github_.add_comment(kRepo, 12, github::comment_marker("comment:build-8:finished"), "calico-release-bot[bot]", "4242");
  store_->call([&](store::Database& db) {
    store::enqueue_outbox(db, github::comment_message(kRepo, 12, "nine", "comment:build-9:finished"));
    store::enqueue_outbox(db, github::comment_message(kRepo, 12, "eight", "comment:build-8:finished"));
    store::mark_outbox_attempt(db, 1);
    store::mark_outbox_attempt(db, 2);
  });
  EXPECT_EQ(sender_->send_due(), 2u);
  EXPECT_EQ(count_requests(github_, "POST", "/issues/12/comments"), 1) << "only build 9's comment was missing";
  EXPECT_EQ(github_.comments().back().body.rfind("nine", 0), 0u) << github_.comments().back().body;
}

TEST_F(GitHubConversationTest, AGitHubAppAuthenticatesWithAJwtAndCachesItsInstallationToken) {
  open_as_app();
  github_.set_permission(kRepo, "maintainer", "write");
  comment("maintainer", "/publish master");
  converse();
  EXPECT_EQ(pending().size(), 1u);
  EXPECT_EQ(github_.reactions().size(), 1u);
  // Reads and writes share one token, fetched once and reused for every later call.
  EXPECT_EQ(github_.installation_tokens_issued(), 1);
  comment("maintainer", "/status");
  converse();
  EXPECT_EQ(github_.installation_tokens_issued(), 1);

  // A token that expires within five minutes is renewed before use.
  github_.set_app("4242", "77", testkit::test_rsa_key().public_pem, 4min);
  open("app_id = \"4242\"\ninstallation_id = \"77\"\n");
  comment("maintainer", "/status");
  converse();
  const int issued = github_.installation_tokens_issued();
  comment("maintainer", "/status");
  converse();
  EXPECT_GT(github_.installation_tokens_issued(), issued);
}

TEST_F(GitHubConversationTest, AnAppWithAKeyGitHubRefusesDoesNotAskForATokenOnEveryCall) {
  open_as_app();
  // GitHub knows the App by another key (rotated, or the wrong App): every JWT is refused.
  github_.set_app("4242", "77", testkit::generate_rsa_key().public_pem);
  github_.set_permission(kRepo, "maintainer", "write");
  comment("maintainer", "/publish master");
  converse();
  converse();
  converse();
  EXPECT_TRUE(pending().empty());
  int token_requests = 0;
  for (const auto& request : github_.requests()) token_requests += request.path.ends_with("/access_tokens");
  EXPECT_EQ(token_requests, 1) << "the refusal stands for a while instead of a token request per call";
  const auto rows = outbox();
  ASSERT_FALSE(rows.empty());
  EXPECT_NE(rows[0].last_error.value_or("").find("not asked again until"), std::string::npos) << rows[0].last_error.value_or("");
  // The fake noted the refused JWT (as it notes every request GitHub would refuse): expected here.
  const auto problems = github_.take_problems();
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems[0].find("JWT that does not verify"), std::string::npos) << problems[0];
}

TEST_F(GitHubConversationTest, ASignedWebhookCommentRunsThroughTheService) {
  github_extra_ = "allowed_users = [\"release-captain\"]\n";
  open(github_extra_);
  store_.reset();  // the service owns the store now
  Service service(config_);
  service.start();
  std::string payload = testkit::payload("issue_comment_pr.json");
  const std::string from = "\"body\": \"Looks good — ship it 🚀\\n/publish calico-3.4\"";
  ASSERT_NE(payload.find(from), std::string::npos);
  payload.replace(payload.find(from), from.size(), "\"body\": \"/publish master\"");
  for (const std::string login : {"\"login\": \"maintainer\", \"id\": 3003"}) {
    payload.replace(payload.find(login), login.size(), "\"login\": \"release-captain\", \"id\": 3003");
  }
  github_.set_pull(kRepo, 1912, kHead);
  testkit::HttpClient client("127.0.0.1", service.port());
  const auto answer = client.request("POST", "/webhook", testkit::github_headers("issue_comment", "guid-1", testkit::kTestSecret, payload), payload);
  EXPECT_EQ(answer.status, 202);
  testkit::eventually([&] { return !github_.reactions().empty() && !github_.statuses().empty(); }, 20s);
  service.stop();
  ASSERT_EQ(github_.reactions().size(), 1u);
  EXPECT_EQ(github_.reactions()[0].comment_id, 455667788);
  ASSERT_EQ(github_.statuses().size(), 1u);
  EXPECT_EQ(github_.statuses()[0].context, "calico-release-bot/master");
  EXPECT_EQ(count_requests(github_, "GET", "/permission"), 0);  // allow-listed: GitHub not asked
  store::Store reopened(config_.store);
  const auto requests = reopened.call([](store::Database& db) { return store::build_requests(db, store::RequestState::pending); });
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].request.requested_by, "release-captain");
}

TEST_F(GitHubConversationTest, ReadsAndWritesShareOnePause) {
  auto governor = std::make_shared<github::Governor>("token", std::nullopt, nullptr);
  reads_->set_governor(governor);
  writes_->set_governor(governor);
  github_.set_permission(kRepo, "maintainer", "write");
  comment("maintainer", "/publish master");
  // The eyes reaction (a write) meets a secondary limit that does not say how long.
  github_.secondary_limit(std::nullopt);
  EXPECT_EQ(sender_->send_due(), 0u);
  ASSERT_EQ(github_.requests().size(), 1u);
  ASSERT_TRUE(governor->paused());
  EXPECT_GE(governor->paused()->until, util::system_now() + 55s);
  // The permission read waits too, without a request, and the command is not given up.
  EXPECT_EQ(runner_->run_pending(), 0u);
  EXPECT_EQ(github_.requests().size(), 1u);
  const auto command = store_->call([](store::Database& db) { return store::find_command(db, 1); });
  EXPECT_EQ(command->state, store::CommandState::pending);
}

TEST_F(GitHubConversationTest, TheServiceKeepsAPauseAcrossARestart) {
  github_extra_ = "recovery_interval_seconds = 0\nbot_login = \"calico-release-bot-account\"\n";
  open(github_extra_);
  github_.set_permission(kRepo, "maintainer", "write");
  comment("maintainer", "/publish master");  // a command and its eyes reaction wait in the store
  // The pause a previous run kept (GitHub's limit met a minute ago, lasting another minute).
  store_->call([](store::Database& db) {
    store::save_github_pause(db, "token", {util::iso8601(util::system_now() + 60s), "secondary rate limit (HTTP 403)", 1});
  });
  store_.reset();  // the service owns the store now
  Service service(config_);
  service.start();
  // The sender meets the restored pause without asking GitHub anything.
  EXPECT_TRUE(testkit::eventually([&] {
    store::sqlite::Connection db(dir_path() / "state.sqlite");
    store::Statement q = db.prepare("SELECT count(*) FROM outbox WHERE kind = 'reaction' AND last_error LIKE '%no request until%'");
    q.step();
    return q.column_int(0) == 1;
  }, 20s));
  service.stop();
  EXPECT_TRUE(github_.requests().empty());
  store::Store reopened(config_.store);
  const auto command = reopened.call([](store::Database& db) { return store::find_command(db, 1); });
  EXPECT_EQ(command->state, store::CommandState::pending);
}
