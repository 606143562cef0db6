// The real service, in process, on loopback: every answer the webhook intake gives, and what
// ends up in the SQLite file (read through a second connection, as an operator would).
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <atomic>
#include <thread>

#include "bot/service.hpp"
#include "bot/store/sqlite/connection.hpp"
#include "bot/store/database.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/http_client.hpp"

using namespace calico;
using testkit::github_headers;
using testkit::HttpClient;
using testkit::HttpResult;

class WebhookHttpTest : public ::testing::Test {
 protected:
  void SetUp() override { start(testkit::test_config(dir_.path())); }
  void TearDown() override { service_.reset(); }

  void start(config::Config config) {
    config_path_ = config.store.path;
    service_ = std::make_unique<Service>(std::move(config));
    service_->start();
  }

  HttpClient client() { return HttpClient("127.0.0.1", service_->port()); }

  HttpResult deliver(const std::string& event, const std::string& guid, const std::string& body,
                     const std::string& content_type = "application/json",
                     const std::string& secret = testkit::kTestSecret) {
    HttpClient c = client();
    return c.request("POST", "/webhook", github_headers(event, guid, secret, body, content_type), body);
  }

  // Reads the store through its own connection.
  std::int64_t count(const std::string& sql) {
    store::sqlite::Connection db(config_path_);
    store::Statement s = db.prepare(sql);
    s.step();
    return s.column_int(0);
  }
  std::string text(const std::string& sql) {
    store::sqlite::Connection db(config_path_);
    store::Statement s = db.prepare(sql);
    return s.step() ? s.column_text(0) : std::string("<no row>");
  }
  // Handlers run after the 202, on the processor thread: wait for them.
  void wait_processed() {
    if (!testkit::eventually([&] { return count("SELECT count(*) FROM deliveries WHERE processed_at IS NULL") == 0; }, std::chrono::seconds(5))) {
      FAIL() << "deliveries were not processed";
    }
  }

  testkit::ScratchDir dir_;
  std::filesystem::path config_path_;
  std::unique_ptr<Service> service_;
};

TEST_F(WebhookHttpTest, TagPushIsRecordedThenBecomesAReleaseRequest) {
  const HttpResult r = deliver("push", "11111111-aaaa-bbbb-cccc-000000000001", testkit::payload("push_tag.json"));
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, "{\"status\":\"recorded\",\"delivery\":\"11111111-aaaa-bbbb-cccc-000000000001\"}\n");
  EXPECT_EQ(count("SELECT count(*) FROM deliveries WHERE guid = '11111111-aaaa-bbbb-cccc-000000000001'"), 1);
  wait_processed();
  EXPECT_EQ(text("SELECT target_repo || ' ' || version || ' ' || state FROM build_requests"), "calico-3.4 v3.4.1 pending");
  EXPECT_EQ(text("SELECT outcome FROM deliveries"), "release build of v3.4.1 for calico-3.4 requested");
  // The commit the tag names: where the build reports if it ends before any job.
  EXPECT_EQ(text("SELECT repository || ' ' || trigger_commit FROM build_requests"),
            "projectcalico/felix 6d1c5b9e0a3f4e2b8c7d6e5f4a3b2c1d0e9f8a7b");
}

TEST_F(WebhookHttpTest, MasterPushMarksMasterChanged) {
  EXPECT_EQ(deliver("push", "m-1", testkit::payload("push_branch.json")).status, 202);
  wait_processed();
  EXPECT_EQ(text("SELECT repository || ' ' || branch || ' ' || sha FROM master_changes"),
            "projectcalico/networking-calico master f0e1d2c3b4a5968778695a4b3c2d1e0f11223344");
  EXPECT_EQ(count("SELECT count(*) FROM build_requests"), 0);
}

TEST_F(WebhookHttpTest, FormEncodedDeliveryIsAccepted) {
  const std::string json = testkit::payload("create_tag.json");
  const HttpResult r = deliver("create", "form-1", testkit::form_encode_payload(json), "application/x-www-form-urlencoded");
  EXPECT_EQ(r.status, 202) << r.body;
  EXPECT_EQ(text("SELECT payload FROM deliveries WHERE guid = 'form-1'"), json);
  wait_processed();
  EXPECT_EQ(text("SELECT target_repo FROM build_requests"), "calico-3.4");
}

TEST_F(WebhookHttpTest, UnicodeBodiesAreStoredByteForByte) {
  const std::string json = testkit::payload("issue_comment_pr.json");
  ASSERT_NE(json.find("\xf0\x9f\x9a\x80"), std::string::npos);
  EXPECT_EQ(deliver("issue_comment", "uni-1", json, "application/json; charset=utf-8").status, 202);
  EXPECT_EQ(text("SELECT payload FROM deliveries WHERE guid = 'uni-1'"), json);
  const std::string form = testkit::form_encode_payload(json);
  EXPECT_EQ(deliver("issue_comment", "uni-2", form, "application/x-www-form-urlencoded").status, 202);
  EXPECT_EQ(text("SELECT payload FROM deliveries WHERE guid = 'uni-2'"), json);
}

TEST_F(WebhookHttpTest, RedeliveryIsRecordedAndProcessedOnce) {
  const std::string body = testkit::payload("push_tag.json");
  EXPECT_EQ(deliver("push", "dup-1", body).status, 202);
  wait_processed();
  const HttpResult again = deliver("push", "dup-1", body);
  EXPECT_EQ(again.status, 202);
  EXPECT_NE(again.body.find("\"status\":\"duplicate\""), std::string::npos);
  wait_processed();
  EXPECT_EQ(count("SELECT count(*) FROM deliveries"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM build_requests"), 1);
}

TEST_F(WebhookHttpTest, PushAndCreateForOneTagGiveOneRequest) {
  EXPECT_EQ(deliver("push", "pair-1", testkit::payload("push_tag.json")).status, 202);
  std::string create = testkit::payload("create_tag.json");  // networking-calico v3.4.1
  EXPECT_EQ(deliver("create", "pair-2", create).status, 202);
  wait_processed();
  EXPECT_EQ(count("SELECT count(*) FROM deliveries"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM build_requests"), 1);
  EXPECT_EQ(text("SELECT outcome FROM deliveries WHERE guid = 'pair-2'"),
            "release build of v3.4.1 for calico-3.4 requested; v3.4.1 for calico-3.4 was already pending: coalesced");
}

TEST_F(WebhookHttpTest, PingGets200AndIsNotQueued) {
  const HttpResult r = deliver("ping", "ping-1", testkit::payload("ping.json"));
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("\"status\":\"pong\""), std::string::npos);
  EXPECT_EQ(count("SELECT count(*) FROM deliveries"), 0);
}

TEST_F(WebhookHttpTest, UnusedEventsAndActionsGet200AndAreIgnored) {
  for (const auto& [event, fixture] : std::vector<std::pair<std::string, std::string>>{
           {"watch", "watch_started.json"}, {"release", "release_edited.json"},
           {"issue_comment", "issue_comment_edited.json"}, {"issue_comment", "issue_comment_bot.json"},
           {"issue_comment", "issue_comment_issue.json"}}) {
    const HttpResult r = deliver(event, "ign-" + std::to_string(std::hash<std::string>{}(fixture)), testkit::payload(fixture));
    EXPECT_EQ(r.status, 200) << fixture;
    EXPECT_NE(r.body.find("\"status\":\"ignored\""), std::string::npos) << r.body;
  }
  EXPECT_EQ(count("SELECT count(*) FROM deliveries"), 0);
}

TEST_F(WebhookHttpTest, BadOrMissingSignatureIs401AndStoresNothing) {
  const std::string body = testkit::payload("push_tag.json");
  auto headers = github_headers("push", "sig-1", testkit::kTestSecret, body);
  headers.back().second = "sha256=" + std::string(64, '0');
  HttpClient c = client();
  EXPECT_EQ(c.request("POST", "/webhook", headers, body).status, 401);
  headers.pop_back();
  EXPECT_EQ(c.request("POST", "/webhook", headers, body).status, 401);
  EXPECT_EQ(deliver("push", "sig-2", body, "application/json", "wrong-secret").status, 401);
  // Signed over the JSON, sent as a form: the signature covers the raw body, so this fails.
  auto form_headers = github_headers("push", "sig-3", testkit::kTestSecret, body, "application/x-www-form-urlencoded");
  EXPECT_EQ(c.request("POST", "/webhook", form_headers, testkit::form_encode_payload(body)).status, 401);
  EXPECT_EQ(count("SELECT count(*) FROM deliveries"), 0);
}

TEST_F(WebhookHttpTest, PreviousSecretStillWorksDuringRotation) {
  EXPECT_EQ(deliver("push", "rot-1", testkit::payload("push_tag.json"), "application/json", testkit::kPreviousSecret).status, 202);
}

TEST_F(WebhookHttpTest, MissingHeadersOrMalformedBodiesAre400) {
  const std::string body = testkit::payload("push_tag.json");
  HttpClient c = client();
  auto without = [&](const std::string& name) {
    auto headers = github_headers("push", "hdr-1", testkit::kTestSecret, body);
    std::erase_if(headers, [&](const auto& h) { return h.first == name; });
    return c.request("POST", "/webhook", headers, body).status;
  };
  EXPECT_EQ(without("X-GitHub-Event"), 400);
  EXPECT_EQ(without("X-GitHub-Delivery"), 400);
  EXPECT_EQ(deliver("push", "bad guid with spaces", body).status, 400);
  EXPECT_EQ(deliver("Push!", "g-1", body).status, 400);
  EXPECT_EQ(deliver("push", "bad-json", "{\"ref\": ").status, 400);
  EXPECT_EQ(deliver("push", "not-object", "[1,2,3]").status, 400);
  EXPECT_EQ(deliver("push", "no-ref", R"({"after":"x","repository":{"full_name":"projectcalico/felix"}})").status, 400);
  EXPECT_EQ(deliver("push", "form-no-payload", "other=1", "application/x-www-form-urlencoded").status, 400);
  const HttpResult bad_utf8 = deliver("push", "bad-utf8", "{\"ref\":\"\xc3\x28\"}");
  EXPECT_EQ(bad_utf8.status, 400);
  EXPECT_NE(bad_utf8.body.find("not valid JSON"), std::string::npos);
  EXPECT_EQ(count("SELECT count(*) FROM deliveries"), 0);
}

TEST_F(WebhookHttpTest, OtherContentTypesAre415) {
  EXPECT_EQ(deliver("push", "ct-1", testkit::payload("push_tag.json"), "text/plain").status, 415);
  EXPECT_EQ(deliver("push", "ct-2", testkit::payload("push_tag.json"), "multipart/form-data; boundary=x").status, 415);
}

TEST_F(WebhookHttpTest, BodiesUpTo25MiBAreAcceptedAndLargerAre413) {
  // A real-sized large payload: a push whose commit list pads it to 20 MiB.
  std::string big = testkit::payload("push_branch.json");
  big.insert(big.rfind('}'), ",\"padding\":\"" + std::string(20 * 1024 * 1024, 'x') + "\"");
  EXPECT_EQ(deliver("push", "big-ok", big).status, 202);
  EXPECT_EQ(count("SELECT length(payload) FROM deliveries WHERE guid = 'big-ok'"), static_cast<std::int64_t>(big.size()));

  const std::string too_big(25 * 1024 * 1024 + 1, ' ');
  const HttpResult r = deliver("push", "big-no", too_big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(count("SELECT count(*) FROM deliveries WHERE guid = 'big-no'"), 0);
  // Counted under the webhook's route, whatever stage refused it (the length announced or sent).
  HttpClient c = client();
  EXPECT_EQ(c.raw("POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n").status, 413);
  const std::string metrics = client().request("GET", "/metrics", {}).body;
  EXPECT_EQ(metrics.find("route=\"other\",status=\"413\""), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("route=\"webhook\",status=\"413\""), std::string::npos) << metrics;
}

TEST_F(WebhookHttpTest, WrongMethodIs405WrongPathIs404) {
  HttpClient c = client();
  const HttpResult get = c.request("GET", "/webhook", {});
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.header("Allow"), "POST");
  EXPECT_EQ(c.request("PUT", "/webhook", {}, "{}").status, 405);
  EXPECT_EQ(c.request("POST", "/webhooks", {}, "{}").status, 404);
  EXPECT_EQ(c.request("GET", "/nowhere", {}).status, 404);
  EXPECT_EQ(c.request("POST", "/healthz", {}).status, 405);
}

TEST_F(WebhookHttpTest, GarbageRequestIs400NotACrash) {
  HttpClient c = client();
  EXPECT_EQ(c.raw("THIS IS NOT HTTP\r\n\r\n").status, 400);
  HttpClient d = client();
  EXPECT_EQ(d.raw("POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n").status, 400);
  // The server is still there.
  EXPECT_EQ(client().request("GET", "/healthz", {}).status, 200);
}

TEST_F(WebhookHttpTest, EveryRefusalIsJson) {
  HttpClient c = client();
  const std::vector<HttpResult> answers = {
      c.request("GET", "/webhook", {}), c.request("GET", "/nowhere", {}), client().raw("THIS IS NOT HTTP\r\n\r\n"),
      client().raw("POST /webhook HTTP/1.1\r\nHost: x\r\n" + std::string("X-Big: ") + std::string(200000, 'a') + "\r\n\r\n"),
      deliver("push", "json-413", std::string(25 * 1024 * 1024 + 1, ' '))};
  for (const HttpResult& answer : answers) {
    EXPECT_EQ(answer.header("Content-Type"), "application/json") << answer.status << ": " << answer.body;
    boost::system::error_code error;
    const boost::json::value body = boost::json::parse(answer.body, error);
    ASSERT_FALSE(error) << answer.status << ": " << answer.body;
    EXPECT_EQ(body.at("status").as_string(), "refused") << answer.body;
    EXPECT_FALSE(body.at("detail").as_string().empty());
  }
  EXPECT_EQ(answers[3].status, 431);
  EXPECT_EQ(answers[4].status, 413);
}

TEST_F(WebhookHttpTest, ExpectContinueIsAnsweredBeforeTheBody) {
  // curl sends "Expect: 100-continue" for bodies over 1 KiB and waits for the 100 (a second, then
  // sends anyway): the bot answers it at once.
  const std::string body = testkit::payload("push_tag.json");
  std::string head = "POST /webhook HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& [name, value] : testkit::github_headers("push", "continue-1", testkit::kTestSecret, body)) {
    head += name + ": " + value + "\r\n";
  }
  HttpClient c = client();
  EXPECT_EQ(c.raw(head + "\r\n").status, 100);
  EXPECT_EQ(c.raw(body).status, 202);
  EXPECT_EQ(count("SELECT count(*) FROM deliveries WHERE guid = 'continue-1'"), 1);
}

TEST_F(WebhookHttpTest, HealthzAnswersWithinItsOwnTimeoutWhenTheStoreIsBusy) {
  // Another connection holds the write lock: the store thread waits on it (busy timeout 5 s).
  store::sqlite::Connection other(config_path_);
  other.exec("BEGIN IMMEDIATE");
  const auto started = std::chrono::steady_clock::now();
  const HttpResult health = client().request("GET", "/healthz", {});
  EXPECT_EQ(health.status, 503) << health.body;
  EXPECT_NE(health.body.find("did not answer within 2 s"), std::string::npos) << health.body;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4));
  other.exec("ROLLBACK");
  EXPECT_EQ(client().request("GET", "/healthz", {}).status, 200);
}

TEST_F(WebhookHttpTest, HealthAndMetrics) {
  HttpClient c = client();
  const HttpResult health = c.request("GET", "/healthz", {});
  EXPECT_EQ(health.status, 200);
  EXPECT_NE(health.body.find("\"status\":\"ok\""), std::string::npos) << health.body;
  EXPECT_NE(health.body.find("\"recovery\":{"), std::string::npos) << health.body;
  EXPECT_EQ(deliver("push", "met-1", testkit::payload("push_tag.json")).status, 202);
  EXPECT_EQ(deliver("push", "met-2", "{", "application/json").status, 400);
  wait_processed();
  // A request's duration is observed once its answer has been written, which may be just after
  // the client has read it: wait for both webhook requests to be counted.
  HttpResult metrics;
  EXPECT_TRUE(testkit::eventually([&] {
    metrics = c.request("GET", "/metrics", {});
    return metrics.body.find("calico_bot_http_request_duration_seconds_count{route=\"webhook\"} 2\n") != std::string::npos;
  })) << metrics.body;
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(metrics.body.find("calico_bot_webhook_deliveries_total{event=\"push\",outcome=\"recorded\"} 1\n"), std::string::npos)
      << metrics.body;
  EXPECT_NE(metrics.body.find("calico_bot_webhook_deliveries_total{event=\"push\",outcome=\"malformed\"} 1\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("calico_bot_http_request_duration_seconds_count{route=\"webhook\"} 2\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("calico_bot_build_queue_depth 1\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("calico_bot_github_outbox_backlog 0\n"), std::string::npos);
}

TEST_F(WebhookHttpTest, KeepAliveConnectionCarriesManyDeliveries) {
  HttpClient c = client();
  const std::string body = testkit::payload("push_branch.json");
  for (int i = 0; i < 50; ++i) {
    const std::string guid = "ka-" + std::to_string(i);
    EXPECT_EQ(c.request("POST", "/webhook", github_headers("push", guid, testkit::kTestSecret, body), body).status, 202);
  }
  EXPECT_EQ(count("SELECT count(*) FROM deliveries"), 50);
}

TEST_F(WebhookHttpTest, GracefulStopKeepsEveryAcknowledgedDelivery) {
  // Clients keep sending while the service stops: every 202 must be in the store afterwards,
  // and an idle keep-alive connection must not hold the stop up.
  HttpClient idle = client();
  EXPECT_EQ(idle.request("GET", "/healthz", {}).status, 200);
  std::atomic<bool> go{true};
  std::atomic<int> acknowledged{0};
  std::vector<std::vector<std::string>> acked(4);
  std::vector<std::thread> senders;
  const std::string body = testkit::payload("push_branch.json");
  const std::uint16_t port = service_->port();
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&, t] {
      try {
        HttpClient c("127.0.0.1", port);
        for (int i = 0; go; ++i) {
          const std::string guid = "stop-" + std::to_string(t) + "-" + std::to_string(i);
          if (c.request("POST", "/webhook", github_headers("push", guid, testkit::kTestSecret, body), body).status == 202) {
            acked[static_cast<std::size_t>(t)].push_back(guid);
            ++acknowledged;
          }
        }
      } catch (const std::exception&) {
        // The server went away mid-request: that delivery was not acknowledged.
      }
    });
  }
  // Stopped while every sender is busy.
  EXPECT_TRUE(testkit::eventually([&] { return acknowledged >= 100; }));
  const auto before = std::chrono::steady_clock::now();
  service_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(4));
  go = false;
  for (auto& s : senders) s.join();
  std::size_t total = 0;
  for (const auto& list : acked) {
    total += list.size();
    for (const std::string& guid : list) {
      ASSERT_EQ(count("SELECT count(*) FROM deliveries WHERE guid = '" + guid + "'"), 1) << guid;
    }
  }
  EXPECT_GT(total, 0u);
}
