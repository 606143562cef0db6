#include "bot/github/rate_limit.hpp"

#include <algorithm>
#include <charconv>

namespace calico::github {

namespace {

std::optional<long long> number(const std::string& text) {
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<RateLimited> rate_limited(const http::ClientResponse& response, std::chrono::sys_seconds now) {
  if (response.status != 403 && response.status != 429) return std::nullopt;
  if (const auto retry_after = number(response.header("retry-after")); retry_after && *retry_after >= 0) {
    return RateLimited{std::chrono::seconds(std::min<long long>(*retry_after, 3600)),
                       "HTTP " + std::to_string(response.status) + " with retry-after " + std::to_string(*retry_after)};
  }
  if (response.header("x-ratelimit-remaining") == "0") {
    const auto reset = number(response.header("x-ratelimit-reset"));
    const long long wait = reset ? std::clamp<long long>(*reset - now.time_since_epoch().count(), 1, 3600) : 60;
    return RateLimited{std::chrono::seconds(wait), "rate limit used up; it resets in " + std::to_string(wait) + " s"};
  }
  std::string body = response.body.substr(0, 2000);
  std::transform(body.begin(), body.end(), body.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (response.status == 429 || body.find("rate limit") != std::string::npos) {
    return RateLimited{std::chrono::seconds(60), "secondary rate limit (HTTP " + std::to_string(response.status) + ")", true};
  }
  return std::nullopt;
}

}  // namespace calico::github
