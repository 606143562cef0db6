// The dispatcher: queue order and limits, the nightly rule, a whole build recorded job by job,
// and (against the real binary) a SIGKILL mid-build resumed with no job done twice.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <regex>
#include <thread>

#include <boost/json/parse.hpp>

#include "bot/builds/dispatcher.hpp"
#include "bot/github/messages.hpp"
#include "bot/github/reporter.hpp"
#include "bot/launchpad/publication.hpp"
#include "bot/store/sqlite/connection.hpp"
#include "bot/store/outbox.hpp"
#include "bot/store/build_queue.hpp"
#include "bot/store/builds.hpp"
#include "bot/store/reporting.hpp"
#include "config/loader.hpp"
#include "bot/launchpad/watcher.hpp"
#include "bot/store/lp_watches.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/calico_fixtures.hpp"
#include "tests/support/fake_kubernetes.hpp"
#include "tests/support/fake_launchpad.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/gpg_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"
#include "tests/support/suites.hpp"

using namespace calico;
using namespace std::chrono;
namespace json = boost::json;

namespace {
handlers::BuildRequest request(handlers::BuildRequest::Kind kind, const std::string& target, const std::string& version) {
  handlers::BuildRequest r;
  r.kind = kind;
  r.target_repo = target;
  r.version = version;
  r.trigger = "test";
  return r;
}

void queue(store::Store& store, handlers::BuildRequest::Kind kind, const std::string& target, const std::string& version) {
  store.call([&](store::Database& db) { store::enqueue_build_request(db, request(kind, target, version), std::nullopt); });
}
}  // namespace

class DispatcherTest : public testkit::SuiteWithFixtures {
 protected:
  static void SetUpTestSuite() {
    SuiteWithFixtures::SetUpTestSuite();
    key_ = new testkit::GpgFixture(testkit::make_gpg_key(dir_->path() / "key"));
  }
  static void TearDownTestSuite() {
    testkit::remove_gpg_home(key_->verify_home);
    delete key_;
    SuiteWithFixtures::TearDownTestSuite();
  }

  // A configuration for a bot that builds the fixtures and publishes locally (on the default
  // platforms, centos7's RPMs built on this host, unless `tail` gives its own).
  std::string config_text(const std::string& extra = "", const std::string& tail = "") {
    return "[server]\nport = 0\n[log]\nlevel = \"warn\"\n[store]\npath = \"state.sqlite\"\n"
           "[secrets]\nwebhook_secret = { file = \"webhook-secret\" }\ngpg_secret_key = { file = \"" +
           key_->secret_key.string() + "\" }\n[dispatch]\nnightly = false\n" + extra +
           "[publish]\nparallel_jobs = 1\nwork_dir = \"work\"\nmirror_dir = \"" + (dir_->path() / "mirrors").string() +
           "\"\ndput_method = \"local\"\ndput_incoming = \"ppa/{owner}/{repo}\"\nrpm_root = \"rpm-host\"\n" +
           testkit::fixture_repositories_toml(*fixtures_) + tail +
           (tail.find("[[publish.platforms]]") == std::string::npos ? testkit::kDefaultPlatformsBuiltOnHost : "");
  }

  config::Config load(const std::filesystem::path& dir, const std::string& extra = "", const std::string& tail = "") {
    testkit::write_file(dir / "webhook-secret", testkit::kTestSecret);
    testkit::write_file(dir / "bot.toml", config_text(extra, tail));
    return config::load_config(dir / "bot.toml");
  }

  // `serve` on dir/bot.toml, its log to `log`, once it has started.
  static std::unique_ptr<testkit::ChildProcess> start_serving(const std::filesystem::path& dir, const std::filesystem::path& log) {
    auto bot = std::make_unique<testkit::ChildProcess>(
        std::vector<std::string>{CALICO_BOT_BINARY, "serve", "--log-level", "info", "--config", (dir / "bot.toml").string()}, log);
    testkit::wait_for_text(log, "event=service.started", seconds(20));
    return bot;
  }

  // The single integer `sql` selects from the store `config` names.
  static std::int64_t count_rows(const config::Config& config, const std::string& sql) {
    store::sqlite::Connection db(config.store.path);
    store::Statement s = db.prepare(sql);
    s.step();
    return s.column_int(0);
  }

  static testkit::GpgFixture* key_;
};

testkit::GpgFixture* DispatcherTest::key_ = nullptr;

TEST_F(DispatcherTest, ReleasesFirstOneBuildPerTargetAndAGlobalLimit) {
  testkit::ScratchDir dir;
  config::StoreConfig store_config;
  store_config.path = dir.path() / "state.sqlite";
  store::Store store(store_config);
  store.call([](store::Database& db) {
    store::enqueue_build_request(db, request(handlers::BuildRequest::Kind::nightly, "master", "master"), std::nullopt);
    store::enqueue_build_request(db, request(handlers::BuildRequest::Kind::release, "calico-3.4", "v3.4.1"), std::nullopt);
    store::enqueue_build_request(db, request(handlers::BuildRequest::Kind::release, "calico-3.4", "v3.4.2"), std::nullopt);
  });
  auto claim = [&](int limit) {
    return store.call([&](store::Database& db) { return store::claim_next_request(db, limit, "/w"); });
  };
  const auto first = claim(3);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->version, "v3.4.1") << "releases go before nightlies";
  EXPECT_EQ(first->run_dir, "/w/build-" + std::to_string(first->id));
  const auto second = claim(3);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->target_repo, "master") << "calico-3.4 already has a build running";
  EXPECT_FALSE(claim(3)) << "v3.4.2 waits for v3.4.1";
  store.call([&](store::Database& db) { store::finish_build(db, first->id, handlers::BuildState::succeeded, ""); });
  EXPECT_FALSE(claim(1)) << "the global limit of one is taken by master";
  const auto third = claim(2);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->version, "v3.4.2");
}

TEST_F(DispatcherTest, NightlyBuildsMasterOnlyWhenItChanged) {
  testkit::ScratchDir dir;
  config::Config config = load(dir.path(), "nightly_utc = \"02:00\"\n");
  config.dispatch.nightly = true;
  store::Store store(config.store);
  builds::Dispatcher dispatcher(store, config);
  const sys_seconds day1 = sys_days{year{2026} / 11 / 26};
  EXPECT_FALSE(dispatcher.nightly_tick(day1 + hours(3))) << "nothing changed";
  store.call([](store::Database& db) {
    store::mark_master_changed(db, {"projectcalico/felix", "master", "abc"}, std::nullopt);
  });
  const sys_seconds day2 = day1 + days(1);
  EXPECT_FALSE(dispatcher.nightly_tick(day2 + hours(1) + minutes(59))) << "before 02:00";
  EXPECT_TRUE(dispatcher.nightly_tick(day2 + hours(2)));
  EXPECT_FALSE(dispatcher.nightly_tick(day2 + hours(5))) << "once a day";
  // The nightly build runs and succeeds; the next night, with no new change, builds nothing.
  store.call([](store::Database& db) {
    const auto build = store::claim_next_request(db, 1, "/w");
    store::finish_build(db, build->id, handlers::BuildState::succeeded, "");
  });
  EXPECT_FALSE(dispatcher.nightly_tick(day2 + days(1) + hours(2)));
}

TEST_F(DispatcherTest, RunsAQueuedReleaseRecordingEveryJob) {
  testkit::ScratchDir dir;
  const config::Config config = load(dir.path());
  store::Store store(config.store);
  queue(store, handlers::BuildRequest::Kind::release, "calico-3.4", "v3.4.1");
  builds::Dispatcher dispatcher(store, config);
  ASSERT_TRUE(dispatcher.run_next());
  const auto builds = store.call([](store::Database& db) { return store::recent_builds(db, 10); });
  ASSERT_EQ(builds.size(), 1u);
  EXPECT_EQ(builds[0].state, handlers::BuildState::succeeded) << builds[0].detail;
  const auto steps = store.call([&](store::Database& db) { return store::build_jobs(db, builds[0].id); });
  EXPECT_EQ(steps.size(), 24u);
  for (const auto& step : steps) EXPECT_EQ(step.state, builders::pipeline::JobState::succeeded) << step.job << ": " << step.detail;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "ppa" / "project-calico" / "calico-3.4" / "felix_3.4.1-xenial_source.changes"));
  EXPECT_FALSE(dispatcher.run_next()) << "nothing left";
  // The commits it built are remembered for their commit statuses: the tagged ones.
  const auto sources = store.call([&](store::Database& db) { return store::build_sources(db, builds[0].id); });
  EXPECT_NE(std::find(sources.begin(), sources.end(), std::pair<std::string, std::string>(
                                                          "projectcalico/felix", fixtures_->commits.at("felix@v3.4.1"))),
            sources.end());
  EXPECT_NE(std::find(sources.begin(), sources.end(),
                      std::pair<std::string, std::string>("projectcalico/networking-calico",
                                                          fixtures_->commits.at("networking-calico@v3.4.1"))),
            sources.end());

  const auto status = testkit::run_process({CALICO_BOT_BINARY, "status", "--config", (dir.path() / "bot.toml").string()}, dir.path());
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("Queue: 0 pending\nRunning: 0\nRecent builds:\n  build 1  calico-3.4 v3.4.1  succeeded"),
            std::string::npos)
      << status.output;
  const auto one = testkit::run_process({CALICO_BOT_BINARY, "status", "--config", (dir.path() / "bot.toml").string(), "--build", "1"},
                                        dir.path());
  EXPECT_EQ(one.exit_code, 0);
  EXPECT_NE(one.output.find("(release, started "), std::string::npos) << one.output;
  EXPECT_NE(one.output.find("24 of 24 jobs done"), std::string::npos) << one.output;
  // A release asks the promotion source (testing, by default) first; this configuration has no
  // Launchpad token, so the job is built and says why it was not copied.
  EXPECT_NE(one.output.find("    felix/xenial  succeeded  built from source, not promoted (no Launchpad OAuth token to copy "
                            "with (secrets.launchpad_consumer_key, launchpad_token, launchpad_token_secret)): felix "
                            "3.4.1-xenial source package\n      log: "),
            std::string::npos)
      << one.output;
}

TEST_F(DispatcherTest, SigkillMidBuildThenRestartFinishesWithNoJobDoneTwice) {
  testkit::ScratchDir dir;
  const config::Config config = load(dir.path());
  const auto log = dir.path() / "bot.log";
  auto start = [&] { return start_serving(dir.path(), log); };
  auto count = [&](const std::string& sql) { return count_rows(config, sql); };
  {
    auto bot = start();
    std::smatch match;
    const std::string text = testkit::read_file(log);
    ASSERT_TRUE(std::regex_search(text, match, std::regex("event=service.started .*port=([0-9]+)")));
    testkit::HttpClient client("127.0.0.1", static_cast<std::uint16_t>(std::stoi(match[1])));
    const std::string body = testkit::payload("push_tag.json");
    ASSERT_EQ(client.request("POST", "/webhook", testkit::github_headers("push", "resume-1", testkit::kTestSecret, body), body).status, 202);
    // Kill it once a few jobs are done and the rest are not.
    testkit::eventually([&] { return count("SELECT count(*) FROM build_jobs WHERE state = 'succeeded'") >= 6; }, seconds(30));
    bot->signal(SIGKILL);
    bot->wait(seconds(10));
  }
  const auto done_before = count("SELECT count(*) FROM build_jobs WHERE state = 'succeeded'");
  ASSERT_GE(done_before, 6);
  ASSERT_LT(done_before, 24) << "the build finished before the kill: nothing to resume";
  EXPECT_EQ(count("SELECT count(*) FROM builds WHERE state = 'running'"), 1);

  auto bot = start();
  testkit::eventually([&] { return count("SELECT count(*) FROM builds WHERE state = 'running'") == 0; }, seconds(120));
  EXPECT_EQ(count("SELECT count(*) FROM builds"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM builds WHERE state = 'succeeded'"), 1) << testkit::read_file(log);
  EXPECT_EQ(count("SELECT count(*) FROM build_jobs WHERE state = 'succeeded'"), 24);
  EXPECT_NE(testkit::read_file(log).find("event=dispatch.resume"), std::string::npos);
  // Every build job's log shows its build command exactly once: nothing was built twice.
  const auto logs = dir.path() / "work";
  int build_logs = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(logs)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().parent_path().filename() != "logs" || name.rfind("felix-", 0) != 0) continue;
    const std::string text = testkit::read_text(entry.path());
    std::size_t runs = 0;
    for (std::size_t at = text.find("$ dpkg-buildpackage"); at != std::string::npos; at = text.find("$ dpkg-buildpackage", at + 1)) ++runs;
    for (std::size_t at = text.find("$ rpmbuild"); at != std::string::npos; at = text.find("$ rpmbuild", at + 1)) ++runs;
    EXPECT_EQ(runs, 1u) << entry.path();
    ++build_logs;
  }
  EXPECT_EQ(build_logs, 5) << "felix on trusty, xenial, bionic, focal and centos7";
  bot->signal(SIGTERM);
  bot->wait(seconds(20));
}

TEST_F(DispatcherTest, OnKubernetesABotKilledMidBuildRemovesItsLeftoverJobsWhenItResumesAndLeavesNone) {
  testkit::ScratchDir dir;
  testkit::FakeKubernetes cluster;
  cluster.write_kubeconfig(dir.path() / "kubeconfig", "calico-builds");
  // The default platforms, rpmbuild not checking BuildRequires (the fake's "image" is this host).
  const std::string platforms = testkit::host_image_platforms_toml() +
                                "[publish.kubernetes]\nkubeconfig = \"kubeconfig\"\nrun_as_user = 1000\nrun_as_group = 1000\n";
  testkit::write_file(dir.path() / "webhook-secret", testkit::kTestSecret);
  std::string text = config_text("", platforms);
  text.replace(text.find("[publish]\n"), 10, "[publish]\nexecutor = \"kubernetes\"\n");
  testkit::write_file(dir.path() / "bot.toml", text);
  const config::Config config = config::load_config(dir.path() / "bot.toml");
  const auto log = dir.path() / "bot.log";
  auto start = [&] { return start_serving(dir.path(), log); };
  auto count = [&](const std::string& sql) { return count_rows(config, sql); };
  std::vector<std::string> left_at_kill;
  {
    auto bot = start();
    std::smatch match;
    const std::string started = testkit::read_file(log);
    ASSERT_TRUE(std::regex_search(started, match, std::regex("event=service.started .*port=([0-9]+)")));
    testkit::HttpClient client("127.0.0.1", static_cast<std::uint16_t>(std::stoi(match[1])));
    const std::string body = testkit::payload("push_tag.json");
    ASSERT_EQ(client.request("POST", "/webhook", testkit::github_headers("push", "k8s-1", testkit::kTestSecret, body), body).status, 202);
    // Killed while a job's Pod runs, with some jobs done and others not.
    ASSERT_TRUE(testkit::eventually(
        [&] { return count("SELECT count(*) FROM build_jobs WHERE state = 'succeeded'") >= 4 && cluster.running_containers() >= 1; },
        seconds(60)));
    bot->signal(SIGKILL);
    bot->wait(seconds(10));
    left_at_kill = cluster.job_names();
  }
  ASSERT_FALSE(left_at_kill.empty()) << "the killed bot's Job is still there, its Pod running";
  ASSERT_LT(count("SELECT count(*) FROM build_jobs WHERE state = 'succeeded'"), 24) << "nothing to resume";

  auto bot = start();
  ASSERT_TRUE(testkit::eventually([&] { return count("SELECT count(*) FROM builds WHERE state = 'running'") == 0; }, seconds(180)));
  EXPECT_EQ(count("SELECT count(*) FROM builds WHERE state = 'succeeded'"), 1) << testkit::read_file(log);
  EXPECT_NE(testkit::read_file(log).find("event=dispatch.leftovers_removed"), std::string::npos) << testkit::read_file(log);
  for (const std::string& name : left_at_kill) {
    const auto now = cluster.job_names();
    EXPECT_EQ(std::find(now.begin(), now.end(), name), now.end()) << name << " was left behind";
  }
  EXPECT_TRUE(cluster.job_names().empty());
  EXPECT_EQ(cluster.pod_count(), 0u);
  EXPECT_EQ(cluster.running_containers(), 0u);
  bot->signal(SIGTERM);
  bot->wait(seconds(20));
}

TEST_F(DispatcherTest, AReleaseWaitsForEveryComponentToCarryItsTag) {
  testkit::ScratchDir dir;
  const config::Config config = load(dir.path(), "tag_wait_minutes = 60\ntag_check_seconds = 1\n");
  store::Store store(config.store);
  queue(store, handlers::BuildRequest::Kind::release, "calico-3.9", "v3.9.0");
  sys_seconds now = time_point_cast<seconds>(system_clock::now());
  builds::Dispatcher dispatcher(store, config, [&] { return now; });
  auto pending = [&] { return store.call([](store::Database& db) { return store::build_requests(db, store::RequestState::pending); }).size(); };
  EXPECT_TRUE(dispatcher.run_next());  // taken, then put back: neither component has v3.9.0
  EXPECT_EQ(pending(), 1u);
  EXPECT_TRUE(store.call([](store::Database& db) { return store::recent_builds(db, 5); }).empty());
  EXPECT_FALSE(dispatcher.run_next()) << "not looked at again before tag_check_seconds";

  // Felix gets the tag; networking-calico still lacks it.
  ASSERT_EQ(testkit::run_process({"/usr/bin/git", "-C", fixtures_->repos.at("felix").string(), "tag", "v3.9.0"}, dir.path()).exit_code, 0);
  now += seconds(2);
  EXPECT_TRUE(dispatcher.run_next());
  EXPECT_EQ(pending(), 1u);

  // With no wait left, it fails naming what is missing.
  const config::Config impatient = load(dir.path(), "tag_wait_minutes = 0\n");
  builds::Dispatcher later(store, impatient, [&] { return now + seconds(2); });
  EXPECT_TRUE(later.run_next());
  const auto builds = store.call([](store::Database& db) { return store::recent_builds(db, 5); });
  ASSERT_EQ(builds.size(), 1u);
  EXPECT_EQ(builds[0].state, handlers::BuildState::failed);
  EXPECT_EQ(builds[0].detail, "v3.9.0 is still missing on networking-calico after 0 minutes");
  EXPECT_EQ(pending(), 0u);
}

TEST_F(DispatcherTest, ABuildIsPublishedOnlyWhenLaunchpadHasPublishedEveryUpload) {
  testkit::ScratchDir dir;
  testkit::FakeLaunchpad launchpad;
  const config::Config config = load(dir.path());
  config::Config with_launchpad = config;
  with_launchpad.launchpad.api_root = launchpad.api_root();
  with_launchpad.launchpad.min_interval = milliseconds(0);
  store::Store store(config.store);
  queue(store, handlers::BuildRequest::Kind::release, "calico-3.4", "v3.4.1");
  builds::Dispatcher dispatcher(store, with_launchpad);
  ASSERT_TRUE(dispatcher.run_next());
  const auto build = store.call([](store::Database& db) { return store::recent_builds(db, 1); }).at(0);
  ASSERT_EQ(build.state, handlers::BuildState::succeeded) << build.detail;
  auto watches = store.call([&](store::Database& db) { return store::lp_watches_of_build(db, build.id); });
  ASSERT_EQ(watches.size(), 11u);  // felix and networking-calico × 4 series, dnsmasq × 2, nettle × 1
  EXPECT_EQ(launchpad::build_publication(watches).state, launchpad::PublicationState::waiting);
  for (const auto& watch : watches) {
    // Each upload is attributed to the job that built it: the row and column of the report.
    EXPECT_EQ(watch.job, store::split_job(watch.job).first + "/" + watch.series) << watch.source;
  }
  // The jobs are done, Launchpad is not: GitHub hears "pending".
  github::Reporter reporter(store, with_launchpad);
  reporter.report_pending();
  auto last_status = [&] {
    std::string state;
    for (const auto& row : store.call([](store::Database& db) { return store::outbox_rows(db); })) {
      if (row.message.kind == store::MessageKind::status) state = std::string(json::parse(github::decode_payload(row.message.payload).body).at("state").as_string());
    }
    return state;
  };
  EXPECT_EQ(last_status(), "pending");
  EXPECT_TRUE(store.call([](store::Database& db) { return store::builds_to_report(db); }).empty()) << "reported";

  // Launchpad builds and publishes all but one; then that one fails.
  for (const auto& watch : watches) {
    launchpad.add_source({"project-calico", "calico-3.4", watch.source, watch.version, watch.series, "Published",
                          {{"amd64", "Successfully built"}}, {{"amd64", "Published"}}});
  }
  launchpad.set_build("nettle", "3.3-1", {"amd64", "Failed to build", "https://launchpad.test/nettle.log"});
  http::Client http({"test", seconds(2), 2, milliseconds(10), milliseconds(0)});
  launchpad::Client client(launchpad.api_root(), http);
  sys_seconds later = time_point_cast<seconds>(system_clock::now()) + hours(1);
  launchpad::Watcher watcher(store, client, {seconds(60), seconds(600), hours(2)}, [&] { return later; });
  EXPECT_EQ(watcher.poll_due(), 11u);
  watches = store.call([&](store::Database& db) { return store::lp_watches_of_build(db, build.id); });
  const auto publication = launchpad::build_publication(watches);
  EXPECT_EQ(publication.state, launchpad::PublicationState::failed);
  EXPECT_EQ(publication.detail, "nettle 3.3-1: amd64: Failed to build (https://launchpad.test/nettle.log)");
  EXPECT_EQ(publication.published, 10);
  // The watcher's verdict reaches GitHub: the build is due a report, and it says failure.
  EXPECT_EQ(store.call([](store::Database& db) { return store::builds_to_report(db); }), std::vector<std::int64_t>{build.id});
  reporter.report_pending();
  EXPECT_EQ(last_status(), "failure");

  // A retry (as /retry queues it) finds every upload already in the archive: they are its
  // uploads too, so its Launchpad state covers every source it publishes.
  queue(store, handlers::BuildRequest::Kind::command, "calico-3.4", "v3.4.1");
  ASSERT_TRUE(dispatcher.run_next());
  const auto retry = store.call([](store::Database& db) { return store::recent_builds(db, 1); }).at(0);
  ASSERT_NE(retry.id, build.id);
  ASSERT_EQ(retry.state, handlers::BuildState::succeeded) << retry.detail;
  const auto retried = store.call([&](store::Database& db) { return store::lp_watches_of_build(db, retry.id); });
  EXPECT_EQ(retried.size(), 11u);
  EXPECT_EQ(launchpad::build_publication(retried).state, launchpad::PublicationState::failed) << "the same nettle failure";
  EXPECT_EQ(store.call([&](store::Database& db) { return store::lp_watches_of_build(db, build.id); }).size(), 11u);
}

TEST_F(DispatcherTest, OrMasterBuildsOnceItHasBeenQuietAfterAChange) {
  testkit::ScratchDir dir;
  const config::Config config = load(dir.path(), "master_quiet_minutes = 10\n");
  store::Store store(config.store);
  builds::Dispatcher dispatcher(store, config);
  const auto now = time_point_cast<seconds>(system_clock::now());
  EXPECT_FALSE(dispatcher.quiet_tick(now + hours(1))) << "no change at all";
  store.call([](store::Database& db) { store::mark_master_changed(db, {"projectcalico/felix", "master", "abc"}, std::nullopt); });
  EXPECT_FALSE(dispatcher.quiet_tick(now + minutes(5))) << "not quiet for long enough";
  EXPECT_TRUE(dispatcher.quiet_tick(now + minutes(11)));
  EXPECT_FALSE(dispatcher.quiet_tick(now + minutes(12))) << "already queued";
  store.call([](store::Database& db) { store::claim_next_request(db, 1, "/w"); });
  EXPECT_FALSE(dispatcher.quiet_tick(now + minutes(30))) << "a master build started after the change";
}

TEST_F(DispatcherTest, ABuildCanBeCancelledFromTheCommandLine) {
  testkit::ScratchDir dir;
  const config::Config config = load(dir.path());
  store::Store store(config.store);
  queue(store, handlers::BuildRequest::Kind::release, "calico-3.4", "v3.4.1");
  builds::Dispatcher dispatcher(store, config);
  std::atomic<bool> asked{false};
  std::string cancel_output;
  int cancel_code = -1;
  // After the third job finishes, a release engineer runs `calico-release-bot cancel`.
  dispatcher.on_job([&](std::int64_t build, const store::BuildJob& step) {
    int done = 0;
    for (const auto& s : store.call([&](store::Database& db) { return store::build_jobs(db, build); })) done += s.state == builders::pipeline::JobState::succeeded;
    if (step.state == builders::pipeline::JobState::succeeded && done == 3 && !asked.exchange(true)) {
      const auto result = testkit::run_process({CALICO_BOT_BINARY, "cancel", "--config", (dir.path() / "bot.toml").string(), "--build",
                                                std::to_string(build)},
                                               dir.path());
      cancel_code = result.exit_code;
      cancel_output = result.output;
    }
  });
  ASSERT_TRUE(dispatcher.run_next());
  EXPECT_EQ(cancel_code, 0) << cancel_output;
  const auto build = store.call([](store::Database& db) { return store::recent_builds(db, 1); }).at(0);
  EXPECT_EQ(build.state, handlers::BuildState::cancelled) << build.detail;
  int done = 0;
  for (const auto& step : store.call([&](store::Database& db) { return store::build_jobs(db, build.id); })) done += step.state == builders::pipeline::JobState::succeeded;
  EXPECT_LT(done, 24);
  const auto again = testkit::run_process({CALICO_BOT_BINARY, "cancel", "--config", (dir.path() / "bot.toml").string(), "--build",
                                           std::to_string(build.id)},
                                          dir.path());
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.output.find("is not running"), std::string::npos);
}

// #21 item 7: a graceful stop (SIGTERM) stops the jobs but not the build: it stays running in the
// store, its stopped job says why, and nothing tells GitHub it ended.
TEST_F(DispatcherTest, AStopLeavesTheRunningBuildToBeResumed) {
  testkit::ScratchDir dir;
  const config::Config config = load(dir.path());
  store::Store store(config.store);
  queue(store, handlers::BuildRequest::Kind::release, "calico-3.4", "v3.4.1");
  builds::Dispatcher dispatcher(store, config);
  std::atomic<int> succeeded{0};
  dispatcher.on_job([&](std::int64_t, const store::BuildJob& step) {
    if (step.state == builders::pipeline::JobState::succeeded) ++succeeded;
  });
  dispatcher.start();
  ASSERT_TRUE(testkit::eventually([&] { return succeeded.load() >= 2; }, seconds(60)));
  dispatcher.stop();
  const auto build = store.call([](store::Database& db) { return store::recent_builds(db, 1); }).at(0);
  EXPECT_EQ(build.state, handlers::BuildState::running) << build.detail;
  int done = 0;
  for (const auto& step : store.call([&](store::Database& db) { return store::build_jobs(db, build.id); })) {
    done += step.state == builders::pipeline::JobState::succeeded;
  }
  EXPECT_LT(done, 24) << "the build finished before the stop: nothing was left to resume";
  EXPECT_FALSE(store.call([&](store::Database& db) { return store::cancel_requested(db, build.id); }));
  // A later start takes it up again from its first unfinished job.
  builds::Dispatcher next(store, config);
  EXPECT_EQ(next.resume_interrupted(), 1u);
  const auto resumed = store.call([](store::Database& db) { return store::recent_builds(db, 1); }).at(0);
  EXPECT_EQ(resumed.state, handlers::BuildState::succeeded) << resumed.detail;
}

TEST_F(DispatcherTest, ANewDnsmasqRefForAPlatformRebuildsDnsmasqThere) {
  testkit::ScratchDir dir;
  const config::Config before = load(dir.path());
  store::Store store(before.store);
  {
    builds::Dispatcher dispatcher(store, before);
    EXPECT_EQ(dispatcher.component_ref_tick(), 0u) << "the first sight of the configuration is only remembered";
    EXPECT_EQ(dispatcher.component_ref_tick(), 0u);
  }
  // A maintainer points xenial at another fork tag.
  const config::Config after = load(dir.path(), "", "[publish.components.dnsmasq.refs]\n"
                                                "trusty = \"2.79test1calico1-3-trusty\"\n"
                                                "xenial = \"2.79test1calico1-3-trusty\"\n"
                                                "centos7 = \"rpm_2.79\"\n");
  builds::Dispatcher dispatcher(store, after);
  EXPECT_EQ(dispatcher.component_ref_tick(), 1u);
  const auto pending = store.call([](store::Database& db) { return store::build_requests(db, store::RequestState::pending); });
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].request.target_repo, "master");
  EXPECT_EQ(pending[0].request.steps, (std::vector<std::string>{"dnsmasq", "pub_debs"}));
  EXPECT_EQ(pending[0].request.platforms, std::vector<std::string>{"xenial"});
  EXPECT_EQ(pending[0].request.trigger, "dnsmasq for xenial now builds from 2.79test1calico1-3-trusty (was 2.79test1calico1-2-xenial)");
  ASSERT_TRUE(dispatcher.run_next());
  const auto build = store.call([](store::Database& db) { return store::recent_builds(db, 1); }).at(0);
  EXPECT_EQ(build.state, handlers::BuildState::succeeded) << build.detail;
  const auto steps = store.call([&](store::Database& db) { return store::build_jobs(db, build.id); });
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].job, "dnsmasq/xenial");
  EXPECT_EQ(steps[1].job, "pub_debs/xenial");
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "ppa" / "project-calico" / "master" /
                                      "dnsmasq_2.79test1calico1-3~xenial_source.changes"));
  EXPECT_EQ(dispatcher.component_ref_tick(), 0u) << "nothing new since";
}
