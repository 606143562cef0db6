// The bot's own HTTP server on 127.0.0.1 and an ephemeral port, with its I/O thread, for the
// fakes of internet services (Launchpad, GitHub) the tests talk to.
#pragma once

#include <cstdint>
#include <memory>

#include "bot/http/message.hpp"

namespace calico::testkit {

class LoopbackServer {
 public:
  // port 0: an ephemeral port.
  explicit LoopbackServer(http::Handler& handler, std::uint16_t port = 0);
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  std::uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace calico::testkit
