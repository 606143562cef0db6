// What only the SQLite engine does (WAL mode, a full disk as SQLite meets it). What every engine
// does is the store's contract: tests/contract/store_contract_test.cpp.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>

#include "bot/store/sqlite/connection.hpp"
#include "bot/store/sqlite/engine.hpp"
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

namespace {
// The SQLite engine, with its sync() held at a gate the test opens, or made to fail: the disk as
// the completion thread meets it.
class GatedEngine : public Engine {
 public:
  explicit GatedEngine(const config::StoreConfig& config) : inner_(config) {}
  std::string setting() const override { return inner_.setting(); }
  Inspection inspect() override { return inner_.inspect(); }
  std::unique_ptr<Database> open() override { return inner_.open(); }
  std::string describe() const override { return inner_.describe(); }
  void probe(Database& db) override { inner_.probe(db); }
  void maintain(bool idle) override { inner_.maintain(idle); }
  void close(Database& db) override { inner_.close(db); }
  void sync() override {
    std::unique_lock lock(mutex_);
    ++entered_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    if (!failure_.empty()) throw DatabaseError(failure_);
    lock.unlock();
    inner_.sync();
    ++synced_;
  }

  void open_gate(bool open) {
    std::lock_guard lock(mutex_);
    open_ = open;
    changed_.notify_all();
  }
  void fail_with(std::string failure) {
    std::lock_guard lock(mutex_);
    failure_ = std::move(failure);
  }
  int entered() {
    std::lock_guard lock(mutex_);
    return entered_;
  }
  int synced() const { return synced_; }

 private:
  sqlite::Engine inner_;
  std::mutex mutex_;
  std::condition_variable changed_;
  bool open_ = true;
  int entered_ = 0;
  std::string failure_;
  std::atomic<int> synced_{0};
};
}  // namespace

// A commit is acknowledged only once the engine made it durable, and the writer does not wait for
// the disk meanwhile: the next batch runs (and commits) while the previous one's sync is under way.
TEST(Store, AnswersOnlyOnceSyncedAndWritesOnMeanwhile) {
  testkit::ScratchDir dir;
  auto engine = std::make_unique<GatedEngine>(store_config(dir.path()));
  GatedEngine& gate = *engine;
  Store store(std::move(engine), store_config(dir.path()));
  store.call([](Database& db) { record_delivery(db, delivery("first")); });
  const int synced_before = gate.synced();
  EXPECT_GE(synced_before, 1);

  gate.open_gate(false);
  std::atomic<bool> a_answered{false};
  std::atomic<bool> b_ran{false};
  std::atomic<bool> b_answered{false};
  std::exception_ptr a_error;
  store.post([](Database& db) { record_delivery(db, delivery("a")); },
             [&](std::exception_ptr error) {
               a_error = error;
               a_answered = true;
             });
  ASSERT_TRUE(testkit::eventually([&] { return gate.entered() > synced_before; }));
  store.post(
      [&](Database& db) {
        record_delivery(db, delivery("b"));
        b_ran = true;
      },
      [&](std::exception_ptr) { b_answered = true; });
  // B is written and committed while A's sync waits; neither is answered.
  ASSERT_TRUE(testkit::eventually([&] { return b_ran.load(); }));
  ASSERT_TRUE(testkit::eventually([&] { return store.queued() == 0; }));
  EXPECT_FALSE(a_answered.load());
  EXPECT_FALSE(b_answered.load());
  gate.open_gate(true);
  ASSERT_TRUE(testkit::eventually([&] { return a_answered && b_answered; }));
  EXPECT_EQ(a_error, nullptr);
  EXPECT_EQ(store.call([](Database& db) { return count_deliveries(db); }), 3);
}

// A sync the disk refuses fails what it would have acknowledged, and the store says it cannot
// write until a later write reaches the disk. A callback that waits for the store is refused, not
// left waiting for itself.
TEST(Store, SyncFailureFailsTheBatchAndIsReported) {
  testkit::ScratchDir dir;
  auto engine = std::make_unique<GatedEngine>(store_config(dir.path()));
  GatedEngine& gate = *engine;
  Store store(std::move(engine), store_config(dir.path()));
  gate.fail_with("fdatasync: Input/output error");
  try {
    store.call([](Database& db) { record_delivery(db, delivery("lost")); });
    ADD_FAILURE() << "a write whose sync failed was acknowledged";
  } catch (const DatabaseError& e) {
    EXPECT_NE(std::string(e.what()).find("Input/output error"), std::string::npos) << e.what();
  }
  const Store::WriteHealth failing = store.write_health();
  EXPECT_FALSE(failing.ok);
  EXPECT_NE(failing.error.find("Input/output error"), std::string::npos) << failing.error;

  gate.fail_with("");
  store.call([](Database& db) { record_delivery(db, delivery("kept")); });
  EXPECT_TRUE(store.write_health().ok);

  std::promise<std::string> refused;
  store.post([](Database&) {},
             [&](std::exception_ptr) {
               try {
                 store.call([](Database& db) { return count_deliveries(db); });
                 refused.set_value("");
               } catch (const DatabaseError& e) {
                 refused.set_value(e.what());
               }
             });
  EXPECT_NE(refused.get_future().get().find("wait for itself"), std::string::npos);
}
