// Reading GitHub's rate-limit answers (REST API docs, "Rate limits"): a primary limit says
// x-ratelimit-remaining: 0 and when it resets (x-ratelimit-reset, epoch seconds); a secondary
// limit says retry-after, or only "secondary rate limit" in a 403/429, and then one waits at
// least a minute.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "bot/http/client.hpp"

namespace calico::github {

struct RateLimited {
  std::chrono::seconds wait{0};
  std::string reason;   // for the log and the outbox row
  bool guessed = false; // GitHub did not say how long (a secondary limit without retry-after)
};

// nullopt when the response is not a rate-limit answer (a 403 for missing permissions is not).
std::optional<RateLimited> rate_limited(const http::ClientResponse& response, std::chrono::sys_seconds now);

}  // namespace calico::github
