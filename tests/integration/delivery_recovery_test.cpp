// Missed-delivery recovery against the real binary and a GitHub fake whose hooks deliver, keep
// their delivery lists and redeliver on request: the service is killed, maintainers comment
// while it is down (the fake records failed deliveries), and after a restart each command runs
// exactly once — through redelivery where the hook can be read, and by re-reading comments where
// it cannot.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <csignal>

#include "bot/github/client.hpp"
#include "bot/recovery/recovery.hpp"
#include "bot/store/sqlite/connection.hpp"
#include "bot/store/database.hpp"
#include "bot/store/recovery.hpp"
#include "config/loader.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fake_github.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/suites.hpp"

using namespace calico;
using namespace std::chrono_literals;

namespace {

constexpr const char* kRepo = "projectcalico/felix";
const std::string kHead(40, 'e');

std::uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::address_v4::loopback(), 0});
  return acceptor.local_endpoint().port();
}

int occurrences(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

class DeliveryRecoveryTest : public testkit::SuiteWithFixtures {
 protected:
  void SetUp() override {
    port_ = free_port();
    github_.accept_token("test-token");
    github_.set_pull(kRepo, 12, kHead);
    github_.set_permission(kRepo, "maintainer", "write");
    github_.set_permission("projectcalico/networking-calico", "maintainer", "write");  // releases publish from it too
    hook_ = github_.add_hook(kRepo, "http://127.0.0.1:" + std::to_string(port_) + "/webhook", testkit::kTestSecret);
    testkit::write_file(dir() / "webhook-secret", testkit::kTestSecret);
    testkit::write_file(dir() / "github-token", "test-token\n");
    testkit::write_file(dir() / "bot.toml",
                        "[server]\nport = " + std::to_string(port_) + "\npublic_url = \"http://127.0.0.1:" +
                            std::to_string(port_) + "\"\nshutdown_grace_seconds = 2\n[log]\nlevel = \"info\"\n"
                            "[store]\npath = \"state.sqlite\"\n[dispatch]\nenabled = false\n"
                            "[secrets]\nwebhook_secret = { file = \"webhook-secret\" }\ngithub_token = { file = \"github-token\" }\n"
                            "[github]\napi_root = \"" + github_.api_root() +
                            "\"\nwrite_interval_ms = 0\nretry_first_seconds = 0\ntimeout_seconds = 2\nrecovery_interval_seconds = 1\n" +
                            testkit::fixture_repositories_toml(*fixtures_) + testkit::kDefaultPlatformsBuiltOnHost);
  }

  void TearDown() override {
    if (bot_) {
      bot_->signal(SIGTERM);
      bot_->wait(20s);
    }
    EXPECT_TRUE(github_.problems().empty()) << github_.problems().front();
  }

  const std::filesystem::path& dir() const { return scratch_.path(); }
  std::filesystem::path log_of(int generation) const { return dir() / ("bot-" + std::to_string(generation) + ".log"); }

  void start(int generation) {
    bot_ = std::make_unique<testkit::ChildProcess>(
        std::vector<std::string>{CALICO_BOT_BINARY, "serve", "--config", (dir() / "bot.toml").string()}, log_of(generation));
    testkit::wait_for_text(log_of(generation), "event=service.started", 20s);
  }

  void kill() {
    bot_->signal(SIGKILL);
    ASSERT_EQ(bot_->wait(10s), 128 + SIGKILL);
    bot_.reset();
  }

  std::int64_t count(const std::string& sql) {
    store::sqlite::Connection db(dir() / "state.sqlite");
    store::Statement query = db.prepare(sql);
    query.step();
    return query.column_int(0);
  }

  bool command_done(std::int64_t comment_id) {
    return count("SELECT count(*) FROM commands WHERE comment_id = " + std::to_string(comment_id) + " AND state = 'done'") > 0;
  }

  int failed_deliveries() {
    int failed = 0;
    for (const auto& d : github_.hook_deliveries()) failed += d.status_code == 0;
    return failed;
  }

  int redelivery_requests() {
    int n = 0;
    for (const auto& r : github_.requests()) n += r.method == "POST" && r.path.ends_with("/attempts");
    return n;
  }

  // Comments while the bot is down: GitHub's attempts find nothing listening.
  std::pair<std::int64_t, std::int64_t> comment_while_down() {
    const int failed_before = failed_deliveries();
    const std::int64_t release = github_.post_comment(kRepo, 12, "Ready.\n/publish calico-3.4 platforms=xenial", "maintainer");
    const std::int64_t nightly = github_.post_comment(kRepo, 12, "/publish master", "maintainer");
    EXPECT_TRUE(testkit::eventually([&] { return failed_deliveries() == failed_before + 2; }));
    return {release, nightly};
  }

  // A comment the running bot receives, so that it knows the hook and the store is in use.
  void comment_while_up() {
    const std::int64_t status = github_.post_comment(kRepo, 12, "/status", "maintainer");
    ASSERT_TRUE(testkit::eventually([&] { return command_done(status); }, 20s));
    // The comment and the bot's reply (GitHub delivers the bot's own comments too) both arrived.
    ASSERT_TRUE(testkit::eventually([&] {
      const auto deliveries = github_.hook_deliveries();
      return deliveries.size() == 2 && deliveries[0].status_code == 202 && deliveries[1].status_code == 202;
    }, 20s));
  }

  // Each command of the two comments ran once: one command row each, done, and one build
  // request per target.
  void expect_each_ran_once(std::int64_t release, std::int64_t nightly) {
    ASSERT_TRUE(testkit::eventually([&] { return command_done(release) && command_done(nightly); }, 60s))
        << testkit::read_file(log_of(2));
    EXPECT_EQ(count("SELECT count(*) FROM commands WHERE comment_id = " + std::to_string(release)), 1);
    EXPECT_EQ(count("SELECT count(*) FROM commands WHERE comment_id = " + std::to_string(nightly)), 1);
    EXPECT_EQ(count("SELECT count(*) FROM build_requests WHERE target_repo = 'calico-3.4'"), 1);
    EXPECT_EQ(count("SELECT count(*) FROM build_requests WHERE target_repo = 'master'"), 1);
    EXPECT_EQ(count("SELECT count(*) FROM build_requests"), 2);
  }

  // The scenario: the bot runs and hears a comment, is killed, two /publish comments are made
  // while it is down, and it is started again: each command then runs exactly once.
  void miss_two_commands_and_restart() {
    start(1);
    comment_while_up();
    // Its first recovery pass has set where a later re-reading of comments starts.
    ASSERT_TRUE(testkit::eventually([&] { return occurrences(testkit::read_file(log_of(1)), "event=recovery.pass") >= 1; }, 20s));
    kill();
    const auto [release, nightly] = comment_while_down();
    start(2);
    expect_each_ran_once(release, nightly);
  }

  // Waits for `passes` more recovery passes of generation 2 than it has made so far.
  void wait_for_passes(int passes) {
    const int before = occurrences(testkit::read_file(log_of(2)), "event=recovery.pass");
    ASSERT_TRUE(testkit::eventually([&] { return occurrences(testkit::read_file(log_of(2)), "event=recovery.pass") >= before + passes; }, 20s));
  }

  testkit::ScratchDir scratch_;
  testkit::FakeGitHub github_;
  std::uint16_t port_ = 0;
  std::int64_t hook_ = 0;
  std::unique_ptr<testkit::ChildProcess> bot_;
};

TEST_F(DeliveryRecoveryTest, CommandsSentWhileTheBotWasDownAreRedeliveredAndRunOnce) {
  miss_two_commands_and_restart();
  // Both were asked for again once, through the hook the bot learnt from X-GitHub-Hook-ID, and
  // arrived as redeliveries with their own GUIDs.
  EXPECT_EQ(redelivery_requests(), 2);
  int redelivered = 0;
  for (const auto& d : github_.hook_deliveries()) redelivered += d.redelivery && d.status_code == 202;
  EXPECT_EQ(redelivered, 2);
  EXPECT_EQ(count("SELECT count(*) FROM recovered WHERE kind = 'redelivery' AND source = 'hook " + std::to_string(hook_) + "'"), 2);
  // Later passes find nothing more to ask for.
  wait_for_passes(2);
  EXPECT_EQ(redelivery_requests(), 2);
  EXPECT_EQ(count("SELECT count(*) FROM build_requests"), 2);

  // /healthz says what was recovered.
  const testkit::HttpResult health = testkit::HttpClient("127.0.0.1", port_).request("GET", "/healthz", {});
  ASSERT_EQ(health.status, 200);
  const auto body = boost::json::parse(health.body).as_object();
  EXPECT_EQ(body.at("status").as_string(), "ok");
  const auto& recovery = body.at("recovery").as_object();
  EXPECT_EQ(recovery.at("redeliveries_requested").as_int64(), 2);
  EXPECT_EQ(recovery.at("redeliveries_received").as_int64(), 2);
  EXPECT_EQ(recovery.at("comments_recovered").as_int64(), 0);

  // So do `status` and the status page.
  const testkit::RunResult status =
      testkit::run_process({CALICO_BOT_BINARY, "status", "--config", (dir() / "bot.toml").string()}, dir());
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("Missed deliveries: 2 asked of GitHub again (2 received), 0 comments found by re-reading"),
            std::string::npos) << status.output;
  EXPECT_NE(status.output.find("hook " + std::to_string(hook_) + "  redeliver  last pass "), std::string::npos) << status.output;
  const testkit::HttpResult page = testkit::HttpClient("127.0.0.1", port_).request("GET", "/", {});
  EXPECT_NE(page.body.find("<p id=\"recovery\">2 asked of GitHub again (2 received), 0 comments found by re-reading"),
            std::string::npos) << page.body;
}

TEST_F(DeliveryRecoveryTest, WhereHooksCannotBeReadTheCommentsAreReadAgainAndRunOnce) {
  github_.deny_hook_reads();  // a token without admin:repo_hook
  miss_two_commands_and_restart();
  EXPECT_EQ(redelivery_requests(), 0);
  EXPECT_EQ(count("SELECT count(*) FROM recovered WHERE kind = 'comment'"), 2);
  // The /status comment the bot had received is not taken again; later passes add nothing.
  wait_for_passes(2);
  EXPECT_EQ(count("SELECT count(*) FROM recovered"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM commands"), 3);
  const auto body = boost::json::parse(testkit::HttpClient("127.0.0.1", port_).request("GET", "/healthz", {}).body).as_object();
  EXPECT_EQ(body.at("recovery").at("comments_recovered").as_int64(), 2);
  bool rescan = false;
  for (const auto& source : body.at("recovery").at("sources").as_array()) {
    rescan |= source.at("source").as_string() == std::string("comments ") + kRepo && source.at("method").as_string() == "rescan";
  }
  EXPECT_TRUE(rescan) << boost::json::serialize(body);
}

// As a GitHub App the deliveries are the App's own webhook's, read with its JWT; a delivery that
// keeps failing is asked for again only after a wait, and at most three times.
TEST(DeliveryRecoveryApp, TheAppsWebhookIsReadWithItsJwtAndAFailingDeliveryIsAskedForThreeTimesAtMost) {
  testkit::ScratchDir dir;
  testkit::FakeGitHub github;
  const testkit::RsaKeyPair& key = testkit::test_rsa_key();
  github.set_app("4242", "77", key.public_pem);
  github.set_pull(kRepo, 12, kHead);
  // Nothing listens there: every attempt fails to connect.
  github.add_hook("", "http://127.0.0.1:" + std::to_string(free_port()) + "/webhook", testkit::kTestSecret);
  github.post_comment(kRepo, 12, "/publish master", "maintainer");
  ASSERT_TRUE(testkit::eventually([&] { return github.hook_deliveries().size() == 1; }));

  testkit::write_file(dir.path() / "app.pem", key.private_pem);
  testkit::write_file(dir.path() / "secret", testkit::kTestSecret);
  testkit::write_file(dir.path() / "bot.toml",
                      "[server]\npublic_url = \"http://bot.example\"\n[store]\npath = \"state.sqlite\"\n"
                      "[secrets]\nwebhook_secret = { file = \"secret\" }\ngithub_app_private_key = { file = \"app.pem\" }\n"
                      "[github]\napi_root = \"" + github.api_root() + "\"\napp_id = \"4242\"\ninstallation_id = \"77\"\n"
                      "[[repositories]]\nname = \"felix\"\ngithub = \"" + kRepo + "\"\nurl = \"repos/felix\"\n");
  const config::Config config = config::load_config(dir.path() / "bot.toml");
  store::Store store(config.store);
  http::Client token_http(github::client_settings(config.github, 1));
  auto reads = github::make_client(config.github, github::make_credentials(config, token_http), 1);
  auto app = github::make_client(config.github, github::make_app_jwt_credentials(config), 1);
  auto now = std::chrono::sys_seconds(std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
  recovery::DeliveryRecovery recovery(store, config, reads.get(), app.get(), [&] { return now; });

  auto asked = [&] {
    int n = 0;
    for (const auto& r : github.requests()) n += r.method == "POST" && r.path.starts_with("/app/hook/deliveries/") && r.path.ends_with("/attempts");
    return n;
  };
  EXPECT_EQ(recovery.recover().redeliveries, 1);
  EXPECT_EQ(asked(), 1);
  ASSERT_TRUE(testkit::eventually([&] { return github.hook_deliveries().size() == 2; }));  // the redelivery failed too
  EXPECT_TRUE(github.hook_deliveries()[1].redelivery);
  EXPECT_EQ(recovery.recover().redeliveries, 0);  // on its way: not asked again at once
  for (int round = 0; round < 4; ++round) {
    now += std::chrono::minutes(3);
    recovery.recover();
    testkit::eventually([&] { return static_cast<int>(github.hook_deliveries().size()) == asked() + 1; });
  }
  EXPECT_EQ(asked(), 3);
  const auto summary = store.call([](store::Database& db) { return store::recovery_summary(db); });
  EXPECT_EQ(summary.redeliveries, 1);
  EXPECT_EQ(summary.redelivered, 0);
  ASSERT_EQ(summary.sources.size(), 1u);
  EXPECT_EQ(summary.sources[0].source, "app");
  EXPECT_FALSE(summary.sources[0].last_error);
  EXPECT_TRUE(github.problems().empty()) << github.problems().front();
}
