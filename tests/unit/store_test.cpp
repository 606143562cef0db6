#include <gtest/gtest.h>

#include <atomic>
#include <future>

#include "bot/store/sqlite/connection.hpp"
#include "bot/store/build_queue.hpp"
#include "bot/store/deliveries.hpp"
#include "bot/store/migrations.hpp"
#include "bot/store/store.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/fixtures.hpp"

using namespace calico;
using namespace calico::store;

namespace {
config::StoreConfig store_config(const std::filesystem::path& dir) {
  config::StoreConfig c;
  c.path = dir / "state.sqlite";
  return c;
}

Delivery delivery(const std::string& guid) {
  return {guid, "push", "", "projectcalico/felix", R"({"ref":"refs/heads/master"})", "2026-01-01T00:00:00.000Z"};
}

handlers::BuildRequest release_request(const std::string& version, const std::string& target) {
  handlers::BuildRequest r;
  r.target_repo = target;
  r.version = version;
  r.repository = "projectcalico/felix";
  r.trigger = "test";
  return r;
}
}  // namespace

TEST(Store, CreatesSchemaInWalModeAndReopens) {
  testkit::ScratchDir dir;
  {
    Store store(store_config(dir.path()));
    EXPECT_EQ(store.call([](Database& db) { return schema_version(db); }), latest_schema_version());
    EXPECT_EQ(store.call([](Database& db) {
      Statement s = db.prepare("PRAGMA journal_mode");
      s.step();
      return s.column_text(0);
    }), "wal");
    for (const char* table : {"deliveries", "build_requests", "master_changes", "builds", "build_jobs", "outbox"}) {
      EXPECT_EQ(store.call([&](Database& db) {
        Statement s = db.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1");
        s.bind(1, std::string_view(table));
        s.step();
        return s.column_int(0);
      }), 1) << table;
    }
    store.call([](Database& db) { record_delivery(db, delivery("a")); });
  }
  Store reopened(store_config(dir.path()));
  EXPECT_EQ(reopened.call([](Database& db) { return count_deliveries(db); }), 1);
}

TEST(Store, RefusesAStoreFromANewerBot) {
  testkit::ScratchDir dir;
  {
    sqlite::Connection db(dir.path() / "state.sqlite");
    db.exec("PRAGMA user_version = 999");
  }
  try {
    Store store(store_config(dir.path()));
    FAIL() << "opened a newer store";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("schema version 999, newer than this bot knows"), std::string::npos);
  }
}

// #21 item 10: a store that cannot write says so (what /healthz reports), says when it can again
// even with nothing else to write, and its WAL goes back to nothing once idle.
TEST(Store, SaysWhenItCannotWriteAndWhenItCanAgain) {
  testkit::ScratchDir dir;
  Store store(store_config(dir.path()));
  store.call([](Database& db) { record_delivery(db, delivery("before")); });
  EXPECT_TRUE(store.write_health().ok);
  // A full disk, as SQLite meets it: the database may not grow by another page.
  const std::int64_t pages = store.call([](Database& db) {
    Statement s = db.prepare("PRAGMA page_count");
    s.step();
    return s.column_int(0);
  });
  store.call([&](Database& db) { db.exec("PRAGMA max_page_count = " + std::to_string(pages)); });
  const std::string big(64 * 1024, 'x');
  for (int i = 0; i < 4; ++i) {
    Delivery d = delivery("full-" + std::to_string(i));
    d.payload = "{\"padding\":\"" + big + "\"}";
    EXPECT_THROW(store.call([&](Database& db) { record_delivery(db, d); }), DatabaseError);
  }
  const Store::WriteHealth full = store.write_health();
  EXPECT_FALSE(full.ok);
  EXPECT_NE(full.error.find("full"), std::string::npos) << full.error;
  // Reads still answer, and do not count as writes.
  EXPECT_EQ(store.call([](Database& db) { return count_deliveries(db); }), 1);
  EXPECT_FALSE(store.write_health().ok);
  // Space comes back: the store's own probe finds it, with nothing else written.
  store.call([](Database& db) { db.exec("PRAGMA max_page_count = 1073741823"); });
  EXPECT_TRUE(testkit::eventually([&] { return store.write_health().ok; }));
  // Idle: the WAL is checkpointed and truncated to nothing.
  const auto wal = dir.path() / "state.sqlite-wal";
  EXPECT_TRUE(testkit::eventually([&] { return std::filesystem::exists(wal) && std::filesystem::file_size(wal) == 0; }));
  // The store is its owner's only.
  EXPECT_EQ(std::filesystem::status(dir.path() / "state.sqlite").permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
}

TEST(Store, RedeliveryIsRecordedOnce) {
  testkit::ScratchDir dir;
  Store store(store_config(dir.path()));
  EXPECT_EQ(store.call([](Database& db) { return record_delivery(db, delivery("guid-1")); }), RecordOutcome::recorded);
  EXPECT_EQ(store.call([](Database& db) { return record_delivery(db, delivery("guid-1")); }), RecordOutcome::duplicate);
  EXPECT_EQ(store.call([](Database& db) { return count_deliveries(db); }), 1);
}

TEST(Store, UnprocessedDeliveriesComeOldestFirstAndAreProcessedOnce) {
  testkit::ScratchDir dir;
  Store store(store_config(dir.path()));
  store.call([](Database& db) {
    for (const char* guid : {"c", "a", "b"}) record_delivery(db, delivery(guid));
  });
  auto pending = store.call([](Database& db) { return unprocessed_deliveries(db, 10); });
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[0].delivery.guid, "c");
  EXPECT_EQ(pending[2].delivery.guid, "b");
  store.call([](Database& db) { mark_delivery_processed(db, "a", "done"); });
  EXPECT_THROW(store.call([](Database& db) { mark_delivery_processed(db, "a", "again"); }), DatabaseError);
  EXPECT_EQ(store.call([](Database& db) { return unprocessed_deliveries(db, 10); }).size(), 2u);
  auto found = store.call([](Database& db) { return find_delivery(db, "a"); });
  ASSERT_TRUE(found);
  EXPECT_EQ(found->outcome, "done");
}

TEST(Store, PendingRequestsForTheSameBuildCoalesce) {
  testkit::ScratchDir dir;
  Store store(store_config(dir.path()));
  auto enqueue = [&](const handlers::BuildRequest& r) {
    return store.call([&](Database& db) { return enqueue_build_request(db, r, std::nullopt); });
  };
  EXPECT_EQ(enqueue(release_request("v3.4.1", "calico-3.4")), EnqueueOutcome::queued);
  EXPECT_EQ(enqueue(release_request("v3.4.1", "calico-3.4")), EnqueueOutcome::coalesced);
  EXPECT_EQ(enqueue(release_request("v3.4.2", "calico-3.4")), EnqueueOutcome::queued);
  EXPECT_EQ(store.call([](Database& db) { return pending_build_requests(db); }), 2);
  // Once a release has started, the same tag seen again (a late webhook, a poll) builds nothing
  // more; a maintainer's command queues it again.
  store.call([](Database& db) { db.exec("UPDATE build_requests SET state = 'started' WHERE version = 'v3.4.1'"); });
  EXPECT_EQ(enqueue(release_request("v3.4.1", "calico-3.4")), EnqueueOutcome::already_triggered);
  handlers::BuildRequest command = release_request("v3.4.1", "calico-3.4");
  command.kind = handlers::BuildRequest::Kind::command;
  EXPECT_EQ(enqueue(command), EnqueueOutcome::queued);
  const auto pending = store.call([](Database& db) { return build_requests(db, "pending"); });
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].request.version, "v3.4.2");
  EXPECT_EQ(pending[1].request.kind, handlers::BuildRequest::Kind::command);
}

TEST(Store, ACoalescedPushCompletesTheTriggerCommitACreateLeftOut) {
  testkit::ScratchDir dir;
  Store store(store_config(dir.path()));
  handlers::BuildRequest created = release_request("v3.4.1", "calico-3.4");  // `create`: no sha
  handlers::BuildRequest pushed = created;
  pushed.trigger_commit = std::string(40, 'a');
  store.call([&](Database& db) {
    enqueue_build_request(db, created, std::nullopt);
    enqueue_build_request(db, pushed, std::nullopt);
  });
  const auto commit = store.call([](Database& db) {
    store::Statement q = db.prepare("SELECT trigger_commit FROM build_requests");
    q.step();
    return q.column_optional_text(0);
  });
  EXPECT_EQ(commit.value_or(""), std::string(40, 'a'));
}

TEST(Store, MasterChangeKeepsTheLatestSha) {
  testkit::ScratchDir dir;
  Store store(store_config(dir.path()));
  store.call([](Database& db) {
    mark_master_changed(db, {"projectcalico/felix", "master", "aaa"}, std::nullopt);
    mark_master_changed(db, {"projectcalico/felix", "master", "bbb"}, std::string("guid"));
  });
  const auto marks = store.call([](Database& db) { return master_changes(db); });
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].change.sha, "bbb");
}

TEST(Store, AFailingJobDoesNotUndoItsBatchNeighbours) {
  testkit::ScratchDir dir;
  Store store(store_config(dir.path()));
  std::vector<std::future<bool>> results;
  std::vector<std::shared_ptr<std::promise<bool>>> promises;
  // Queue many jobs at once so they share transactions; every third one fails.
  for (int i = 0; i < 60; ++i) {
    auto promise = std::make_shared<std::promise<bool>>();
    results.push_back(promise->get_future());
    store.post(
        [i](Database& db) {
          record_delivery(db, delivery("g" + std::to_string(i)));
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
}

TEST(Store, StopFinishesQueuedWorkAndRefusesLaterWork) {
  testkit::ScratchDir dir;
  std::atomic<int> done{0};
  {
    Store store(store_config(dir.path()));
    for (int i = 0; i < 100; ++i) {
      store.post([i](Database& db) { record_delivery(db, delivery("s" + std::to_string(i))); },
                 [&](std::exception_ptr error) { done += error == nullptr; });
    }
    store.stop();
    EXPECT_EQ(done.load(), 100);
    std::atomic<bool> refused{false};
    store.post([](Database&) {}, [&](std::exception_ptr error) { refused = error != nullptr; });
    EXPECT_TRUE(refused.load());
  }
  Store reopened(store_config(dir.path()));
  EXPECT_EQ(reopened.call([](Database& db) { return count_deliveries(db); }), 100);
}
