// What only the SQLite engine does (WAL mode, a full disk as SQLite meets it). What every engine
// does is the store's contract: tests/contract/store_contract_test.cpp.
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
    store.call([](Database& db) { record_delivery(db, testkit::push_delivery("a")); });
  }
  Store reopened(store_config(dir.path()));
  EXPECT_EQ(reopened.call([](Database& db) { return count_deliveries(db); }), 1);
}

// #21 item 10: a store that cannot write says so (what /healthz reports), says when it can again
// even with nothing else to write, and its WAL goes back to nothing once idle.
TEST(Store, SaysWhenItCannotWriteAndWhenItCanAgain) {
  testkit::ScratchDir dir;
  Store store(store_config(dir.path()));
  store.call([](Database& db) { record_delivery(db, testkit::push_delivery("before")); });
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
    Delivery d = testkit::push_delivery("full-" + std::to_string(i));
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
