// Counters and a latency histogram, rendered in Prometheus' text exposition format at /metrics.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace calico::metrics {

class Metrics {
 public:
  // outcome: recorded, duplicate, ignored, ping, rejected_signature, malformed, ...
  void count_delivery(std::string_view event, std::string_view outcome);
  void observe_request(std::string_view path, int status, double seconds);

  // Gauges the caller reads from the store: pending build requests, and GitHub messages not yet
  // delivered (a growing backlog means GitHub refuses or cannot be reached).
  std::string render(std::int64_t queue_depth, std::int64_t outbox_backlog = 0) const;

  std::uint64_t deliveries(std::string_view event, std::string_view outcome) const;

  static constexpr std::array<double, 12> kLatencyBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02,
                                                             0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> deliveries_;
  // Per path label ("webhook", "healthz", "metrics", "other") and status class.
  struct Histogram {
    std::array<std::uint64_t, kLatencyBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  std::map<std::string, Histogram> latency_;
  std::map<std::pair<std::string, int>, std::uint64_t> responses_;
};

}  // namespace calico::metrics
