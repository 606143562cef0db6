// Out of file descriptors: the real binary under a lowered open-file limit (prlimit), with more
// idle connections than it may hold. It neither spins nor floods its log: it stops accepting at
// its connection cap (logged once), and answers again as soon as connections close.
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <regex>

#include "tests/support/eventually.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/process.hpp"

using namespace calico;

namespace {

int count_lines(const std::string& text, const std::string& needle) {
  int count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++count;
  return count;
}

}  // namespace

TEST(ConnectionLimit, AtTheOpenFileLimitTheServerWaitsInsteadOfSpinning) {
  testkit::ScratchDir dir;
  testkit::test_config(dir.path());
  std::string text = testkit::read_text(dir.path() / "bot.toml");
  text.replace(text.find("shutdown_grace_seconds = 5"), std::string("shutdown_grace_seconds = 5").size(),
               "shutdown_grace_seconds = 5\nidle_timeout_seconds = 2");
  text.replace(text.find("level = \"warn\""), std::string("level = \"warn\"").size(), "level = \"info\"");
  testkit::write_file(dir.path() / "bot.toml", text);
  const auto log = dir.path() / "bot.log";
  // 96 descriptors in all: the bot keeps 48 of them for connections.
  testkit::ChildProcess bot({"/usr/bin/prlimit", "--nofile=96:96", CALICO_BOT_BINARY, "serve", "--config",
                             (dir.path() / "bot.toml").string()},
                            log);
  const std::string started = testkit::wait_for_text(log, "event=service.started", std::chrono::seconds(20));
  std::smatch match;
  ASSERT_TRUE(std::regex_search(started, match, std::regex("event=service.started .*port=([0-9]+)"))) << started;
  const auto port = static_cast<std::uint16_t>(std::stoi(match[1]));
  EXPECT_NE(started.find("event=service.limits open_files=96 max_connections=48"), std::string::npos) << started;

  // 150 idle connections: more than the cap, more than the process could even hold.
  boost::asio::io_context io;
  std::vector<boost::asio::ip::tcp::socket> idle;
  for (int i = 0; i < 150; ++i) {
    idle.emplace_back(io);
    idle.back().connect({boost::asio::ip::make_address("127.0.0.1"), port});
  }
  ASSERT_TRUE(testkit::eventually([&] { return testkit::read_text(log).find("event=http.connection_limit") != std::string::npos; }))
      << testkit::read_text(log);
  // The idle ones time out (idle_timeout_seconds = 2) and close: the bot answers again.
  idle.clear();
  int healthz = 0;
  EXPECT_TRUE(testkit::eventually(
      [&] {
        try {
          healthz = testkit::HttpClient("127.0.0.1", port).request("GET", "/healthz", {}).status;
        } catch (const std::exception&) {
        }
        return healthz == 200;
      },
      std::chrono::seconds(30)));
  const std::string all = testkit::read_text(log);
  EXPECT_EQ(count_lines(all, "event=http.connection_limit"), 1) << "logged once, not per attempt";
  EXPECT_LE(count_lines(all, "event=http.accept_failed"), 1);
  EXPECT_LT(all.size(), 200000u) << "no flood of log lines";
  bot.signal(SIGTERM);
  EXPECT_EQ(bot.wait(std::chrono::seconds(20)), 0);
}
