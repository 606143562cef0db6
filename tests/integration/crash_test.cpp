// The durability promise, tested against the real binary: a delivery that got its 202 is in the
// store even if the process is SIGKILLed right after, and a restart processes it exactly once.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <csignal>
#include <regex>
#include <set>
#include <thread>

#include "bot/store/sqlite/connection.hpp"
#include "bot/store/database.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"

using namespace calico;

namespace {

struct RunningBot {
  RunningBot(const std::filesystem::path& dir, int generation)
      : log(dir / ("bot-" + std::to_string(generation) + ".log")),
        process({CALICO_BOT_BINARY, "serve", "--log-level", "info", "--config", (dir / "bot.toml").string()}, log) {
    const std::string text = testkit::wait_for_text(log, "event=service.started", std::chrono::seconds(20));
    std::smatch match;
    if (!std::regex_search(text, match, std::regex("event=service.started .*port=([0-9]+)"))) {
      throw std::runtime_error("no port in " + text);
    }
    port = static_cast<std::uint16_t>(std::stoi(match[1]));
  }
  std::filesystem::path log;
  testkit::ChildProcess process;
  std::uint16_t port = 0;
};

std::set<std::string> stored_guids(const std::filesystem::path& db_path, const std::string& where = "1") {
  store::sqlite::Connection db(db_path);
  store::Statement s = db.prepare("SELECT guid FROM deliveries WHERE " + where);
  std::set<std::string> guids;
  while (s.step()) guids.insert(s.column_text(0));
  return guids;
}

// A push of tag v3.<n>.0 to Felix: each asks for its own release build.
std::string tag_push(int n) {
  return R"({"ref":"refs/tags/v3.)" + std::to_string(n) +
         R"(.0","before":"0000000000000000000000000000000000000000","after":"abc","created":true,)"
         R"("repository":{"full_name":"projectcalico/felix"},"sender":{"login":"releaser","type":"User"}})";
}

// Sends signed tag pushes over `threads` keep-alive connections until each has sent `per_thread`
// or `stop` is set, and returns the GUIDs that got their 202. Sender t's k-th delivery is
// "<prefix>-t-k" and pushes tag v3.<version(t, k)>.0. A connection dropped by a kill ends its
// sender: that delivery was never acknowledged.
std::vector<std::string> send_tag_pushes(std::uint16_t port, const std::string& prefix, int threads, int per_thread,
                                         const std::atomic<bool>& stop, int (*version)(int, int)) {
  std::vector<std::string> acked;
  std::mutex acked_mutex;
  std::vector<std::thread> senders;
  for (int t = 0; t < threads; ++t) {
    senders.emplace_back([&, t] {
      try {
        testkit::HttpClient client("127.0.0.1", port);
        for (int k = 0; k < per_thread && !stop; ++k) {
          const std::string guid = prefix + "-" + std::to_string(t) + "-" + std::to_string(k);
          const std::string body = tag_push(version(t, k));
          const auto r = client.request("POST", "/webhook", testkit::github_headers("push", guid, testkit::kTestSecret, body), body);
          if (r.status == 202) {
            std::lock_guard lock(acked_mutex);
            acked.push_back(guid);
          }
        }
      } catch (const std::exception&) {
      }
    });
  }
  for (auto& sender : senders) sender.join();
  return acked;
}

}  // namespace

TEST(Crash, SigkillRightAfterTheAcksLosesNothingAndRestartProcessesOnce) {
  testkit::ScratchDir dir;
  const config::Config config = testkit::test_config(dir.path());
  std::vector<std::string> acked;
  {
    RunningBot bot(dir.path(), 1);
    const std::atomic<bool> never{false};
    // 4 senders × 50 deliveries, each a different tag, so each asks for its own build.
    acked = send_tag_pushes(bot.port, "crash", 4, 50, never, [](int t, int k) { return t * 50 + k; });
    bot.process.signal(SIGKILL);  // at once: no chance to flush anything
    ASSERT_EQ(bot.process.wait(std::chrono::seconds(10)), 128 + SIGKILL);
  }
  ASSERT_EQ(acked.size(), 200u);
  const std::set<std::string> stored = stored_guids(config.store.path);
  for (const std::string& guid : acked) EXPECT_TRUE(stored.count(guid)) << guid << " was acknowledged but lost";

  // Restart: whatever was not processed before the kill is processed now, each exactly once.
  RunningBot again(dir.path(), 2);
  EXPECT_TRUE(testkit::eventually([&] { return stored_guids(config.store.path, "processed_at IS NULL").empty(); }));
  store::sqlite::Connection db(config.store.path);
  store::Statement requests = db.prepare("SELECT count(*), count(DISTINCT version) FROM build_requests");
  requests.step();
  EXPECT_EQ(requests.column_int(0), 200);
  EXPECT_EQ(requests.column_int(1), 200);
  again.process.signal(SIGTERM);
  EXPECT_EQ(again.process.wait(std::chrono::seconds(20)), 0);
}

TEST(Crash, SigkillWhileDeliveriesAreInFlightLosesNoAcknowledgedOne) {
  testkit::ScratchDir dir;
  const config::Config config = testkit::test_config(dir.path());
  RunningBot bot(dir.path(), 1);
  std::atomic<bool> killed{false};
  std::thread killer([&] {
    // Killed mid-stream: once some deliveries are stored and more are on their way.
    testkit::eventually([&] { return stored_guids(config.store.path).size() >= 50; }, std::chrono::seconds(30));
    bot.process.signal(SIGKILL);
    killed = true;
  });
  const std::vector<std::string> acked =
      send_tag_pushes(bot.port, "inflight", 8, 1 << 30, killed, [](int, int k) { return k % 50; });
  killer.join();
  bot.process.wait(std::chrono::seconds(10));
  ASSERT_GT(acked.size(), 0u);
  const std::set<std::string> stored = stored_guids(config.store.path);
  std::size_t lost = 0;
  for (const std::string& guid : acked) lost += !stored.count(guid);
  EXPECT_EQ(lost, 0u) << "of " << acked.size() << " acknowledged deliveries";
}

TEST(Crash, SigtermStopsGracefullyWithExitCodeZero) {
  testkit::ScratchDir dir;
  testkit::test_config(dir.path());
  RunningBot bot(dir.path(), 1);
  testkit::HttpClient client("127.0.0.1", bot.port);
  EXPECT_EQ(client.request("GET", "/healthz", {}).status, 200);
  bot.process.signal(SIGTERM);
  EXPECT_EQ(bot.process.wait(std::chrono::seconds(20)), 0);
  const std::string log = testkit::read_file(bot.log);
  EXPECT_NE(log.find("event=service.signal signal=SIGTERM"), std::string::npos) << log;
  EXPECT_NE(log.find("event=store.closed"), std::string::npos) << log;
}

TEST(Crash, SigtermLetsARequestWhoseBodyIsStillArrivingFinish) {
  // A delivery 2 s into sending its body when SIGTERM arrives: it finishes within the grace
  // period (5 s here), gets its 202, and is in the store.
  testkit::ScratchDir dir;
  const config::Config config = testkit::test_config(dir.path());
  RunningBot bot(dir.path(), 1);
  const std::string body = tag_push(77);
  std::string head = "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& [name, value] : testkit::github_headers("push", "slow-body-1", testkit::kTestSecret, body)) {
    head += name + ": " + value + "\r\n";
  }
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), bot.port});
  boost::asio::write(socket, boost::asio::buffer(head + "\r\n" + body.substr(0, body.size() / 2)));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the body is on its way: part of the scenario
  bot.process.signal(SIGTERM);
  testkit::wait_for_text(bot.log, "event=service.stopping", std::chrono::seconds(10));
  boost::asio::write(socket, boost::asio::buffer(body.substr(body.size() / 2)));
  std::string answer;
  boost::system::error_code error;
  char buffer[4096];
  while (answer.find("\r\n\r\n") == std::string::npos) {
    const std::size_t n = socket.read_some(boost::asio::buffer(buffer), error);
    if (error) break;
    answer.append(buffer, n);
  }
  EXPECT_EQ(answer.rfind("HTTP/1.1 202", 0), 0u) << answer;
  EXPECT_EQ(bot.process.wait(std::chrono::seconds(20)), 0);
  EXPECT_TRUE(stored_guids(config.store.path).count("slow-body-1"));
}
