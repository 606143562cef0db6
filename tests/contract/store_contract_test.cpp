// The store's contract: every aggregate's operations, run against every engine the store has
// (SQLite, and a real PostgreSQL 15 that the suite starts). What one engine does, the other must.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>

#include "bot/store/approvals.hpp"
#include "bot/store/build_queue.hpp"
#include "bot/store/builds.hpp"
#include "bot/store/commands.hpp"
#include "bot/store/component_refs.hpp"
#include "bot/store/deliveries.hpp"
#include "bot/store/github_pauses.hpp"
#include "bot/store/lp_watches.hpp"
#include "bot/store/migrations.hpp"
#include "bot/store/outbox.hpp"
#include "bot/store/postgresql/migrations.hpp"
#include "bot/store/recovery.hpp"
#include "bot/store/remote_refs.hpp"
#include "bot/store/replicas.hpp"
#include "bot/store/repositories.hpp"
#include "bot/store/reporting.hpp"
#include "bot/store/retention.hpp"
#include "bot/store/sqlite/migrations.hpp"
#include "bot/store/store.hpp"
#include "bot/store/tag_changes.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/postgres_server.hpp"

using namespace calico;
using namespace calico::store;

namespace {

struct SqliteEngine {
  static void set_up() {}
  static void tear_down() {}
  static config::StoreConfig fresh(const std::filesystem::path& dir) {
    config::StoreConfig config;
    config.path = dir / "state.sqlite";
    return config;
  }
  static void set_version(Database& db, int version) { sqlite::set_schema_version(db, version); }
};

struct PostgresqlEngine {
  static void set_up() {}
  static void tear_down() {}
  static config::StoreConfig fresh(const std::filesystem::path&) { return testkit::shared_postgres_server().store_config(); }
  static void set_version(Database& db, int version) { postgresql::set_schema_version(db, version); }
};

template <class Engine>
class StoreContract : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { Engine::set_up(); }
  static void TearDownTestSuite() { Engine::tear_down(); }
  StoreContract() : config_(Engine::fresh(dir_.path())) {}

  Store& store() {
    if (!store_) store_ = std::make_unique<Store>(config_);
    return *store_;
  }
  void reopen() {
    store_.reset();
    store_ = std::make_unique<Store>(config_);
  }

  testkit::ScratchDir dir_;
  config::StoreConfig config_;
  std::unique_ptr<Store> store_;
};

using Engines = ::testing::Types<SqliteEngine, PostgresqlEngine>;
class EngineNames {
 public:
  template <class T>
  static std::string GetName(int) {
    return std::is_same_v<T, SqliteEngine> ? "sqlite" : "postgresql";
  }
};
TYPED_TEST_SUITE(StoreContract, Engines, EngineNames);

handlers::BuildRequest release_request(const std::string& version, const std::string& target) {
  handlers::BuildRequest r;
  r.target_repo = target;
  r.version = version;
  r.repository = "projectcalico/felix";
  r.trigger = "test";
  return r;
}

handlers::CommandInvocation invocation(std::int64_t comment_id, int line, const std::string& author = "alice") {
  handlers::CommandInvocation command;
  command.repository = "projectcalico/felix";
  command.issue_number = 7;
  command.comment_id = comment_id;
  command.author = author;
  command.command.name = "publish";
  command.command.line = "/publish calico-3.4";
  command.command.line_number = line;
  command.command.target = "calico-3.4";
  return command;
}

}  // namespace

TYPED_TEST(StoreContract, CreatesTheSchemaOnceAndReopens) {
  EXPECT_EQ(this->store().call([](Database& db) { return schema_version(db); }), latest_schema_version());
  this->store().call([](Database& db) { record_delivery(db, testkit::push_delivery("a")); });
  this->reopen();
  EXPECT_EQ(this->store().call([](Database& db) { return schema_version(db); }), latest_schema_version());
  EXPECT_EQ(this->store().call([](Database& db) { return count_deliveries(db); }), 1);
}

TYPED_TEST(StoreContract, RefusesAStoreFromANewerBotNamingTheVersionItNeeds) {
  this->store().call([](Database& db) { TypeParam::set_version(db, 999); });
  this->store_.reset();
  try {
    Store store(this->config_);
    FAIL() << "opened a newer store";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 999, newer than this bot knows (" +
                                         std::to_string(latest_schema_version()) + ")"),
              std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("knows schema version 999"), std::string::npos) << e.what();
  }
}

TYPED_TEST(StoreContract, ARedeliveryIsRecordedOnce) {
  Store& store = this->store();
  EXPECT_EQ(store.call([](Database& db) { return record_delivery(db, testkit::push_delivery("guid-1")); }), RecordOutcome::recorded);
  EXPECT_EQ(store.call([](Database& db) { return record_delivery(db, testkit::push_delivery("guid-1")); }), RecordOutcome::duplicate);
  EXPECT_EQ(store.call([](Database& db) { return count_deliveries(db); }), 1);
}

TYPED_TEST(StoreContract, UnprocessedDeliveriesComeOldestFirstAndAreProcessedOnce) {
  Store& store = this->store();
  store.call([](Database& db) {
    for (const char* guid : {"c", "a", "b"}) record_delivery(db, testkit::push_delivery(guid));
  });
  auto pending = store.call([](Database& db) { return unprocessed_deliveries(db, 10); });
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].delivery.guid, "c");
  EXPECT_EQ(pending[2].delivery.guid, "b");
  EXPECT_TRUE(store.call([](Database& db) { return has_unprocessed(db); }));
  store.call([](Database& db) { mark_delivery_processed(db, "a", "done"); });
  EXPECT_THROW(store.call([](Database& db) { mark_delivery_processed(db, "a", "again"); }), DatabaseError);
  EXPECT_EQ(store.call([](Database& db) { return unprocessed_deliveries(db, 10); }).size(), 2u);
  auto found = store.call([](Database& db) { return find_delivery(db, "a"); });
  ASSERT_TRUE(found);
  EXPECT_EQ(found->outcome, "done");
  store.call([](Database& db) {
    mark_delivery_processed(db, "b", "done");
    mark_delivery_processed(db, "c", "done");
  });
  EXPECT_FALSE(store.call([](Database& db) { return has_unprocessed(db); }));
  store.call([](Database& db) {
    record_hook(db, {11, "repository", "projectcalico/felix"});
    record_hook(db, {11, "repository", "projectcalico/calico"});
  });
  const auto hooks = store.call([](Database& db) { return known_hooks(db); });
  ASSERT_EQ(hooks.size(), 1u);
  EXPECT_EQ(hooks[0].target, "projectcalico/calico");
}

TYPED_TEST(StoreContract, PendingRequestsForTheSameBuildCoalesce) {
  Store& store = this->store();
  auto enqueue = [&](const handlers::BuildRequest& r) {
    return store.call([&](Database& db) { return enqueue_build_request(db, r, std::nullopt); });
  };
  EXPECT_EQ(enqueue(release_request("v3.4.1", "calico-3.4")), EnqueueOutcome::queued);
  EXPECT_EQ(enqueue(release_request("v3.4.1", "calico-3.4")), EnqueueOutcome::coalesced);
  EXPECT_EQ(enqueue(release_request("v3.4.2", "calico-3.4")), EnqueueOutcome::queued);
  EXPECT_EQ(store.call([](Database& db) { return pending_build_requests(db); }), 2);
  // A started release is not queued again by the same tag; a maintainer's command is.
  const auto build = store.call([](Database& db) { return claim_next_request(db, 2, "/work", "2026-12-03T00:00:00Z"); });
  ASSERT_TRUE(build);
  EXPECT_EQ(build->version, "v3.4.1");
  EXPECT_EQ(enqueue(release_request("v3.4.1", "calico-3.4")), EnqueueOutcome::already_triggered);
  handlers::BuildRequest command = release_request("v3.4.1", "calico-3.4");
  command.kind = handlers::BuildRequest::Kind::command;
  std::int64_t id = 0;
  EXPECT_EQ(store.call([&](Database& db) { return enqueue_build_request(db, command, std::nullopt, &id); }), EnqueueOutcome::queued);
  EXPECT_GT(id, 0);
  const auto pending = store.call([](Database& db) { return build_requests(db, RequestState::pending); });
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].request.version, "v3.4.2");
  EXPECT_EQ(pending[1].id, id);
}

TYPED_TEST(StoreContract, BuildsAreClaimedOnePerTargetAndRecordTheirJobs) {
  Store& store = this->store();
  store.call([](Database& db) {
    enqueue_build_request(db, release_request("v3.4.1", "calico-3.4"), std::nullopt);
    enqueue_build_request(db, release_request("v3.4.2", "calico-3.4"), std::nullopt);
    handlers::BuildRequest nightly = release_request("master", "master");
    nightly.kind = handlers::BuildRequest::Kind::nightly;
    enqueue_build_request(db, nightly, std::nullopt);
  });
  const auto first = store.call([](Database& db) { return claim_next_request(db, 3, "/work", "2026-12-03T00:00:00Z"); });
  ASSERT_TRUE(first);
  EXPECT_EQ(first->run_dir, "/work/build-" + std::to_string(first->id));
  // The second release of the same target waits; the nightly comes after releases but may run.
  const auto second = store.call([](Database& db) { return claim_next_request(db, 3, "/work", "2026-12-03T00:00:00Z"); });
  ASSERT_TRUE(second);
  EXPECT_EQ(second->target_repo, "master");
  EXPECT_FALSE(store.call([](Database& db) { return claim_next_request(db, 3, "/work", "2026-12-03T00:00:00Z"); }));
  store.call([&](Database& db) {
    record_job(db, first->id, {"felix/xenial", builders::pipeline::JobState::running, "", "/log", "2026-12-03T00:00:01Z", {}});
    record_job(db, first->id, {"felix/xenial", builders::pipeline::JobState::succeeded, "built", "/log", "2026-12-03T00:00:01Z",
                               "2026-12-03T00:00:09Z"});
    record_job(db, first->id, {"felix/bionic", builders::pipeline::JobState::pending, "", "", {}, {}});
  });
  const auto jobs = store.call([&](Database& db) { return build_jobs(db, first->id); });
  ASSERT_EQ(jobs.size(), 2u);
  EXPECT_EQ(jobs[0].job, "felix/xenial");
  EXPECT_EQ(jobs[0].state, builders::pipeline::JobState::succeeded);
  EXPECT_EQ(jobs[0].finished_at.value_or(""), "2026-12-03T00:00:09Z");
  EXPECT_FALSE(jobs[1].started_at);
  EXPECT_TRUE(store.call([&](Database& db) { return request_cancel(db, first->id); }));
  EXPECT_FALSE(store.call([&](Database& db) { return request_cancel(db, first->id); }));
  EXPECT_TRUE(store.call([&](Database& db) { return cancel_requested(db, first->id); }));
  EXPECT_FALSE(store.call([&](Database& db) { return cancel_requested(db, second->id); }));
  store.call([&](Database& db) { finish_build(db, first->id, handlers::BuildState::succeeded, "published"); });
  EXPECT_EQ(store.call([](Database& db) { return builds_in_state(db, handlers::BuildState::running); }).size(), 1u);
  EXPECT_EQ(store.call([](Database& db) { return last_success_started(db, "calico-3.4"); }), first->started_at);
  // With the first done, the next release of the target may start; a deferred one waits its time.
  auto third = store.call([](Database& db) { return claim_next_request(db, 3, "/work", "2026-12-03T00:00:00Z"); });
  ASSERT_TRUE(third);
  EXPECT_EQ(third->version, "v3.4.2");
  store.call([&](Database& db) { defer_request(db, *third, "2026-12-03T01:00:00Z"); });
  EXPECT_FALSE(store.call([](Database& db) { return claim_next_request(db, 3, "/work", "2026-12-03T00:30:00Z"); }));
  EXPECT_TRUE(store.call([](Database& db) { return claim_next_request(db, 3, "/work", "2026-12-03T01:00:00Z"); }));
}

TYPED_TEST(StoreContract, ANewerStatusSupersedesAnUnsentOlderOne) {
  Store& store = this->store();
  auto status = [](const std::string& state) {
    return OutboxMessage{MessageKind::status, "status:felix:abc:calico-3.4:" + state, "{}", "status:felix:abc:calico-3.4"};
  };
  EXPECT_TRUE(store.call([&](Database& db) { return enqueue_outbox(db, status("pending")); }));
  EXPECT_FALSE(store.call([&](Database& db) { return enqueue_outbox(db, status("pending")); }));
  EXPECT_TRUE(store.call([&](Database& db) { return enqueue_outbox(db, status("success")); }));
  store.call([](Database& db) { enqueue_outbox(db, {MessageKind::comment, "comment:1", "{}"}); });
  const auto due = store.call([](Database& db) { return due_outbox(db, "2999-01-01T00:00:00Z", 10); });
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].message.dedupe_key, "status:felix:abc:calico-3.4:success");  // statuses first
  EXPECT_EQ(store.call([](Database& db) { return outbox_backlog(db); }), 2);
  store.call([&](Database& db) {
    mark_outbox_attempt(db, due[0].id);
    mark_outbox_delivered(db, due[0].id, "https://api.github.com/x");
    mark_outbox_retry(db, due[1].id, "2999-06-01T00:00:00Z", "503");
  });
  EXPECT_TRUE(store.call([](Database& db) { return due_outbox(db, "2999-01-01T00:00:00Z", 10); }).empty());
  store.call([&](Database& db) { mark_outbox_abandoned(db, due[1].id, "gone"); });
  const auto abandoned = store.call([](Database& db) { return abandoned_outbox(db, 5); });
  ASSERT_EQ(abandoned.size(), 1u);
  EXPECT_EQ(abandoned[0].last_error.value_or(""), "gone");
  const auto rows = store.call([](Database& db) { return outbox_rows(db); });
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].superseded_by, rows[1].id);
  EXPECT_EQ(rows[1].attempts, 1);
  store.call([](Database& db) {
    remember_edited_resource(db, "summary:x", 41);
    remember_edited_resource(db, "summary:x", 42);
  });
  EXPECT_EQ(store.call([](Database& db) { return edited_resource(db, "summary:x"); }), 42);
  store.call([](Database& db) { forget_edited_resource(db, "summary:x"); });
  EXPECT_FALSE(store.call([](Database& db) { return edited_resource(db, "summary:x"); }));
}

// Every kind comes back as it was queued; a deployment's newer state supersedes its unsent older
// one, not another build's (build-1 is no prefix of build-10), and its id on GitHub is kept under
// its key.
TYPED_TEST(StoreContract, EveryKindIsKeptAndADeploymentsNewerStateSupersedesItsOlderOne) {
  Store& store = this->store();
  const std::string one = "deployment:projectcalico/felix:abc:calico-3.4:build-1";
  const std::string ten = "deployment:projectcalico/felix:abc:calico-3.4:build-10";
  auto deployment = [](const std::string& key, const std::string& state) {
    return OutboxMessage{MessageKind::deployment, key + ":" + state, "{\"state\":\"" + state + "\"}", key};
  };
  store.call([&](Database& db) {
    enqueue_outbox(db, {MessageKind::reaction, "reaction:k", "{}"});
    enqueue_outbox(db, deployment(one, "in_progress"));
    enqueue_outbox(db, deployment(ten, "in_progress"));
    enqueue_outbox(db, {MessageKind::summary, "summary:k", "{}"});
    enqueue_outbox(db, {MessageKind::check, "check:k", "{}"});
    enqueue_outbox(db, deployment(one, "success"));
    enqueue_outbox(db, {MessageKind::comment, "comment:k", "{}"});
    enqueue_outbox(db, {MessageKind::status, "status:k", "{}"});
  });
  const auto due = store.call([](Database& db) { return due_outbox(db, "2999-01-01T00:00:00Z", 20); });
  std::vector<std::pair<std::string, MessageKind>> got;
  for (const OutboxEntry& entry : due) got.emplace_back(entry.message.dedupe_key, entry.message.kind);
  const std::vector<std::pair<std::string, MessageKind>> expected{
      {"check:k", MessageKind::check},          {"status:k", MessageKind::status},
      {"reaction:k", MessageKind::reaction},    {ten + ":in_progress", MessageKind::deployment},
      {"summary:k", MessageKind::summary},      {one + ":success", MessageKind::deployment},
      {"comment:k", MessageKind::comment}};
  EXPECT_EQ(got, expected);
  ASSERT_EQ(due.size(), expected.size());
  EXPECT_EQ(due[5].message.payload, "{\"state\":\"success\"}");
  store.call([&](Database& db) { remember_edited_resource(db, one, 7); });
  EXPECT_EQ(store.call([&](Database& db) { return edited_resource(db, one); }), 7);
  EXPECT_FALSE(store.call([&](Database& db) { return edited_resource(db, ten); }));
}

TYPED_TEST(StoreContract, LaunchpadWatchesShareTheirPpasScheduleAndMarkTheirBuildsForReport) {
  Store& store = this->store();
  const auto build = store.call([](Database& db) {
    enqueue_build_request(db, release_request("v3.4.1", "calico-3.4"), std::nullopt);
    return *claim_next_request(db, 1, "/work", "2026-12-03T00:00:00Z");
  });
  LpWatch watch;
  watch.owner = "project-calico";
  watch.ppa = "calico-3.4";
  watch.source = "felix";
  watch.version = "3.4.1-1";
  watch.series = "xenial";
  watch.uploaded_at = "2026-12-03T00:00:00Z";
  watch.next_poll_at = "2026-12-03T00:01:00Z";
  watch.build_id = build.id;
  watch.job = "felix/xenial";
  const std::int64_t id = store.call([&](Database& db) { return add_lp_watch(db, watch); });
  EXPECT_EQ(store.call([&](Database& db) { return add_lp_watch(db, watch); }), id);
  store.call([](Database& db) {
    schedule_lp_poll(db, {"project-calico", "calico-3.4", 120, "2026-12-03T00:05:00Z"}, true);
    schedule_lp_poll(db, {"project-calico", "calico-3.4", 60, "2026-12-03T00:02:00Z"}, true);
    schedule_lp_poll(db, {"project-calico", "calico-3.4", 300, "2026-12-03T00:09:00Z"}, true);
  });
  auto schedule = store.call([](Database& db) { return find_lp_schedule(db, "project-calico", "calico-3.4"); });
  ASSERT_TRUE(schedule);
  EXPECT_EQ(schedule->interval_seconds, 60);
  EXPECT_EQ(schedule->next_poll_at, "2026-12-03T00:02:00Z");
  EXPECT_EQ(store.call([](Database& db) { return due_lp_schedules(db, "2026-12-03T00:02:00Z"); }).size(), 1u);
  EXPECT_TRUE(store.call([](Database& db) { return due_lp_schedules(db, "2026-12-03T00:01:59Z"); }).empty());
  store.call([&](Database& db) { mark_reported(db, build.id, handlers::BuildState::running, "waiting"); });
  EXPECT_TRUE(store.call([](Database& db) { return builds_to_report(db); }) == std::vector<std::int64_t>{build.id});
  LpWatch seen = store.call([&](Database& db) { return unfinished_lp_watches(db, "project-calico", "calico-3.4"); }).at(0);
  seen.state = launchpad::WatchState::published;
  seen.finished_at = "2026-12-03T00:30:00Z";
  store.call([&](Database& db) { update_lp_watch(db, seen, true); });
  EXPECT_TRUE(store.call([](Database& db) { return unfinished_lp_watches(db, "project-calico", "calico-3.4"); }).empty());
  const auto of_build = store.call([&](Database& db) { return lp_watches_of_build(db, build.id); });
  ASSERT_EQ(of_build.size(), 1u);
  EXPECT_EQ(of_build[0].state, launchpad::WatchState::published);
  EXPECT_EQ(of_build[0].job, "felix/xenial");
  store.call([](Database& db) { unschedule_lp_poll(db, "project-calico", "calico-3.4"); });
  EXPECT_FALSE(store.call([](Database& db) { return find_lp_schedule(db, "project-calico", "calico-3.4"); }));
}

TYPED_TEST(StoreContract, CommandsRunOncePerLineAndCountRepliesPerAuthor) {
  Store& store = this->store();
  EXPECT_TRUE(store.call([](Database& db) { return record_command(db, invocation(100, 1)); }));
  EXPECT_FALSE(store.call([](Database& db) { return record_command(db, invocation(100, 1)); }));
  EXPECT_TRUE(store.call([](Database& db) { return record_command(db, invocation(100, 2)); }));
  EXPECT_TRUE(store.call([](Database& db) { return record_command(db, invocation(101, 1)); }));
  const auto pending = store.call([](Database& db) { return pending_commands(db, 10); });
  ASSERT_EQ(pending.size(), 3u);
  store.call([&](Database& db) {
    finish_command(db, pending[0].id, "queued");
    mark_replied(db, {pending[0].id, pending[1].id, pending[2].id});
  });
  EXPECT_EQ(store.call([](Database& db) { return pending_commands(db, 10); }).size(), 2u);
  EXPECT_EQ(store.call([&](Database& db) { return find_command(db, pending[0].id); })->outcome.value_or(""), "queued");
  // Two comments replied to, whatever their lines.
  EXPECT_EQ(store.call([](Database& db) { return replies_to_author_since(db, "alice", "2000-01-01T00:00:00Z"); }), 2);
  EXPECT_EQ(store.call([](Database& db) { return replies_to_author_since(db, "bob", "2000-01-01T00:00:00Z"); }), 0);
  // A release waits for a second approver.
  store.call([&](Database& db) {
    await_approval(db, pending[0].id, "projectcalico/felix", 7, release_request("v3.4.1", "calico-3.4"), "abc", "waiting");
  });
  const auto waiting = store.call([](Database& db) { return waiting_approval(db, "projectcalico/felix", 7); });
  ASSERT_TRUE(waiting);
  EXPECT_EQ(waiting->request.version, "v3.4.1");
  store.call([&](Database& db) { mark_approved(db, waiting->id, "bob", pending[1].id); });
  EXPECT_THROW(store.call([&](Database& db) { mark_approved(db, waiting->id, "carol", pending[2].id); }), DatabaseError);
  EXPECT_EQ(store.call([&](Database& db) { return approval_given_by(db, pending[1].id); })->approved_by.value_or(""), "bob");
  EXPECT_FALSE(store.call([](Database& db) { return waiting_approval(db, "projectcalico/felix", 7); }));
}

TYPED_TEST(StoreContract, RecoveryKnowsCommentsFromCommandsAndFromStoredPayloads) {
  Store& store = this->store();
  store.call([](Database& db) {
    record_command(db, invocation(555, 1));
    Delivery comment = testkit::push_delivery("comment-guid", R"({"comment":{"id":777,"body":"lgtm"}})");
    comment.event = "issue_comment";
    record_delivery(db, comment);
    Delivery broken = testkit::push_delivery("broken-guid", "not json");
    broken.event = "issue_comment";
    record_delivery(db, broken);
  });
  EXPECT_TRUE(store.call([](Database& db) { return comment_known(db, "projectcalico/felix", 555); }));
  EXPECT_TRUE(store.call([](Database& db) { return comment_known(db, "projectcalico/felix", 777); }));
  EXPECT_FALSE(store.call([](Database& db) { return comment_known(db, "projectcalico/felix", 778); }));
  store.call([](Database& db) {
    note_recovered(db, RecoveredKind::redelivery, "comment-guid", "hook 1", "issue_comment");
    note_recovered(db, RecoveredKind::redelivery, "comment-guid", "hook 1", "issue_comment");
    note_recovered(db, RecoveredKind::redelivery, "missing-guid", "hook 1", "push");
    note_recovered(db, RecoveredKind::comment, "projectcalico/felix#9", "comments projectcalico/felix", "issue_comment");
    save_recovery_source(db, {"hook 1", RecoveryMethod::redeliver, std::string("2026-12-03T00:00:00Z"), "2026-12-03T00:10:00Z", {}});
  });
  EXPECT_EQ(store.call([](Database& db) { return find_recovered(db, RecoveredKind::redelivery, "comment-guid"); })->requests, 2);
  const RecoverySummary summary = store.call([](Database& db) { return recovery_summary(db); });
  EXPECT_EQ(summary.redeliveries, 2);
  EXPECT_EQ(summary.redelivered, 1);
  EXPECT_EQ(summary.comments, 1);
  ASSERT_EQ(summary.sources.size(), 1u);
  EXPECT_EQ(summary.sources[0].cursor.value_or(""), "2026-12-03T00:00:00Z");
}

TYPED_TEST(StoreContract, RefsPausesAndSourcesKeepTheirLatestValue) {
  Store& store = this->store();
  store.call([](Database& db) {
    save_remote_refs(db, "projectcalico/felix", {{"refs/heads/master", "aaa"}, {"refs/tags/v3.4.1", "bbb"}});
    save_remote_refs(db, "projectcalico/felix", {{"refs/heads/master", "ccc"}});
    remember_component_ref(db, "dnsmasq", "xenial", "v1", "2026-12-03T00:00:00Z");
    remember_component_ref(db, "dnsmasq", "xenial", "v2", "2026-12-03T00:01:00Z");
    save_github_pause(db, "token", {"2026-12-03T01:00:00Z", "rate limited", 1});
    save_github_pause(db, "token", {"2026-12-03T02:00:00Z", "rate limited again", 2});
    mark_master_changed(db, {"projectcalico/felix", "master", "aaa"}, std::nullopt);
    mark_master_changed(db, {"projectcalico/felix", "master", "bbb"}, std::string("guid"));
  });
  EXPECT_EQ(store.call([](Database& db) { return remote_refs(db, "projectcalico/felix"); }),
            (std::map<std::string, std::string>{{"refs/heads/master", "ccc"}}));
  EXPECT_EQ(store.call([](Database& db) { return known_component_refs(db); }).at({"dnsmasq", "xenial"}), "v2");
  EXPECT_EQ(store.call([](Database& db) { return find_github_pause(db, "token"); })->strikes, 2);
  const auto marks = store.call([](Database& db) { return master_changes(db); });
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].change.sha, "bbb");
}

TYPED_TEST(StoreContract, ABuildReportsTheSourcesThatChangedSinceTheLastSuccess) {
  Store& store = this->store();
  auto run_build = [&](const std::string& version, const std::vector<std::pair<std::string, std::string>>& sources,
                       handlers::BuildState end) {
    return store.call([&](Database& db) {
      handlers::BuildRequest request = release_request(version, "calico-3.4");
      request.kind = handlers::BuildRequest::Kind::command;
      enqueue_build_request(db, request, std::nullopt);
      const Build build = *claim_next_request(db, 1, "/work", "2026-12-03T00:00:00Z");
      for (const auto& [repository, sha] : sources) record_build_source(db, build.id, repository, sha);
      finish_build(db, build.id, end, "");
      return build.id;
    });
  };
  run_build("v3.4.1", {{"projectcalico/felix", "a1"}, {"projectcalico/networking-calico", "n1"}}, handlers::BuildState::succeeded);
  const std::int64_t second =
      run_build("v3.4.2", {{"projectcalico/felix", "a2"}, {"projectcalico/networking-calico", "n1"}}, handlers::BuildState::failed);
  const auto changed = store.call([&](Database& db) { return sources_changed_since_last_success(db, second); });
  EXPECT_EQ(changed, (std::vector<std::pair<std::string, std::string>>{{"projectcalico/felix", "a2"}}));
  EXPECT_EQ(store.call([](Database& db) { return latest_build(db); }), second);
  EXPECT_EQ(store.call([&](Database& db) { return build_origin(db, second); }).trigger, "test");
}

TYPED_TEST(StoreContract, RetentionRemovesOnlyWhatIsSettledAndOld) {
  Store& store = this->store();
  store.call([](Database& db) {
    Delivery old_delivery = testkit::push_delivery("old");
    old_delivery.received_at = "2020-01-01T00:00:00.000Z";
    record_delivery(db, old_delivery);
    record_delivery(db, testkit::push_delivery("unprocessed-old"));
    mark_delivery_processed(db, "old", "done");
  });
  const Pruned pruned = store.call([](Database& db) { return prune_settled_before(db, "2999-01-01T00:00:00Z"); });
  EXPECT_EQ(pruned.deliveries, 1);
  EXPECT_TRUE(store.call([](Database& db) { return find_delivery(db, "unprocessed-old"); }));
  EXPECT_FALSE(store.call([](Database& db) { return find_delivery(db, "old"); }));
}

TYPED_TEST(StoreContract, RetentionForgetsReplicasGoneSinceButNotOneARunningBuildNames) {
  Store& store = this->store();
  store.call([](Database& db) {
    register_replica(db, {"crashed", "h", 1, "0.1.0", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", {}, {}});
    register_replica(db, {"stopped", "h", 2, "0.1.0", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", {}, {}});
    stop_replica(db, "stopped", "2020-01-02T00:00:00Z");
    register_replica(db, {"holding", "h", 3, "0.1.0", "2020-01-01T00:00:00Z", "2020-01-01T00:00:00Z", {}, {}});
    register_replica(db, {"live", "h", 4, "0.1.0", "2999-01-01T00:00:00Z", "2999-01-01T00:00:00Z", {}, {}});
    enqueue_build_request(db, release_request("v3.4.1", "calico-3.4"), std::nullopt);
    ASSERT_TRUE(claim_next_request(db, 2, "/work", "2020-01-01T00:00:00Z", {"holding", "2020-01-01T00:00:30Z"}));
  });
  const Pruned pruned = store.call([](Database& db) { return prune_settled_before(db, "2026-01-01T00:00:00Z"); });
  EXPECT_EQ(pruned.replicas, 2);
  std::vector<std::string> left;
  for (const Replica& replica : store.call([](Database& db) { return replicas(db); })) left.push_back(replica.id);
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"holding", "live"}));
}

TYPED_TEST(StoreContract, AFailingJobDoesNotUndoItsBatchNeighbours) {
  Store& store = this->store();
  std::vector<std::future<bool>> results;
  for (int i = 0; i < 60; ++i) {
    auto promise = std::make_shared<std::promise<bool>>();
    results.push_back(promise->get_future());
    store.post(
        [i](Database& db) {
          record_delivery(db, testkit::push_delivery("g" + std::to_string(i)));
          if (i % 3 == 0) throw DatabaseError("job " + std::to_string(i) + " fails on purpose");
        },
        [promise](std::exception_ptr error) { promise->set_value(error == nullptr); });
  }
  int succeeded = 0;
  for (int i = 0; i < 60; ++i) {
    const bool ok = results[static_cast<std::size_t>(i)].get();
    EXPECT_EQ(ok, i % 3 != 0) << i;
    succeeded += ok;
  }
  EXPECT_EQ(store.call([](Database& db) { return count_deliveries(db); }), succeeded);
  // A statement that fails inside a job (a constraint) leaves the batch usable too.
  EXPECT_THROW(store.call([](Database& db) { db.exec("INSERT INTO deliveries (guid) VALUES ('no-event')"); }), DatabaseError);
  EXPECT_EQ(store.call([](Database& db) { return record_delivery(db, testkit::push_delivery("after")); }), RecordOutcome::recorded);
  EXPECT_TRUE(store.write_health().ok) << store.write_health().error;
}

TYPED_TEST(StoreContract, StopFinishesQueuedWorkAndRefusesLaterWork) {
  std::atomic<int> done{0};
  Store& store = this->store();
  for (int i = 0; i < 100; ++i) {
    store.post([i](Database& db) { record_delivery(db, testkit::push_delivery("s" + std::to_string(i))); },
               [&](std::exception_ptr error) { done += error == nullptr; });
  }
  store.stop();
  EXPECT_EQ(done.load(), 100);
  std::atomic<bool> refused{false};
  store.post([](Database&) {}, [&](std::exception_ptr error) { refused = error != nullptr; });
  EXPECT_TRUE(refused.load());
  this->reopen();
  EXPECT_EQ(this->store().call([](Database& db) { return count_deliveries(db); }), 100);
}

TYPED_TEST(StoreContract, ADeletedTagWithdrawsWhatItAskedForAndIsForgotten) {
  Store& store = this->store();
  handlers::BuildRequest created = release_request("v3.4.1", "calico-3.4");
  handlers::BuildRequest pushed = created;
  pushed.trigger_commit = std::string(40, 'a');
  store.call([&](Database& db) {
    enqueue_build_request(db, created, std::nullopt);  // `create`: no commit yet
    enqueue_build_request(db, pushed, std::nullopt);   // the push completes it
  });
  const ReleaseRequests found = store.call([](Database& db) { return release_requests(db, "calico-3.4", "v3.4.1"); });
  EXPECT_TRUE(found.pending);
  EXPECT_FALSE(found.latest_build);
  EXPECT_EQ(found.trigger_commit, std::string(40, 'a'));
  EXPECT_EQ(store.call([](Database& db) { return withdraw_release_requests(db, "calico-3.4", "v3.4.1", true, "2026-12-03T00:00:00Z"); }),
            1);
  EXPECT_FALSE(store.call([](Database& db) { return release_requests(db, "calico-3.4", "v3.4.1"); }).pending);
  // Forgotten: the tag made again is a new release.
  EXPECT_EQ(store.call([&](Database& db) { return enqueue_build_request(db, created, std::nullopt); }), EnqueueOutcome::queued);
}

// Replicas, as two stores on the same database (two processes in production).
TYPED_TEST(StoreContract, ARunningBuildIsTakenOverOnlyOnceItsLeaseEndsOrIsReleased) {
  Store& first = this->store();
  Store second(this->config_);
  const Lease mine{"replica-a", "2026-12-03T00:01:00Z"};
  const Lease theirs{"replica-b", "2026-12-03T00:02:00Z"};
  first.call([&](Database& db) {
    register_replica(db, {"replica-a", "host-a", 1, "0.1.0", "2026-12-03T00:00:00Z", "2026-12-03T00:00:00Z", {}, {}});
    register_replica(db, {"replica-b", "host-b", 2, "0.1.0", "2026-12-03T00:00:05Z", "2026-12-03T00:00:05Z", {}, {}});
    enqueue_build_request(db, release_request("v3.4.1", "calico-3.4"), std::nullopt);
  });
  const auto build = first.call([&](Database& db) { return claim_next_request(db, 1, "/work", "2026-12-03T00:00:00Z", mine); });
  ASSERT_TRUE(build);
  EXPECT_EQ(build->owner.value_or(""), "replica-a");
  // Held: nobody takes it over, and its owner renews it.
  EXPECT_FALSE(second.call([&](Database& db) { return take_over_build(db, theirs, "2026-12-03T00:00:30Z"); }));
  const BuildHold hold = first.call([&](Database& db) { return renew_build(db, build->id, {"replica-a", "2026-12-03T00:01:30Z"}); });
  EXPECT_TRUE(hold.held);
  EXPECT_FALSE(hold.cancel_requested);
  EXPECT_EQ(first.call([&](Database& db) { return beat(db, {"replica-a", "2026-12-03T00:01:40Z"}, "2026-12-03T00:01:10Z"); }),
            std::vector<std::int64_t>{build->id});
  EXPECT_FALSE(second.call([&](Database& db) { return take_over_build(db, theirs, "2026-12-03T00:01:35Z"); }));
  // The lease runs out: the other replica takes it, and the first one sees it is no longer its own.
  const auto taken = second.call([&](Database& db) { return take_over_build(db, theirs, "2026-12-03T00:01:41Z"); });
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->id, build->id);
  EXPECT_EQ(taken->owner.value_or(""), "replica-b");
  EXPECT_FALSE(first.call([&](Database& db) { return renew_build(db, build->id, mine); }).held);
  EXPECT_FALSE(first.call([&](Database& db) { return holds_build(db, build->id, "replica-a"); }));
  // A cancel asked for anywhere reaches the replica that holds it.
  first.call([&](Database& db) { request_cancel(db, build->id); });
  EXPECT_TRUE(second.call([&](Database& db) { return renew_build(db, build->id, theirs); }).cancel_requested);
  // A graceful stop releases at once.
  second.call([&](Database& db) { stop_replica(db, "replica-b", "2026-12-03T00:01:50Z"); });
  EXPECT_TRUE(first.call([&](Database& db) { return take_over_build(db, mine, "2026-12-03T00:01:51Z"); }));
  const auto listed = first.call([](Database& db) { return replicas(db); });
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].id, "replica-b");  // newest start first
  EXPECT_TRUE(listed[0].stopped_at);
  EXPECT_EQ(listed[1].builds, std::vector<std::int64_t>{build->id});
}

TYPED_TEST(StoreContract, RunningBuildsCountPerReplicaAndATargetRunsOnce) {
  Store& store = this->store();
  store.call([](Database& db) {
    enqueue_build_request(db, release_request("v3.4.1", "calico-3.4"), std::nullopt);
    enqueue_build_request(db, release_request("v3.4.2", "calico-3.4"), std::nullopt);
    enqueue_build_request(db, release_request("v3.5.0", "calico-3.5"), std::nullopt);
  });
  const Lease a{"a", "2999-01-01T00:00:00Z"};
  const Lease b{"b", "2999-01-01T00:00:00Z"};
  EXPECT_TRUE(store.call([&](Database& db) { return claim_next_request(db, 1, "/w", "2026-12-03T00:00:00Z", a); }));
  EXPECT_FALSE(store.call([&](Database& db) { return claim_next_request(db, 1, "/w", "2026-12-03T00:00:00Z", a); }));
  const auto other = store.call([&](Database& db) { return claim_next_request(db, 1, "/w", "2026-12-03T00:00:00Z", b); });
  ASSERT_TRUE(other);
  EXPECT_EQ(other->target_repo, "calico-3.5");  // calico-3.4 runs on a
}

TYPED_TEST(StoreContract, OneReplicaClaimsEachDeliveryMessageAndPoll) {
  Store& first = this->store();
  Store second(this->config_);
  first.call([](Database& db) {
    record_delivery(db, testkit::push_delivery("d1"));
    enqueue_outbox(db, {MessageKind::comment, "comment:1", "{}"});
    schedule_lp_poll(db, {"project-calico", "calico-3.4", 60, "2026-12-03T00:00:00Z"}, false);
  });
  EXPECT_TRUE(first.call([](Database& db) { return claim_delivery(db, "d1", "2026-12-03T00:00:00Z"); }));
  EXPECT_FALSE(second.call([](Database& db) { return claim_delivery(db, "d1", "2026-12-03T00:00:01Z"); }));
  first.call([](Database& db) { record_outcome(db, "d1", "handled"); });
  EXPECT_EQ(second.call([](Database& db) { return find_delivery(db, "d1"); })->outcome.value_or(""), "handled");

  const std::int64_t id = first.call([](Database& db) { return due_outbox(db, "2999-12-03T00:00:00Z", 5).at(0).id; });
  EXPECT_TRUE(first.call([&](Database& db) { return claim_outbox(db, id, {"a", "2999-12-03T00:00:30Z"}, "2999-12-03T00:00:00Z"); }));
  EXPECT_FALSE(second.call([&](Database& db) { return claim_outbox(db, id, {"b", "2999-12-03T00:00:40Z"}, "2999-12-03T00:00:10Z"); }));
  EXPECT_TRUE(second.call([](Database& db) { return due_outbox(db, "2999-12-03T00:00:10Z", 5); }).empty());
  // The sender died: after the lease another replica sends it, knowing it was attempted.
  first.call([&](Database& db) { mark_outbox_attempt(db, id); });
  EXPECT_TRUE(second.call([&](Database& db) { return claim_outbox(db, id, {"b", "2999-12-03T00:01:40Z"}, "2999-12-03T00:00:31Z"); }));
  second.call([&](Database& db) { mark_outbox_delivered(db, id, "https://github.example/c/1"); });
  EXPECT_FALSE(first.call([&](Database& db) { return claim_outbox(db, id, {"a", "2999-12-03T00:05:00Z"}, "2999-12-03T00:04:00Z"); }));

  EXPECT_EQ(first.call([](Database& db) { return claim_due_lp_schedules(db, "2026-12-03T00:00:10Z", "2026-12-03T00:05:10Z"); }).size(), 1u);
  EXPECT_TRUE(second.call([](Database& db) { return claim_due_lp_schedules(db, "2026-12-03T00:00:20Z", "2026-12-03T00:05:20Z"); }).empty());
  EXPECT_EQ(second.call([](Database& db) { return claim_due_lp_schedules(db, "2026-12-03T00:05:10Z", "2026-12-03T00:10:10Z"); }).size(), 1u);
}

// The same contract through the repositories the rest of the bot uses: every interface, on both
// engines, and what a unit of work promises.

TYPED_TEST(StoreContract, EveryRepositoryKeepsWhatItIsGiven) {
  Store& store = this->store();
  const auto data = stored_repositories(store);

  EXPECT_EQ(data->deliveries().record(testkit::push_delivery("r1")), RecordOutcome::recorded);
  EXPECT_EQ(data->deliveries().record(testkit::push_delivery("r1")), RecordOutcome::duplicate);
  EXPECT_EQ(data->deliveries().count(), 1);
  ASSERT_EQ(data->deliveries().unprocessed(5).size(), 1u);
  EXPECT_TRUE(data->deliveries().claim("r1", "2026-12-03T00:00:00Z"));
  data->deliveries().settle("r1", "handled");
  EXPECT_EQ(data->deliveries().find("r1")->outcome.value_or(""), "handled");
  EXPECT_FALSE(data->deliveries().claim("r1", "2026-12-03T00:00:01Z")) << "processed once";
  EXPECT_FALSE(data->deliveries().any_waiting());
  // A delivery handled as it arrives is recorded processed: never waiting, never claimed again.
  Delivery handled = testkit::push_delivery("r2");
  handled.hook = HookSource{13, "repository", "projectcalico/calico"};
  EXPECT_EQ(data->deliveries().record_processed(handled, "2026-12-03T00:00:02Z", "handled as it came"), RecordOutcome::recorded);
  EXPECT_EQ(data->deliveries().record_processed(handled, "2026-12-03T00:00:03Z", "again"), RecordOutcome::duplicate);
  EXPECT_EQ(data->deliveries().record(testkit::push_delivery("r1")), RecordOutcome::duplicate);
  EXPECT_FALSE(data->deliveries().any_waiting());
  EXPECT_TRUE(data->deliveries().unprocessed(5).empty());
  const auto stored = data->deliveries().find("r2");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->processed_at.value_or(""), "2026-12-03T00:00:02Z");
  EXPECT_EQ(stored->outcome.value_or(""), "handled as it came");
  EXPECT_EQ(stored->delivery.payload, handled.payload);
  EXPECT_FALSE(data->deliveries().claim("r2", "2026-12-03T00:00:04Z"));
  data->deliveries().settle("r2", "queued");
  EXPECT_EQ(data->deliveries().find("r2")->outcome.value_or(""), "queued");
  EXPECT_EQ(data->deliveries().record(testkit::push_delivery("r3")), RecordOutcome::recorded);
  EXPECT_TRUE(data->deliveries().any_waiting());
  EXPECT_EQ(data->deliveries().record_processed(testkit::push_delivery("r3"), "2026-12-03T00:00:05Z", "late"), RecordOutcome::duplicate);
  EXPECT_FALSE(data->deliveries().find("r3")->processed_at) << "a duplicate changes nothing";
  EXPECT_EQ(data->deliveries().count(), 3);
  data->deliveries().add_hook({12, "repository", "projectcalico/felix"});
  EXPECT_EQ(data->deliveries().hooks().size(), 2u) << "r2's hook and this one";

  std::int64_t request_id = 0;
  EXPECT_EQ(data->queue().enqueue(release_request("v3.4.1", "calico-3.4"), std::string("r1"), &request_id),
            EnqueueOutcome::queued);
  EXPECT_EQ(data->queue().pending(), 1);
  EXPECT_EQ(data->queue().in_state(RequestState::pending).at(0).state, RequestState::pending);
  EXPECT_EQ(data->queue().request(request_id).version, "v3.4.1");
  EXPECT_TRUE(data->queue().queued_at(request_id).has_value());
  data->queue().remember_component_ref("felix", "xenial", "abc", "2026-12-03T00:00:00Z");
  EXPECT_EQ(data->queue().component_refs().at({"felix", "xenial"}), "abc");

  const auto build = data->builds().claim_next(2, "/work", "2026-12-03T00:00:00Z", store.lease(std::chrono::system_clock::now()));
  ASSERT_TRUE(build);
  EXPECT_EQ(data->queue().in_state(RequestState::started).size(), 1u);
  EXPECT_TRUE(data->builds().holds(build->id, store.replica()));
  data->builds().record_job(build->id, {"felix/xenial", builders::pipeline::JobState::succeeded, "", "/l", std::nullopt, std::nullopt});
  ASSERT_EQ(data->builds().jobs(build->id).size(), 1u);
  data->builds().record_source(build->id, "projectcalico/felix", "abc");
  EXPECT_EQ(data->builds().sources(build->id).size(), 1u);
  EXPECT_TRUE(data->builds().request_cancel(build->id));
  EXPECT_TRUE(data->builds().cancel_requested(build->id));
  EXPECT_FALSE(data->builds().finish_if_held(build->id, "someone-else", handlers::BuildState::failed, "not theirs"));
  EXPECT_TRUE(data->builds().finish_if_held(build->id, store.replica(), handlers::BuildState::succeeded, "done"));
  EXPECT_EQ(data->builds().find(build->id)->state, handlers::BuildState::succeeded);
  EXPECT_EQ(data->builds().latest(), build->id);
  EXPECT_EQ(data->builds().to_report(), std::vector<std::int64_t>{build->id});
  data->builds().mark_reported(build->id, handlers::BuildState::succeeded, "");
  EXPECT_TRUE(data->builds().to_report().empty());
  EXPECT_TRUE(data->publications().of_build(build->id).empty());

  EXPECT_TRUE(data->outbox().enqueue({MessageKind::reaction, "reaction:1", "{}"}));
  EXPECT_FALSE(data->outbox().enqueue({MessageKind::reaction, "reaction:1", "{}"}));
  const auto due = data->outbox().due("2999-01-01T00:00:00Z", 5);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].message.kind, MessageKind::reaction);
  EXPECT_TRUE(data->outbox().claim(due[0].id, store.lease(std::chrono::system_clock::now()), "2999-01-01T00:00:00Z"));
  data->outbox().delivered(due[0].id, "https://github.example/r/1");
  EXPECT_EQ(data->outbox().backlog(), 0);

  EXPECT_TRUE(data->commands().record(invocation(99, 1)));
  EXPECT_FALSE(data->commands().record(invocation(99, 1)));
  const auto commands = data->commands().pending(5);
  ASSERT_EQ(commands.size(), 1u);
  EXPECT_EQ(commands[0].state, CommandState::pending);
  data->commands().await_approval(commands[0].id, "projectcalico/felix", 7, release_request("v3.4.2", "calico-3.4"), "abc", "waiting");
  const auto approval = data->commands().waiting_approval("projectcalico/felix", 7);
  ASSERT_TRUE(approval);
  EXPECT_EQ(approval->state, ApprovalState::waiting);
  ASSERT_TRUE(data->commands().record(invocation(100, 1, "bob")));
  const std::int64_t approving = data->commands().pending(5).back().id;
  data->commands().approve(approval->id, "bob", approving);
  EXPECT_EQ(data->commands().approval_given_by(approving)->id, approval->id);
  EXPECT_EQ(data->commands().find_approval(approval->id)->state, ApprovalState::approved);
  data->commands().finish(commands[0].id, "queued");
  EXPECT_EQ(data->commands().find(commands[0].id)->state, CommandState::done);

  data->recovery().note(RecoveredKind::redelivery, "g-9", "hook 12", "push");
  EXPECT_EQ(data->recovery().find(RecoveredKind::redelivery, "g-9")->requests, 1);
  data->recovery().save_source({"hook 12", RecoveryMethod::redeliver, "2026-12-03T00:00:00Z", "2026-12-03T00:00:00Z", std::nullopt});
  EXPECT_EQ(data->recovery().source("hook 12")->cursor.value_or(""), "2026-12-03T00:00:00Z");
  EXPECT_EQ(data->recovery().summary().redeliveries, 1);

  data->pauses().save("token", {"2026-12-03T01:00:00Z", "rate limited", 2});
  EXPECT_EQ(data->pauses().find("token")->strikes, 2);
  data->remote_refs().save("projectcalico/felix", {{"refs/tags/v3.4.1", "abc"}});
  EXPECT_EQ(data->remote_refs().refs("projectcalico/felix").size(), 1u);

  data->replicas().enter({"replica-z", "host-z", 9, "0.1.0", "2026-12-03T00:00:00Z", "2026-12-03T00:00:00Z", {}, {}}, false);
  EXPECT_EQ(data->replicas().all().size(), 1u);
  data->replicas().stop("replica-z", "2026-12-03T00:01:00Z");
  EXPECT_TRUE(data->replicas().all().at(0).stopped_at.has_value());
  EXPECT_EQ(data->retention().prune_settled_before("2000-01-01T00:00:00Z").deliveries, 0);
}

TYPED_TEST(StoreContract, AUnitOfWorkCommitsTogetherOrNotAtAll) {
  Store& store = this->store();
  const auto data = stored_repositories(store);
  EXPECT_THROW(store.atomically([&] {
                 data->deliveries().record(testkit::push_delivery("u1"));
                 data->outbox().enqueue({MessageKind::comment, "comment:u1", "{}"});
                 throw std::runtime_error("the unit fails after both writes");
               }),
               std::runtime_error);
  EXPECT_FALSE(data->deliveries().find("u1").has_value());
  EXPECT_EQ(data->outbox().backlog(), 0);

  const int written = store.atomically([&] {
    data->deliveries().record(testkit::push_delivery("u2"));
    data->outbox().enqueue({MessageKind::comment, "comment:u2", "{}"});
    // Reads inside the unit see its own writes.
    return static_cast<int>(data->deliveries().count() + data->outbox().backlog());
  });
  EXPECT_EQ(written, 2);
  EXPECT_TRUE(data->deliveries().find("u2").has_value());

  // An attempt inside a unit undoes only its own writes; the rest of the unit commits.
  std::string error;
  store.atomically([&] {
    data->outbox().enqueue({MessageKind::comment, "comment:kept", "{}"});
    error = store.attempt([&] {
      data->outbox().enqueue({MessageKind::comment, "comment:undone", "{}"});
      throw std::runtime_error("only this part fails");
    });
  });
  EXPECT_EQ(error, "only this part fails");
  std::vector<std::string> keys;
  for (const OutboxEntry& entry : data->outbox().all()) keys.push_back(entry.message.dedupe_key);
  EXPECT_EQ(keys, (std::vector<std::string>{"comment:u2", "comment:kept"}));
  EXPECT_THROW(store.attempt([] {}), DatabaseError) << "an attempt outside a unit of work has nothing to join";
}
