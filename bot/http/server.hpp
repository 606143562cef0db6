// The HTTP/1.1 server (Boost.Beast, async, one strand per connection, keep-alive). It reads whole
// requests up to a body limit, answers 413 above it and 400 for unparseable requests itself, and
// hands everything else to one Handler. Shutdown stops accepting, closes idle connections and lets
// requests in flight finish.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "bot/http/message.hpp"

namespace boost::asio {
class io_context;
}

namespace calico::http {

struct ServerSettings {
  std::string address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: pick a free port (tests)
  std::size_t max_body_bytes = 25 * 1024 * 1024;
  std::chrono::seconds idle_timeout{30};
  // How long a connection may take to send a request's headers (from its opening, or from the end
  // of its previous answer): idle sockets and trickled headers do not hold a slot for long.
  std::chrono::seconds header_timeout{10};
  // Connections open at once. At the cap a new connection closes the longest-idle one (idle:
  // waiting for a request's headers), so idle sockets cannot keep /healthz out; only when every
  // connection has a request in flight does the server stop accepting until one closes.
  std::size_t max_connections = 1024;
  // Connections from one client address at once; more are closed as soon as accepted. 0: no cap.
  std::size_t max_connections_per_client = 64;
  // Request bodies held in memory at once, over all connections (a body counts from its headers,
  // by its Content-Length or chunk by chunk, until its answer is written). A request that would
  // pass it is answered 503 with Retry-After before its body is read.
  std::size_t max_buffered_body_bytes = 256 * 1024 * 1024;
  // Called after each response is written: request path, status, seconds from the end of reading
  // the request to the end of writing the answer.
  std::function<void(std::string_view path, int status, double seconds)> observe;
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerSettings settings, Handler& handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. Throws std::system_error naming the address when it cannot bind.
  void start();
  std::uint16_t port() const;
  // Thread-safe. After it, no connection is accepted and idle connections close.
  void shutdown();
  std::size_t open_connections() const;
  // Closes every connection now, answered or not (when the shutdown grace period is over).
  void close_all();

  struct Impl;  // public so that connections (in server.cpp) can name it

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace calico::http
