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
  // Connections open at once: at the cap the server stops accepting (new connections wait in the
  // listen queue) until one closes.
  std::size_t max_connections = 1024;
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
