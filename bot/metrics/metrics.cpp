#include "bot/metrics/metrics.hpp"

#include <cstdio>
#include <sstream>

namespace calico::metrics {

void Metrics::count_delivery(std::string_view event, std::string_view outcome) {
  std::lock_guard lock(mutex_);
  ++deliveries_[{std::string(event), std::string(outcome)}];
}

void Metrics::observe_request(std::string_view path, int status, double seconds) {
  std::lock_guard lock(mutex_);
  Histogram& histogram = latency_[std::string(path)];
  for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) ++histogram.buckets[i];
  }
  ++histogram.count;
  histogram.sum += seconds;
  ++responses_[{std::string(path), status}];
}

std::uint64_t Metrics::deliveries(std::string_view event, std::string_view outcome) const {
  std::lock_guard lock(mutex_);
  auto it = deliveries_.find({std::string(event), std::string(outcome)});
  return it == deliveries_.end() ? 0 : it->second;
}

std::string Metrics::render(std::int64_t queue_depth, std::int64_t outbox_backlog) const {
  std::ostringstream out;
  auto number = [](double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.9g", value);
    return std::string(buffer);
  };
  std::lock_guard lock(mutex_);
  out << "# HELP calico_bot_webhook_deliveries_total Webhook deliveries by event and outcome.\n"
      << "# TYPE calico_bot_webhook_deliveries_total counter\n";
  for (const auto& [key, count] : deliveries_) {
    out << "calico_bot_webhook_deliveries_total{event=\"" << key.first << "\",outcome=\"" << key.second << "\"} "
        << count << '\n';
  }
  out << "# HELP calico_bot_http_responses_total HTTP responses by route and status.\n"
      << "# TYPE calico_bot_http_responses_total counter\n";
  for (const auto& [key, count] : responses_) {
    out << "calico_bot_http_responses_total{route=\"" << key.first << "\",status=\"" << key.second << "\"} "
        << count << '\n';
  }
  out << "# HELP calico_bot_http_request_duration_seconds Time from a request read to its answer written.\n"
      << "# TYPE calico_bot_http_request_duration_seconds histogram\n";
  for (const auto& [route, histogram] : latency_) {
    for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
      out << "calico_bot_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\""
          << number(kLatencyBuckets[i]) << "\"} " << histogram.buckets[i] << '\n';
    }
    out << "calico_bot_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} "
        << histogram.count << '\n'
        << "calico_bot_http_request_duration_seconds_sum{route=\"" << route << "\"} " << number(histogram.sum) << '\n'
        << "calico_bot_http_request_duration_seconds_count{route=\"" << route << "\"} " << histogram.count << '\n';
  }
  out << "# HELP calico_bot_build_queue_depth Build requests waiting to start.\n"
      << "# TYPE calico_bot_build_queue_depth gauge\n"
      << "calico_bot_build_queue_depth " << queue_depth << '\n';
  out << "# HELP calico_bot_github_outbox_backlog GitHub writes (statuses, comments, reactions) not yet delivered.\n"
      << "# TYPE calico_bot_github_outbox_backlog gauge\n"
      << "calico_bot_github_outbox_backlog " << outbox_backlog << '\n';
  return out.str();
}

}  // namespace calico::metrics
