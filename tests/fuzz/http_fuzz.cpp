// libFuzzer harness for the HTTP server's request reading (#21 item 1): the real Server, on
// loopback, is sent each input as a client would send it — request lines, headers, chunked
// bodies with extensions and trailers, pipelined requests, Expect: 100-continue — and must answer
// or close, never crash, hang or grow without bound. Small limits make the bounds easy to reach.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "bot/http/server.hpp"

namespace {

// Answers every request with the size of its body: the server's reading is what is fuzzed.
class SizeHandler : public calico::http::Handler {
 public:
  void handle(calico::http::Request request, calico::http::Respond respond) override {
    respond(calico::http::text_response(200, std::to_string(request.body.size())));
  }
};

struct Fixture {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  SizeHandler handler;
  std::unique_ptr<calico::http::Server> server;
  std::thread thread;

  Fixture() {
    calico::http::ServerSettings settings;
    settings.max_body_bytes = 64 * 1024;
    settings.max_buffered_body_bytes = 256 * 1024;
    settings.header_timeout = std::chrono::seconds(2);
    settings.idle_timeout = std::chrono::seconds(2);
    settings.max_connections = 64;
    server = std::make_unique<calico::http::Server>(io, settings, handler);
    server->start();
    thread = std::thread([this] { io.run(); });
  }
};

Fixture& fixture() {
  static Fixture* f = new Fixture;  // lives as long as the fuzzer: never torn down
  return *f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Fixture& f = fixture();
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  timeval limit{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(f.server->port());
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return 0;
  }
  std::size_t sent = 0;
  while (sent < size) {
    const ssize_t n = ::send(fd, data + sent, size - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<std::size_t>(n);
  }
  ::shutdown(fd, SHUT_WR);
  // Whatever it answers, up to the end: every answer is an HTTP/1.1 response.
  std::string answer;
  char buffer[16 * 1024];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    if (answer.size() < 64) answer.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (!answer.empty() && answer.rfind("HTTP/1.1 ", 0) != 0 && answer.rfind("HTTP/1.0 ", 0) != 0) __builtin_trap();
  return 0;
}
