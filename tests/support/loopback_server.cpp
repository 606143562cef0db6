#include "tests/support/loopback_server.hpp"

#include <thread>

#include <boost/asio/io_context.hpp>

#include "bot/http/server.hpp"

namespace calico::testkit {

struct LoopbackServer::Impl {
  explicit Impl(http::Handler& handler) : server(io, settings(), handler) {
    server.start();
    thread = std::thread([this] { io.run(); });
  }
  ~Impl() {
    server.shutdown();
    server.close_all();
    io.stop();
    thread.join();
  }
  static http::ServerSettings settings() {
    http::ServerSettings s;
    s.port = 0;
    return s;
  }
  boost::asio::io_context io;
  http::Server server;
  std::thread thread;
};

LoopbackServer::LoopbackServer(http::Handler& handler) : impl_(std::make_unique<Impl>(handler)) {}
LoopbackServer::~LoopbackServer() = default;
std::uint16_t LoopbackServer::port() const { return impl_->server.port(); }

}  // namespace calico::testkit
