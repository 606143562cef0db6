#include "bot/github/governor.hpp"

#include <algorithm>

#include "bot/github/rate_limit.hpp"
#include "bot/log/log.hpp"
#include "bot/util/time_format.hpp"

namespace calico::github {

namespace {
constexpr auto kLongestGuess = std::chrono::minutes(15);
}  // namespace

Governor::Governor(std::string credential, std::optional<Pause> restored, std::function<void(const Pause&)> keep, Clock clock)
    : credential_(std::move(credential)), keep_(std::move(keep)), clock_(clock ? std::move(clock) : Clock(util::system_now)) {
  if (restored) pause_ = *restored;
}

std::optional<Pause> Governor::paused() const {
  std::lock_guard lock(mutex_);
  if (clock_() < pause_.until) return pause_;
  return std::nullopt;
}

void Governor::check() const {
  if (const auto pause = paused()) {
    throw RateLimitedError("GitHub rate limit for " + credential_ + ": " + pause->reason + "; no request until " +
                               util::iso8601(pause->until),
                           pause->until);
  }
}

void Governor::observe(const http::ClientResponse& response) {
  const auto now = clock_();
  const std::optional<RateLimited> limited = rate_limited(response, now);
  Pause changed;
  {
    std::lock_guard lock(mutex_);
    if (!limited) {
      if (pause_.strikes == 0 || response.status >= 400) return;
      pause_.strikes = 0;  // GitHub answers again: the next guess starts from a minute
      changed = pause_;
    } else {
      auto wait = limited->wait;
      if (limited->guessed) {
        ++pause_.strikes;
        for (int i = 1; i < pause_.strikes && wait < kLongestGuess; ++i) wait *= 2;
        wait = std::min<std::chrono::seconds>(wait, kLongestGuess);
      }
      pause_.until = std::max(pause_.until, now + wait);
      pause_.reason = limited->reason + (pause_.strikes > 1 ? " (" + std::to_string(pause_.strikes) + " in a row)" : "");
      changed = pause_;
      log::warn("github.rate_limited", {{"credentials", credential_}, {"reason", pause_.reason},
                                        {"until", util::iso8601(pause_.until)}, {"strikes", pause_.strikes}});
    }
  }
  if (keep_) keep_(changed);
}

}  // namespace calico::github
