#include "tests/support/loopback_server.hpp"

#include <thread>

#include <boost/asio/io_context.hpp>

#include "bot/http/server.hpp"

namespace calico::testkit {

struct LoopbackServer::Impl {
  Impl(http::Handler& handler, std::uint16_t port) : server(io, settings(port), handler) {
    server.start();
    thread = std::thread([this] { io.run(); });
  }
  ~Impl() {
    server.shutdown();
    server.close_all();
    io.stop();
    thread.join();
  }
  static http::ServerSettings settings(std::uint16_t port) {
    http::ServerSettings s;
    s.port = port;
    return s;
  }
  boost::asio::io_context io;
  http::Server server;
  std::thread thread;
};

LoopbackServer::LoopbackServer(http::Handler& handler, std::uint16_t port) : impl_(std::make_unique<Impl>(handler, port)) {}
LoopbackServer::~LoopbackServer() = default;
std::uint16_t LoopbackServer::port() const { return impl_->server.port(); }

}  // namespace calico::testkit
