// The running service: store, delivery processor, HTTP server and its I/O threads, wired from a
// Config. `serve` runs one until SIGTERM/SIGINT; tests start and stop one in-process.
#pragma once

#include <cstdint>
#include <memory>

#include "config/config.hpp"

namespace calico {

class Service {
 public:
  // Loads secrets and opens the store; throws config::ConfigError or store::DatabaseError.
  explicit Service(config::Config config);
  ~Service();

  // Binds and starts the threads. Throws std::system_error when it cannot listen.
  void start();
  std::uint16_t port() const;
  // Graceful: stop accepting, finish requests in flight (up to server.shutdown_grace), finish
  // processing, flush and close the store.
  void stop();
  // start(), then block until SIGTERM or SIGINT, then stop().
  void run_until_signal();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace calico
