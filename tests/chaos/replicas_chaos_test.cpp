// Several replicas on one PostgreSQL store, behind HAProxy, with one of them killed (SIGKILL) every
// few seconds and started again while signed deliveries arrive and fixture builds run. Afterwards
// nothing acknowledged is lost or handled twice, every build ended, no source package was uploaded
// twice, no GitHub message went out twice and no commit status went backwards. And on Kubernetes,
// a live replica takes over a killed one's build with its Jobs, leaving none behind.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <boost/json/parse.hpp>

#include "bot/store/build_queue.hpp"
#include "bot/store/builds.hpp"
#include "bot/store/deliveries.hpp"
#include "bot/store/outbox.hpp"
#include "bot/store/store.hpp"
#include "tests/support/calico_fixtures.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fake_github.hpp"
#include "tests/support/fake_kubernetes.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/gpg_fixture.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/postgres_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/suites.hpp"

using namespace calico;
using namespace std::chrono;
namespace json = boost::json;

namespace {

constexpr int kReplicas = 3;
// Replicas are killed and restarted this long (CALICO_CHAOS_SECONDS: shorter to try it out).
seconds chaos_duration() {
  const char* set = std::getenv("CALICO_CHAOS_SECONDS");
  return seconds(set ? std::atoi(set) : 75);
}
constexpr auto kSettle = seconds(240);      // then at most this long for every build to end

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

class ReplicasChaos : public testkit::SuiteWithFixtures {
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
  static testkit::GpgFixture* key_;

  // Replica `index`'s configuration: the shared store (a lease of 4 s) and work_dir (shared
  // storage), its own port and git mirrors; `github` and `publish` add their sections' settings.
  static std::string replica_toml(const std::filesystem::path& dir, int index, int port, const std::string& url,
                                  const std::string& github, const std::string& publish, const std::string& platforms) {
    return "[server]\nport = " + std::to_string(port) + "\npublic_url = \"http://status.example\"\n"
           "[log]\nlevel = \"info\"\n"
           "[store]\nbackend = \"postgresql\"\nurl = \"" + url + "\"\nlease_seconds = 4\n"
           "[secrets]\nwebhook_secret = { file = \"webhook-secret\" }\n" +
           (github.empty() ? "" : "github_token = { file = \"github-token\" }\n") +
           "store_password = { file = \"store-password\" }\ngpg_secret_key = { file = \"" + key_->secret_key.string() + "\" }\n"
           "[dispatch]\nnightly = false\nmaster_quiet_minutes = 1\nmax_concurrent_builds = 2\n" + github +
           "[publish]\n" + publish + "parallel_jobs = 2\nwork_dir = \"" + (dir / "work").string() + "\"\nmirror_dir = \"" +
           (dir / ("mirrors-" + std::to_string(index))).string() + "\"\ndput_method = \"local\"\ndput_incoming = \"" +
           (dir / "ppa/{owner}/{repo}").string() + "\"\nrpm_root = \"" + (dir / "rpm-host").string() + "\"\n" +
           testkit::fixture_repositories_toml(*fixtures_) + platforms;
  }
};

testkit::GpgFixture* ReplicasChaos::key_ = nullptr;

struct Replica {
  std::filesystem::path config;
  int port = 0;
  int generation = 0;
  std::unique_ptr<testkit::ChildProcess> process;
};

TEST_F(ReplicasChaos, ThreeReplicasBehindHaproxySurviveKillsWithNothingLostOrDoneTwice) {
  testkit::PostgresServer& postgres = testkit::shared_postgres_server();
  testkit::FakeGitHub github;
  github.accept_token("chaos-token");
  testkit::ScratchDir scratch;
  const std::filesystem::path dir = scratch.path();
  const std::string url = postgres.url(postgres.create_database());
  testkit::write_file(dir / "webhook-secret", testkit::kTestSecret);
  testkit::write_file(dir / "github-token", "chaos-token\n");
  testkit::write_file(dir / "store-password", testkit::PostgresServer::kPassword);
  for (const char* secret : {"webhook-secret", "github-token", "store-password"}) {
    std::filesystem::permissions(dir / secret, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }

  // Three replicas: one work_dir (shared storage), each its own port and git mirrors.
  std::vector<Replica> replicas(kReplicas);
  for (int i = 0; i < kReplicas; ++i) {
    Replica& replica = replicas[static_cast<std::size_t>(i)];
    replica.port = testkit::free_loopback_port();
    replica.config = dir / ("bot-" + std::to_string(i) + ".toml");
    testkit::write_file(replica.config,
                        replica_toml(dir, i, replica.port, url,
                                     "[github]\napi_root = \"" + github.api_root() +
                                         "\"\nwrite_interval_ms = 0\nretry_first_seconds = 1\ntimeout_seconds = 2\n",
                                     "", testkit::kDefaultPlatformsBuiltOnHost));
  }
  auto start = [&](Replica& replica) {
    const auto log = dir / ("replica-" + std::to_string(replica.port) + "-" + std::to_string(replica.generation++) + ".log");
    replica.process = std::make_unique<testkit::ChildProcess>(
        std::vector<std::string>{CALICO_BOT_BINARY, "serve", "--config", replica.config.string()}, log);
    testkit::wait_for_text(log, "event=service.started", seconds(60));
  };
  for (Replica& replica : replicas) start(replica);

  // HAProxy in front: round robin, a replica out of rotation as soon as /healthz fails.
  const int front = testkit::free_loopback_port();
  std::string haproxy_config =
      "global\n  maxconn 2000\ndefaults\n  mode http\n  timeout connect 1s\n  timeout client 30s\n  timeout server 30s\n"
      "  retries 3\n  option redispatch\nfrontend bots\n  bind 127.0.0.1:" + std::to_string(front) +
      "\n  default_backend replicas\nbackend replicas\n  balance roundrobin\n  option httpchk GET /healthz\n"
      "  http-check expect status 200\n";
  for (int i = 0; i < kReplicas; ++i) {
    haproxy_config += "  server r" + std::to_string(i) + " 127.0.0.1:" + std::to_string(replicas[static_cast<std::size_t>(i)].port) +
                      " check inter 250ms fall 1 rise 1\n";
  }
  testkit::write_file(dir / "haproxy.cfg", haproxy_config);
  testkit::ChildProcess haproxy({"/usr/sbin/haproxy", "-db", "-f", (dir / "haproxy.cfg").string()}, dir / "haproxy.log");
  ASSERT_TRUE(testkit::eventually([&] {
    try {
      return testkit::HttpClient("127.0.0.1", static_cast<std::uint16_t>(front)).request("GET", "/healthz", {}).status == 200;
    } catch (const std::exception&) {
      return false;
    }
  }, seconds(20))) << testkit::read_file(dir / "haproxy.log");

  // Deliveries through HAProxy: a release tag, a master push (a master build once master has been
  // quiet for a minute),
  // and a stream of pushes to feature branches (recorded and handled, building nothing).
  std::mutex acked_mutex;
  std::set<std::string> acked;
  std::atomic<bool> chaos_over{false};
  std::atomic<int> refused{0};
  auto send = [&](testkit::HttpClient& client, const std::string& event, const std::string& guid, const std::string& body) {
    const auto answer = client.request("POST", "/webhook", testkit::github_headers(event, guid, testkit::kTestSecret, body), body);
    if (answer.status == 202) {
      std::lock_guard lock(acked_mutex);
      acked.insert(guid);
    } else {
      if (refused++ < 5) std::cerr << guid << ": HTTP " << answer.status << " " << answer.body.substr(0, 200) << std::endl;
    }
    return answer.status;
  };
  const std::string tag = testkit::payload("push_tag.json");
  const std::string master = testkit::payload("push_branch.json");
  std::thread sender([&] {
    std::unique_ptr<testkit::HttpClient> client;
    auto once = [&](const std::string& event, const std::string& guid, const std::string& body) {
      for (int attempt = 0; attempt < 50; ++attempt) {
        try {
          if (!client) client = std::make_unique<testkit::HttpClient>("127.0.0.1", static_cast<std::uint16_t>(front));
          if (send(*client, event, guid, body) == 202) return;
        } catch (const std::exception& e) {
          std::cerr << guid << ": " << e.what() << std::endl;
          client.reset();  // the replica behind it died mid-request: not acknowledged, sent again
        }
        std::this_thread::sleep_for(milliseconds(100));
      }
    };
    once("push", "chaos-tag-v3-4-1", tag);
    once("push", "chaos-master", master);
    for (int n = 0; !chaos_over; ++n) {
      const std::string body = std::regex_replace(master, std::regex("refs/heads/master"), "refs/heads/feature-" + std::to_string(n));
      try {
        if (!client) client = std::make_unique<testkit::HttpClient>("127.0.0.1", static_cast<std::uint16_t>(front));
        send(*client, "push", "chaos-feature-" + std::to_string(n), body);
      } catch (const std::exception&) {
        client.reset();
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
  });

  // A random replica killed every few seconds, and started again a moment later.
  std::mt19937 random(std::random_device{}());
  int kills = 0;
  const auto chaos_end = steady_clock::now() + chaos_duration();
  while (steady_clock::now() < chaos_end) {
    std::this_thread::sleep_for(milliseconds(2500 + static_cast<int>(random() % 2000)));
    Replica& victim = replicas[random() % kReplicas];
    victim.process->signal(SIGKILL);
    victim.process->wait(seconds(10));
    ++kills;
    std::this_thread::sleep_for(milliseconds(500));
    start(victim);
  }
  chaos_over = true;
  sender.join();

  // Settled: every delivery handled, every build ended, every message sent.
  config::StoreConfig settings;
  settings.backend = "postgresql";
  settings.url = url;
  settings.password = config::Secret(testkit::PostgresServer::kPassword);
  store::Store store(settings);
  const bool settled = testkit::eventually(
      [&] {
        return store.call([](store::Database& db) {
          return store::unprocessed_deliveries(db, 1).empty() && store::builds_in_state(db, handlers::BuildState::running).empty() &&
                 store::build_requests(db, store::RequestState::pending).empty() && store::outbox_backlog(db) == 0 && store::recent_builds(db, 10).size() >= 2;
        });
      },
      kSettle);
  const auto builds = store.call([](store::Database& db) { return store::recent_builds(db, 100); });
  std::string summary;
  for (const auto& build : builds) {
    summary += "build " + std::to_string(build.id) + " " + build.target_repo + " " + build.version + " " +
               std::string(handlers::to_string(build.state)) + " " + build.started_at + " → " + build.finished_at.value_or("") +
               " " + build.detail + "\n";
  }
  for (const char* guid : {"chaos-tag-v3-4-1", "chaos-master"}) {
    const auto stored = store.call([&](store::Database& db) { return store::find_delivery(db, guid); });
    summary += std::string(guid) + ": " + (stored ? stored->outcome.value_or("(not processed)") : "(not stored)") + "\n";
  }
  for (store::RequestState state : {store::RequestState::pending, store::RequestState::started, store::RequestState::cancelled}) {
    summary += std::string(store::to_string(state)) + " requests: " +
               std::to_string(store.call([&](store::Database& db) { return store::build_requests(db, state).size(); })) + "\n";
  }
  // What went wrong, from the replicas' own words.
  std::string complaints;
  int takeovers = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log") takeovers += static_cast<int>(count_of(testkit::read_text(entry.path()), "event=dispatch.resume "));
    if (entry.path().extension() != ".log" || entry.path().filename().string().rfind("replica-", 0) != 0) continue;
    std::istringstream lines(testkit::read_text(entry.path()));
    for (std::string line; std::getline(lines, line);) {
      if ((line.find("level=error") != std::string::npos || line.find("level=warn") != std::string::npos) && complaints.size() < 20000) {
        complaints += entry.path().filename().string() + ": " + line + "\n";
      }
    }
  }
  ASSERT_TRUE(settled) << summary << complaints;

  // Every acknowledged delivery stored once and processed once.
  for (const std::string& guid : acked) {
    const auto stored = store.call([&](store::Database& db) { return store::find_delivery(db, guid); });
    ASSERT_TRUE(stored) << guid << " was acknowledged and lost";
    EXPECT_TRUE(stored->processed_at) << guid;
    EXPECT_TRUE(stored->outcome) << guid << " processed without an outcome";
  }
  EXPECT_GT(acked.size(), 100u);
  // Every build ended, the release and master each built once: the takeovers resumed them.
  EXPECT_EQ(builds.size(), 2u) << summary;
  for (const auto& build : builds) EXPECT_EQ(build.state, handlers::BuildState::succeeded) << summary;

  // No source package uploaded twice; every job's build commands, once unless its replica died
  // during it.
  std::map<std::string, int> uploads;
  int reruns = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir / "work")) {
    if (!entry.is_regular_file() || entry.path().parent_path().filename() != "logs") continue;
    const std::string text = testkit::read_text(entry.path());
    for (std::size_t at = text.find("# uploaded "); at != std::string::npos; at = text.find("# uploaded ", at + 1)) {
      // Per build (its directory): two builds publish the same package to their own PPAs.
      const std::string build = entry.path().parent_path().parent_path().filename().string();
      ++uploads[build + " " + text.substr(at + 11, text.find('\n', at) - at - 11)];
    }
    const std::size_t runs = count_of(text, "$ dpkg-buildpackage") + count_of(text, "$ rpmbuild");
    if (runs > 1) reruns += static_cast<int>(runs) - 1;
  }
  EXPECT_FALSE(uploads.empty());
  for (const auto& [changes, times] : uploads) EXPECT_EQ(times, 1) << changes << " uploaded " << times << " times";
  std::size_t in_incoming = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir / "ppa")) {
    if (entry.path().extension() == ".changes") ++in_incoming;
  }
  // (A dput whose replica died after it copied the files and before the log said so counts once in
  // the incoming directory and never in the logs: the rerun found it there and skipped it.)
  EXPECT_GE(in_incoming, uploads.size());
  EXPECT_LE(reruns, kills) << "a job ran again without its replica dying during it";

  // GitHub: no message twice, no status going backwards.
  EXPECT_TRUE(github.problems().empty());
  std::map<std::string, int> posted;
  std::map<std::string, std::vector<std::string>> states;
  for (const auto& status : github.statuses()) {
    ++posted[status.repository + "@" + status.sha + " " + status.context + " " + status.state + " " + status.description + " " +
             status.target_url];
    states[status.repository + "@" + status.sha + " " + status.context].push_back(status.state);
  }
  EXPECT_FALSE(posted.empty());
  for (const auto& [status, times] : posted) EXPECT_EQ(times, 1) << status << " posted " << times << " times";
  for (const auto& [context, sequence] : states) {
    bool ended = false;
    for (const std::string& state : sequence) {
      if (ended) {
        EXPECT_NE(state, "pending") << context << " went back to pending after it ended";
      }
      ended = ended || state != "pending";
    }
  }
  std::map<std::string, int> comments;
  for (const auto& comment : github.comments()) ++comments[comment.repository + "#" + std::to_string(comment.issue_number) + comment.body];
  for (const auto& [comment, times] : comments) EXPECT_EQ(times, 1) << comment;

  // The replicas serving now are listed with the builds they hold (none, all done).
  const auto api = testkit::HttpClient("127.0.0.1", static_cast<std::uint16_t>(front)).request("GET", "/api/builds", {});
  ASSERT_EQ(api.status, 200) << api.body;
  int serving = 0;
  const json::value listed = json::parse(api.body);
  for (const auto& replica : listed.at("replicas").as_array()) serving += replica.at("stopped_at").is_null();
  EXPECT_GE(serving, kReplicas);
  std::cout << "chaos: " << kills << " replicas killed, " << acked.size() << " deliveries acknowledged (" << refused.load()
            << " answered otherwise), " << uploads.size() << " source packages uploaded once each, " << reruns
            << " build commands run again after their replica died during them, " << takeovers << " builds taken over, " << github.statuses().size()
            << " commit statuses" << std::endl;

  for (Replica& replica : replicas) replica.process->signal(SIGTERM);
  for (Replica& replica : replicas) replica.process->wait(seconds(30));
  haproxy.signal(SIGTERM);
  haproxy.wait(seconds(10));
}

// Builds on Kubernetes, two replicas: the one running a build is killed while a job's Pod runs;
// the other, live all along, takes the build over once the lease runs out, removes the Jobs the
// dead one left (found by the build's label), runs the rest under its own replica label, and
// leaves no Job and no Pod.
TEST_F(ReplicasChaos, OnKubernetesALiveReplicaTakesOverAKilledOnesBuildAndRemovesItsJobs) {
  testkit::PostgresServer& postgres = testkit::shared_postgres_server();
  testkit::FakeKubernetes cluster;
  testkit::ScratchDir scratch;
  const std::filesystem::path dir = scratch.path();
  const std::string url = postgres.url(postgres.create_database());
  cluster.write_kubeconfig(dir / "kubeconfig", "calico-builds");
  testkit::write_file(dir / "webhook-secret", testkit::kTestSecret);
  testkit::write_file(dir / "store-password", testkit::PostgresServer::kPassword);
  for (const char* secret : {"webhook-secret", "store-password"}) {
    std::filesystem::permissions(dir / secret, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  }
  const std::string kubernetes = "executor = \"kubernetes\"\n";
  const std::string platforms = testkit::host_image_platforms_toml() + "[publish.kubernetes]\nkubeconfig = \"" +
                                (dir / "kubeconfig").string() + "\"\nrun_as_user = 1000\nrun_as_group = 1000\n";
  std::vector<Replica> replicas(2);
  for (int i = 0; i < 2; ++i) {
    Replica& replica = replicas[static_cast<std::size_t>(i)];
    replica.port = testkit::free_loopback_port();
    replica.config = dir / ("bot-" + std::to_string(i) + ".toml");
    testkit::write_file(replica.config, replica_toml(dir, i, replica.port, url, "", kubernetes, platforms));
  }
  auto start = [&](Replica& replica) {
    const auto log = dir / ("replica-" + std::to_string(replica.port) + ".log");
    replica.process = std::make_unique<testkit::ChildProcess>(
        std::vector<std::string>{CALICO_BOT_BINARY, "serve", "--config", replica.config.string()}, log);
    testkit::wait_for_text(log, "event=service.started", seconds(60));
    return log;
  };
  Replica& first = replicas[0];
  Replica& second = replicas[1];
  start(first);
  const std::string body = testkit::payload("push_tag.json");
  ASSERT_EQ(testkit::HttpClient("127.0.0.1", static_cast<std::uint16_t>(first.port))
                .request("POST", "/webhook", testkit::github_headers("push", "k8s-takeover", testkit::kTestSecret, body), body)
                .status,
            202);

  config::StoreConfig settings;
  settings.backend = "postgresql";
  settings.url = url;
  settings.password = config::Secret(testkit::PostgresServer::kPassword);
  store::Store store(settings);
  auto succeeded_jobs = [&] {
    return store.call([](store::Database& db) {
      std::size_t done = 0;
      for (const auto& build : store::recent_builds(db, 10)) {
        for (const auto& job : store::build_jobs(db, build.id)) done += job.state == builders::pipeline::JobState::succeeded;
      }
      return done;
    });
  };
  // The second replica serves beside the first before the first dies: a live takeover, not a restart.
  const auto second_log = start(second);
  ASSERT_TRUE(testkit::eventually([&] { return succeeded_jobs() >= 4 && cluster.running_containers() >= 1; }, seconds(90)));
  first.process->signal(SIGKILL);
  first.process->wait(seconds(10));
  const std::vector<std::string> left_at_kill = cluster.job_names();
  ASSERT_FALSE(left_at_kill.empty()) << "the killed replica's Job is still there, its Pod running";
  ASSERT_LT(succeeded_jobs(), 24u) << "nothing to take over";
  std::string first_label;
  for (const auto& job : cluster.created_jobs()) {
    const std::string name = "calico-builds/" + std::string(job.at("metadata").at("name").as_string());  // as job_names() lists
    if (std::find(left_at_kill.begin(), left_at_kill.end(), name) == left_at_kill.end()) continue;
    first_label = std::string(job.at("metadata").at("labels").at("calico-release-bot/replica").as_string());
  }
  ASSERT_FALSE(first_label.empty());

  ASSERT_TRUE(testkit::eventually(
      [&] {
        return store.call([](store::Database& db) {
          const auto builds = store::recent_builds(db, 10);
          return builds.size() == 1 && builds.front().state != handlers::BuildState::running;
        });
      },
      seconds(180)))
      << testkit::read_file(second_log);
  const auto builds = store.call([](store::Database& db) { return store::recent_builds(db, 10); });
  EXPECT_EQ(builds.front().state, handlers::BuildState::succeeded) << builds.front().detail << testkit::read_file(second_log);
  EXPECT_EQ(succeeded_jobs(), 24u);
  const std::string text = testkit::read_file(second_log);
  EXPECT_NE(text.find("event=dispatch.resume"), std::string::npos) << "the second replica took the build over: " << text;
  EXPECT_NE(text.find("event=dispatch.leftovers_removed"), std::string::npos) << text;
  std::size_t run_by_second = 0;
  for (const auto& job : cluster.created_jobs()) {
    run_by_second += job.at("metadata").at("labels").at("calico-release-bot/replica").as_string() != first_label;
  }
  EXPECT_GT(run_by_second, 0u) << "the rest of the build ran under the second replica's label";
  EXPECT_TRUE(cluster.job_names().empty()) << "left behind: " << cluster.job_names().front();
  EXPECT_EQ(cluster.pod_count(), 0u);
  EXPECT_EQ(cluster.running_containers(), 0u);
  second.process->signal(SIGTERM);
  EXPECT_EQ(second.process->wait(seconds(30)), 0);
}
