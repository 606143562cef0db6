// The webhook intake on its own, without a socket: the answers that need a broken store.
#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "bot/store/build_queue.hpp"
#include "bot/store/deliveries.hpp"
#include "bot/webhook/intake.hpp"
#include "handlers/registry.hpp"
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

constexpr const char* kMasterChanged =
    "projectcalico/networking-calico master changed to f0e1d2c3b4a5968778695a4b3c2d1e0f11223344";

// The intake with its processor, whose worker is not started: whatever the intake does not
// handle itself stays waiting until a test runs a pass.
class IntakeHandlingTest : public ::testing::Test {
 protected:
  IntakeHandlingTest()
      : config_(testkit::test_config(dir_.path())),
        store_(config_.store),
        processor_(store_, config_, handlers::default_registry()),
        intake_({config::Secret(testkit::kTestSecret)}, store_, metrics_, [this] { ++waiting_callbacks_; }, &processor_) {}

  std::optional<store::ReceivedDelivery> find(const std::string& guid) {
    return store_.call([&](store::Database& db) { return store::find_delivery(db, guid); });
  }
  std::int64_t count(const std::string& sql) {
    return store_.call([&](store::Database& db) {
      store::Statement query = db.prepare(sql);
      query.step();
      return query.column_int(0);
    });
  }

  testkit::ScratchDir dir_;
  config::Config config_;
  store::Store store_;
  metrics::Metrics metrics_;
  webhook::DeliveryProcessor processor_;
  std::atomic<int> waiting_callbacks_{0};
  webhook::Intake intake_;
};
}  // namespace

TEST_F(IntakeHandlingTest, ADeliveryIsRecordedAlreadyProcessedWithWhatItsHandlersAskedFor) {
  EXPECT_EQ(handle(intake_, signed_request("tag-1", testkit::payload("push_tag.json"))).status, 202);
  const auto tag = find("tag-1");
  ASSERT_TRUE(tag);
  EXPECT_TRUE(tag->processed_at.has_value());
  EXPECT_EQ(tag->outcome.value_or(""), "release build of v3.4.1 for calico-3.4 requested");
  EXPECT_EQ(count("SELECT count(*) FROM build_requests WHERE delivery = 'tag-1'"), 1);

  EXPECT_EQ(handle(intake_, signed_request("master-1", testkit::payload("push_branch.json"))).status, 202);
  EXPECT_EQ(find("master-1")->outcome.value_or(""), kMasterChanged);
  EXPECT_EQ(count("SELECT count(*) FROM master_changes WHERE delivery = 'master-1'"), 1);
  // A redelivery changes nothing and asks for nothing again.
  const http::Response again = handle(intake_, signed_request("tag-1", testkit::payload("push_tag.json")));
  EXPECT_EQ(again.status, 202);
  EXPECT_NE(again.body.find("duplicate"), std::string::npos) << again.body;
  EXPECT_EQ(count("SELECT count(*) FROM build_requests"), 1);
  EXPECT_EQ(find("tag-1")->outcome, tag->outcome);

  // The same tag pushed again under another GUID: recorded, and its outcome says what was written.
  EXPECT_EQ(handle(intake_, signed_request("tag-2", testkit::payload("push_tag.json"))).status, 202);
  EXPECT_EQ(find("tag-2")->outcome.value_or(""),
            "release build of v3.4.1 for calico-3.4 requested; v3.4.1 for calico-3.4 was already pending: coalesced");
  EXPECT_EQ(count("SELECT count(*) FROM build_requests"), 1);

  EXPECT_EQ(waiting_callbacks_, 0) << "nothing was left for the processor";
  EXPECT_EQ(processor_.process_pending(), 0u);
}

TEST_F(IntakeHandlingTest, ADeliveryWaitsBehindAnOlderOneStillWaitingAndBothAreProcessedInOrder) {
  // Recorded by a replica that died before its handlers ran.
  store::Delivery older{"older-1", "push", "", "projectcalico/felix", testkit::payload("push_tag.json"), "2026-12-06T00:00:00Z"};
  store_.call([&](store::Database& db) { store::record_delivery(db, older); });

  EXPECT_EQ(handle(intake_, signed_request("newer-1", testkit::payload("push_branch.json"))).status, 202);
  EXPECT_FALSE(find("newer-1")->processed_at) << "not handled ahead of the older delivery";
  EXPECT_EQ(count("SELECT count(*) FROM master_changes"), 0);
  EXPECT_EQ(waiting_callbacks_, 1) << "the processor is woken for it";

  EXPECT_EQ(processor_.process_pending(), 2u);
  const auto first = find("older-1");
  const auto second = find("newer-1");
  ASSERT_TRUE(first && first->processed_at && second && second->processed_at);
  EXPECT_LE(*first->processed_at, *second->processed_at);
  EXPECT_EQ(first->outcome.value_or(""), "release build of v3.4.1 for calico-3.4 requested");
  EXPECT_EQ(second->outcome.value_or(""), kMasterChanged);
  EXPECT_EQ(count("SELECT count(*) FROM master_changes WHERE delivery = 'newer-1'"), 1);
}

TEST_F(IntakeHandlingTest, ResultsThatCannotBeWrittenLeaveTheDeliveryRecordedForTheProcessor) {
  store_.call([](store::Database& db) {
    db.exec("CREATE TRIGGER refuse_marks BEFORE INSERT ON master_changes BEGIN SELECT RAISE(ABORT, 'refused by the test'); END");
  });
  EXPECT_EQ(handle(intake_, signed_request("master-2", testkit::payload("push_branch.json"))).status, 202);
  const auto waiting = find("master-2");
  ASSERT_TRUE(waiting) << "acknowledged, so recorded";
  EXPECT_FALSE(waiting->processed_at) << "its results were not written, so it waits";
  EXPECT_EQ(waiting->delivery.payload, testkit::payload("push_branch.json"));
  EXPECT_EQ(count("SELECT count(*) FROM deliveries"), 1);
  EXPECT_EQ(waiting_callbacks_, 1);

  store_.call([](store::Database& db) { db.exec("DROP TRIGGER refuse_marks"); });
  EXPECT_EQ(processor_.process_pending(), 1u);
  EXPECT_EQ(find("master-2")->outcome.value_or(""), kMasterChanged);
  EXPECT_EQ(count("SELECT count(*) FROM master_changes WHERE delivery = 'master-2'"), 1);
}

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
