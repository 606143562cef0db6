// The webhook intake on its own, without a socket: the answers that need a broken store.
#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "bot/store/deliveries.hpp"
#include "bot/webhook/intake.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/http_client.hpp"

using namespace calico;

namespace {
http::Request signed_request(const std::string& guid, const std::string& body) {
  http::Request request;
  request.method = "POST";
  request.target = "/webhook";
  for (auto [name, value] : testkit::github_headers("push", guid, testkit::kTestSecret, body)) {
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers.emplace_back(name, value);
  }
  request.body = body;
  return request;
}

http::Response handle(webhook::Intake& intake, http::Request request) {
  std::promise<http::Response> answered;
  intake.handle(std::move(request), [&](http::Response response) { answered.set_value(std::move(response)); });
  return answered.get_future().get();
}

// A real store in a scratch directory, and the intake in front of it.
class IntakeTest : public ::testing::Test {
 protected:
  IntakeTest()
      : store_(store_config()),
        intake_({config::Secret(testkit::kTestSecret)}, store_, metrics_, [this] { ++recorded_callbacks_; }) {}

  config::StoreConfig store_config() const {
    config::StoreConfig c;
    c.path = dir_.path() / "state.sqlite";
    return c;
  }

  testkit::ScratchDir dir_;
  store::Store store_;
  metrics::Metrics metrics_;
  std::atomic<int> recorded_callbacks_{0};
  webhook::Intake intake_;
};
}  // namespace

TEST_F(IntakeTest, AStoreThatCannotRecordGives503AndNoAcknowledgement) {
  EXPECT_EQ(handle(intake_, signed_request("ok-1", testkit::payload("push_tag.json"))).status, 202);
  EXPECT_EQ(recorded_callbacks_, 1);

  store_.stop();  // as if the disk had gone away: every write now fails
  const http::Response refused = handle(intake_, signed_request("lost-1", testkit::payload("push_tag.json")));
  EXPECT_EQ(refused.status, 503);
  EXPECT_NE(refused.body.find("redeliver"), std::string::npos);
  EXPECT_EQ(recorded_callbacks_, 1);
  EXPECT_EQ(metrics_.deliveries("push", "store_failed"), 1u);
}

TEST_F(IntakeTest, ChecksTheSignatureBeforeAnythingItSigns) {
  http::Request request = signed_request("order-1", "{}");
  for (auto& [name, value] : request.headers) {
    if (name == "content-type") value = "text/plain";
    if (name == "x-hub-signature-256") value = "sha256=bad";
  }
  // A tampered request is refused as such, whatever else is wrong with it.
  EXPECT_EQ(handle(intake_, request).status, 401);
  EXPECT_EQ(metrics_.deliveries("push", "bad_signature"), 1u);
  // Signed, with a content type the bot cannot read: 415.
  http::Request text = signed_request("order-2", "{}");
  for (auto& [name, value] : text.headers) {
    if (name == "content-type") value = "text/plain";
  }
  EXPECT_EQ(handle(intake_, text).status, 415);
  EXPECT_EQ(store_.call([](store::Database& db) { return store::count_deliveries(db); }), 0);
  EXPECT_EQ(recorded_callbacks_, 0);
}

TEST_F(IntakeTest, EveryEventGitHubDocumentsIsAcceptedEvenWithDigitsInItsName) {
  int n = 0;
  for (const std::string event : {"projects_v2_item", "projects_v2", "security_and_analysis", "workflow_run",
                                  "branch_protection_configuration"}) {
    http::Request request = signed_request("5f2b9c1e-0000-11ef-8a3e-00000000000" + std::to_string(n++), R"({"action":"edited","repository":{"full_name":"projectcalico/felix"}})");
    for (auto& [name, value] : request.headers) {
      if (name == "x-github-event") value = event;
    }
    const http::Response answer = handle(intake_, request);
    EXPECT_EQ(answer.status, 200) << event << ": " << answer.body;
    EXPECT_NE(answer.body.find("ignored"), std::string::npos) << answer.body;
    // A tampered copy is a 401, not a 400.
    for (auto& [name, value] : request.headers) {
      if (name == "x-hub-signature-256") value = "sha256=" + std::string(64, '0');
    }
    EXPECT_EQ(handle(intake_, request).status, 401) << event;
  }
}

TEST_F(IntakeTest, RemembersTheHookADeliveryCameThroughForRecovery) {
  auto with_hook = [](http::Request request, const std::string& id, const std::string& type) {
    std::erase_if(request.headers, [](const auto& header) { return header.first.starts_with("x-github-hook"); });
    request.headers.emplace_back("x-github-hook-id", id);
    request.headers.emplace_back("x-github-hook-installation-target-type", type);
    return request;
  };
  const std::string push = testkit::payload("push_tag.json");
  EXPECT_EQ(handle(intake_, with_hook(signed_request("hook-1", push), "4711", "repository")).status, 202);
  EXPECT_EQ(handle(intake_, with_hook(signed_request("hook-2", push), "99", "integration")).status, 202);
  // Headers that do not look like GitHub's are not kept, and the delivery is recorded all the same.
  EXPECT_EQ(handle(intake_, with_hook(signed_request("hook-3", push), "12x", "repository")).status, 202);
  EXPECT_EQ(handle(intake_, with_hook(signed_request("hook-4", push), "7", "marketplace")).status, 202);
  EXPECT_EQ(handle(intake_, with_hook(signed_request("hook-5", push), "0123", "repository")).status, 202);
  const auto hooks = store_.call([](store::Database& db) { return store::known_hooks(db); });
  ASSERT_EQ(hooks.size(), 2u);
  const auto repository_hook = hooks[0].hook_id == 4711 ? hooks[0] : hooks[1];
  const auto app_hook = hooks[0].hook_id == 4711 ? hooks[1] : hooks[0];
  EXPECT_EQ(repository_hook.hook_id, 4711);
  EXPECT_EQ(repository_hook.target_type, "repository");
  EXPECT_EQ(repository_hook.target, "projectcalico/felix");
  EXPECT_EQ(app_hook.hook_id, 99);
  EXPECT_EQ(app_hook.target_type, "integration");
  EXPECT_EQ(app_hook.target, "");
  EXPECT_EQ(store_.call([](store::Database& db) { return store::count_deliveries(db); }), 5);
}
