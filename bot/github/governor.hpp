// One credential's rate-limit state, shared by its reads and writes (GitHub's limits count both,
// and "continuing to make requests while rate limited may result in the banning of your
// integration"). Every answer is shown to it; while a pause is in force no request is made at
// all. A secondary limit without retry-after waits a minute, doubling on each repeat up to 15
// minutes; a request that is not limited ends the series. The pause is kept in the store
// (github_pauses), so that a restart does not walk straight back into the limit.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "bot/http/client.hpp"

namespace calico::github {

struct Pause {
  std::chrono::sys_seconds until{};
  std::string reason;
  int strikes = 0;  // limits in a row that GitHub did not say how long to wait for
};

// Thrown instead of making a request during a pause.
class RateLimitedError : public http::ClientError {
 public:
  RateLimitedError(const std::string& message, std::chrono::sys_seconds until) : http::ClientError(message), until(until) {}
  std::chrono::sys_seconds until;
};

class Governor {
 public:
  using Clock = std::function<std::chrono::sys_seconds()>;
  // `restored`: the pause kept before a restart; `keep`: called whenever the pause changes.
  Governor(std::string credential, std::optional<Pause> restored, std::function<void(const Pause&)> keep, Clock clock = {});

  // The pause in force now, if any.
  std::optional<Pause> paused() const;
  // Throws RateLimitedError during a pause.
  void check() const;
  // After every answer GitHub gave.
  void observe(const http::ClientResponse& response);

  const std::string& credential() const { return credential_; }

 private:
  std::string credential_;
  std::function<void(const Pause&)> keep_;
  Clock clock_;
  mutable std::mutex mutex_;
  Pause pause_;
};

}  // namespace calico::github
