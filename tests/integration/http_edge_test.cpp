// The HTTP edge before any signature is checked (#21 items 1-3): what a client may make the
// server hold — a trailer, chunk extensions, bodies, idle sockets — is bounded, and nothing it
// sends can end the process. The real service, in process, on loopback.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <fstream>

#include "bot/service.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/http_client.hpp"

using namespace calico;
using testkit::HttpClient;
using testkit::HttpResult;
namespace net = boost::asio;

namespace {

std::size_t resident_bytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) return std::stoull(line.substr(6)) * 1024;
  }
  return 0;
}

}  // namespace

class HttpEdgeTest : public ::testing::Test {
 protected:
  void start(const std::function<void(config::Config&)>& adjust = {}) {
    config::Config config = testkit::test_config(dir_.path());
    if (adjust) adjust(config);
    service_ = std::make_unique<Service>(std::move(config));
    service_->start();
  }
  void TearDown() override { service_.reset(); }

  HttpClient client() { return HttpClient("127.0.0.1", service_->port()); }
  int healthz() { return client().request("GET", "/healthz", {}).status; }

  // A connected socket that sends nothing; reads give up after `timeout`.
  std::unique_ptr<net::ip::tcp::socket> idle_socket(std::chrono::seconds timeout = std::chrono::seconds(20)) {
    auto socket = std::make_unique<net::ip::tcp::socket>(io_);
    socket->connect({net::ip::make_address("127.0.0.1"), service_->port()});
    timeval limit{static_cast<time_t>(timeout.count()), 0};
    ::setsockopt(socket->native_handle(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    return socket;
  }
  // True when the server closed the socket (a read sees the end), false when the read timed out.
  static bool closed_by_server(net::ip::tcp::socket& socket) {
    char byte = 0;
    boost::system::error_code error;
    socket.read_some(net::buffer(&byte, 1), error);
    return error == net::error::eof || error == net::error::connection_reset;
  }

  std::string post_head(std::size_t length, const std::string& extra = "") {
    return "POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-GitHub-Event: push\r\n"
           "X-GitHub-Delivery: edge\r\nContent-Length: " +
           std::to_string(length) + "\r\n" + extra + "\r\n";
  }

  testkit::ScratchDir dir_;
  net::io_context io_;
  std::unique_ptr<Service> service_;
};

TEST_F(HttpEdgeTest, AHugeTrailerFieldIsRefusedNotACrash) {
  start();
  // 70,000 bytes in one trailer field: Beast's field storage takes under 64 KiB and threw
  // std::length_error, which ended the process.
  const std::string request = "POST /anything HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5\r\nhello\r\n0\r\nX-Trailer: " + std::string(70000, 'a') + "\r\n\r\n";
  const HttpResult answer = client().raw(request);
  EXPECT_EQ(answer.status, 431) << answer.body;
  // Trailers just under the limit, many of them: still no crash, still answered.
  std::string many = "POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n";
  for (int i = 0; i < 30; ++i) many += "X-T" + std::to_string(i) + ": " + std::string(2000, 'b') + "\r\n";
  many += "\r\n";
  EXPECT_EQ(client().raw(many).status, 401) << "the trailer fits: the unsigned request is refused as usual";
  EXPECT_EQ(healthz(), 200);
}

TEST_F(HttpEdgeTest, ChunkExtensionsAreBoundedNotBuffered) {
  start();
  const std::size_t before = resident_bytes();
  // One 48 MiB chunk extension: it was read into memory whole before the 401. Sent a MiB at a
  // time from one buffer, so that the only place it could pile up is the server.
  {
    auto socket = idle_socket();
    net::write(*socket, net::buffer(std::string("POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=")));
    const std::string mebibyte(1024 * 1024, 'e');
    boost::system::error_code error;
    for (int i = 0; i < 48 && !error; ++i) net::write(*socket, net::buffer(mebibyte), error);
    std::string answer(64, '\0');
    const std::size_t got = socket->read_some(net::buffer(answer), error);
    answer.resize(got);
    EXPECT_EQ(answer.rfind("HTTP/1.1 431", 0), 0u) << answer;
  }
  // Many small extensions add up too.
  std::string small = "POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) small += "1;e=" + std::string(4000, 'x') + "\r\na\r\n";
  small += "0\r\n\r\n";
  const HttpResult added_up = client().raw(small);
  EXPECT_EQ(added_up.status, 400) << added_up.body;
  EXPECT_NE(added_up.body.find("chunk extensions add up to more than"), std::string::npos) << added_up.body;
#if !defined(__SANITIZE_ADDRESS__)
  // (Under AddressSanitizer resident memory measures its shadow and quarantine, not the server.)
  EXPECT_LT(resident_bytes(), before + 24 * 1024 * 1024) << "the server held the extension in memory";
#else
  (void)before;
#endif
  EXPECT_EQ(healthz(), 200);
}

TEST_F(HttpEdgeTest, BodiesInMemoryAtOnceHaveABudget) {
  start([](config::Config& c) {
    c.server.max_body_bytes = 1024 * 1024;
    c.server.max_buffered_body_bytes = 2 * 1024 * 1024;
  });
  // Two unsigned 1 MiB bodies announced (and their 100 Continue received: each is counted), a
  // third refused before a byte of it is read.
  HttpClient first = client();
  HttpClient second = client();
  EXPECT_EQ(first.raw(post_head(1024 * 1024, "Expect: 100-continue\r\n")).status, 100);
  EXPECT_EQ(second.raw(post_head(1024 * 1024, "Expect: 100-continue\r\n")).status, 100);
  const HttpResult third = client().raw(post_head(1024 * 1024, "Expect: 100-continue\r\n"));
  EXPECT_EQ(third.status, 503) << third.body;
  EXPECT_EQ(third.header("Retry-After"), "5");
  // A chunked body is counted chunk by chunk.
  const HttpResult chunked = client().raw("POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                          std::string("100000\r\n") + std::string(0x100000, 'c') + "\r\n0\r\n\r\n");
  EXPECT_EQ(chunked.status, 503) << chunked.body;
  // The first two finish (unsigned: 401); their budget is given back.
  EXPECT_EQ(first.raw(std::string(1024 * 1024, ' ')).status, 401);
  EXPECT_EQ(second.raw(std::string(1024 * 1024, ' ')).status, 401);
  EXPECT_TRUE(testkit::eventually([&] { return client().raw(post_head(1024 * 1024, "Expect: 100-continue\r\n")).status == 100; }));
}

TEST_F(HttpEdgeTest, ASocketThatSendsNothingIsClosedAfterTheHeaderTimeout) {
  start([](config::Config& c) { c.server.header_timeout = std::chrono::seconds(1); });
  auto silent = idle_socket();
  const auto opened = std::chrono::steady_clock::now();
  EXPECT_TRUE(closed_by_server(*silent));
  EXPECT_LT(std::chrono::steady_clock::now() - opened, std::chrono::seconds(10));
  // Headers trickled in slower than that are cut off the same way.
  auto trickle = idle_socket();
  net::write(*trickle, net::buffer(std::string("POST /webhook HTTP/1.1\r\n")));
  EXPECT_TRUE(closed_by_server(*trickle));
}

TEST_F(HttpEdgeTest, OneClientAddressHoldsAtMostItsCap) {
  start([](config::Config& c) { c.server.max_connections_per_client = 3; });
  std::vector<std::unique_ptr<net::ip::tcp::socket>> held;
  for (int i = 0; i < 3; ++i) held.push_back(idle_socket());
  // The fourth from the same address is closed at once, before anything is read.
  auto extra = idle_socket(std::chrono::seconds(5));
  EXPECT_TRUE(closed_by_server(*extra));
  held.clear();
  EXPECT_TRUE(testkit::eventually([&] {
    try {
      return healthz() == 200;
    } catch (const std::exception&) {
      return false;
    }
  }));
}

TEST_F(HttpEdgeTest, IdleSocketsAtTheConnectionCapDoNotKeepHealthzOut) {
  start([](config::Config& c) {
    c.server.max_connections = 8;
    c.server.max_connections_per_client = 0;
  });
  std::vector<std::unique_ptr<net::ip::tcp::socket>> held;
  for (int i = 0; i < 8; ++i) held.push_back(idle_socket());
  // Every slot is held by a socket that sent nothing: a newcomer closes the longest-idle one.
  for (int i = 0; i < 3; ++i) EXPECT_EQ(healthz(), 200);
  EXPECT_TRUE(closed_by_server(*held.front())) << "the longest-idle connection made room";
}
