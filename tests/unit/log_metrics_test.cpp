#include <gtest/gtest.h>

#include <cmath>

#include "bot/log/log.hpp"
#include "bot/metrics/metrics.hpp"

using namespace calico;

TEST(Log, LogfmtQuotesAndEscapesValues) {
  const std::string line = log::format_line(log::Level::info, config::LogFormat::logfmt, "T", "webhook.refused",
                                            {{"delivery", "abc"}, {"reason", "bad \"sig\"\nnext"}, {"empty", ""}, {"n", 3}});
  EXPECT_EQ(line, "ts=T level=info event=webhook.refused delivery=abc reason=\"bad \\\"sig\\\"\\nnext\" empty=\"\" n=3\n");
}

TEST(Log, JsonLinesAreJson) {
  const std::string line = log::format_line(log::Level::error, config::LogFormat::json, "T", "x",
                                            {{"path", "a\\b"}, {"ctl", "\x01"}, {"ok", true}});
  EXPECT_EQ(line, "{\"ts\":\"T\",\"level\":\"error\",\"event\":\"x\",\"path\":\"a\\\\b\",\"ctl\":\"\\u0001\",\"ok\":true}\n");
}

TEST(Log, JsonValuesKeepTheirTypesAndTheLinesOwnKeysCannotBeTaken) {
  const std::string line = log::format_line(log::Level::info, config::LogFormat::json, "T", "webhook.recorded",
                                            {{"event", "push"}, {"n", 3}, {"ratio", 0.5}, {"text", "3"}, {"no", false}});
  EXPECT_EQ(line,
            "{\"ts\":\"T\",\"level\":\"info\",\"event\":\"webhook.recorded\",\"field.event\":\"push\",\"n\":3,"
            "\"ratio\":0.5,\"text\":\"3\",\"no\":false}\n");
  const std::string nan = log::format_line(log::Level::info, config::LogFormat::json, "T", "x", {{"v", std::nan("")}});
  EXPECT_NE(nan.find("\"v\":\""), std::string::npos) << "JSON has no NaN: " << nan;
}

TEST(Log, LevelsFilter) {
  log::configure(log::Level::warn, config::LogFormat::logfmt);
  EXPECT_FALSE(log::enabled(log::Level::info));
  EXPECT_TRUE(log::enabled(log::Level::error));
  log::configure(log::Level::info, config::LogFormat::logfmt);
  EXPECT_TRUE(log::enabled(log::Level::info));
  EXPECT_FALSE(log::enabled(log::Level::debug));
  log::configure(log::Level::warn, config::LogFormat::logfmt);
}

TEST(Metrics, RendersPrometheusText) {
  metrics::Metrics m;
  m.count_delivery("push", "recorded");
  m.count_delivery("push", "recorded");
  m.count_delivery("ping", "ping");
  m.observe_request("webhook", 202, 0.003);
  m.observe_request("webhook", 401, 2.0);
  const std::string text = m.render(7);
  EXPECT_NE(text.find("calico_bot_webhook_deliveries_total{event=\"push\",outcome=\"recorded\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("calico_bot_webhook_deliveries_total{event=\"ping\",outcome=\"ping\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("calico_bot_http_request_duration_seconds_bucket{route=\"webhook\",le=\"0.0025\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("calico_bot_http_request_duration_seconds_bucket{route=\"webhook\",le=\"0.005\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("calico_bot_http_request_duration_seconds_bucket{route=\"webhook\",le=\"+Inf\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("calico_bot_http_request_duration_seconds_count{route=\"webhook\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("calico_bot_http_responses_total{route=\"webhook\",status=\"401\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("calico_bot_build_queue_depth 7\n"), std::string::npos);
  EXPECT_EQ(m.deliveries("push", "recorded"), 2u);
}
