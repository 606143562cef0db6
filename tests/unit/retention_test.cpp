// [store] retention_days: what settled long ago goes, nothing unfinished or still referenced does.
#include <gtest/gtest.h>

#include "bot/github/messages.hpp"
#include "bot/maintenance/pruner.hpp"
#include "bot/store/build_queue.hpp"
#include "bot/store/deliveries.hpp"
#include "bot/store/outbox.hpp"
#include "bot/store/store.hpp"
#include "config/loader.hpp"
#include "tests/support/fixtures.hpp"

using namespace calico;
using namespace calico::store;

namespace {

constexpr const char* kOld = "2026-01-01T00:00:00.000Z";
constexpr const char* kRecent = "2026-11-30T00:00:00.000Z";
const auto kNow = std::chrono::sys_days(std::chrono::year(2026) / 12 / 1);

class RetentionTest : public ::testing::Test {
 protected:
  RetentionTest() : store_([this] {
      config::StoreConfig c;
      c.path = dir_.path() / "state.sqlite";
      return c;
    }()) {}

  void delivery(const std::string& guid, const char* at, bool processed) {
    store_.call([&](Database& db) {
      record_delivery(db, {guid, "push", "", "projectcalico/felix", R"({"ref":"refs/heads/master"})", at});
      if (processed) {
        Statement mark = db.prepare("UPDATE deliveries SET processed_at = ?2 WHERE guid = ?1");
        mark.bind(1, guid).bind(2, std::string(at));
        mark.run();
      }
    });
  }

  void message(const std::string& key, const char* at, const char* settled_column) {
    store_.call([&](Database& db) {
      enqueue_outbox(db, github::comment_message("projectcalico/felix", 12, "hello", key));
      Statement age = db.prepare(std::string("UPDATE outbox SET created_at = ?2") +
                                 (settled_column ? std::string(", ") + settled_column + " = ?2" : "") + " WHERE dedupe_key = ?1");
      age.bind(1, key).bind(2, std::string(at));
      age.run();
    });
  }

  std::vector<std::string> column(const std::string& sql) {
    return store_.call([&](Database& db) {
      Statement query = db.prepare(sql);
      std::vector<std::string> out;
      while (query.step()) out.push_back(query.column_text(0));
      return out;
    });
  }

  testkit::ScratchDir dir_;
  Store store_;
};

}  // namespace

TEST_F(RetentionTest, SettledRowsOlderThanTheRetentionGoTheRestStays) {
  delivery("old-processed", kOld, true);
  delivery("old-unprocessed", kOld, false);
  delivery("recent-processed", kRecent, true);
  delivery("old-but-named-by-a-request", kOld, true);
  store_.call([](Database& db) {
    handlers::BuildRequest request;
    request.target_repo = "calico-3.4";
    request.version = "v3.4.1";
    request.repository = "projectcalico/felix";
    request.trigger = "test";
    enqueue_build_request(db, request, std::string("old-but-named-by-a-request"));
  });
  message("old-delivered", kOld, "delivered_at");
  message("old-abandoned", kOld, "abandoned_at");
  message("old-unsent", kOld, nullptr);
  message("recent-delivered", kRecent, "delivered_at");
  store_.call([](Database& db) {
    remember_edited_resource(db, "summary:projectcalico/felix#12:build-1", 101);
    remember_edited_resource(db, "summary:projectcalico/felix#12:build-2", 102);
    Statement age = db.prepare("UPDATE edited_resources SET updated_at = ?1 WHERE resource_id = 101");
    age.bind(1, std::string(kOld));
    age.run();
  });

  maintenance::Pruner pruner(store_, 90, [] { return std::chrono::sys_seconds(kNow); });
  const Pruned pruned = pruner.prune();
  EXPECT_EQ(pruned.deliveries, 1);
  EXPECT_EQ(pruned.outbox, 2);
  EXPECT_EQ(pruned.edited, 1);
  EXPECT_EQ(column("SELECT edit_key FROM edited_resources"),
            (std::vector<std::string>{"summary:projectcalico/felix#12:build-2"}));
  EXPECT_EQ(column("SELECT guid FROM deliveries ORDER BY guid"),
            (std::vector<std::string>{"old-but-named-by-a-request", "old-unprocessed", "recent-processed"}));
  EXPECT_EQ(column("SELECT dedupe_key FROM outbox ORDER BY dedupe_key"),
            (std::vector<std::string>{"old-unsent", "recent-delivered"}));
  EXPECT_EQ(pruner.prune().deliveries, 0) << "a second pass has nothing left to do";

  // Once the recent rows are older than the retention too, they go.
  maintenance::Pruner later(store_, 7, [] { return std::chrono::sys_seconds(kNow + std::chrono::days(30)); });
  EXPECT_EQ(later.prune().deliveries, 1);
  EXPECT_EQ(column("SELECT dedupe_key FROM outbox"), (std::vector<std::string>{"old-unsent"}));
}

TEST_F(RetentionTest, ASupersededStatusGoesWithTheOneThatReplacedIt) {
  store_.call([](Database& db) {
    const std::string sha(40, 'a');
    for (const char* state : {"pending", "success"}) {
      enqueue_outbox(db, github::status_message("projectcalico/felix", sha, state, "calico-release-bot/calico-3.4", state,
                                                "http://status.example/",
                                                "status:projectcalico/felix:" + sha + ":calico-release-bot/calico-3.4:build-1:" + state));
    }
    db.exec("UPDATE outbox SET created_at = '2026-01-01T00:00:00.000Z'");
    db.exec("UPDATE outbox SET delivered_at = '2026-01-01T00:00:01.000Z' WHERE superseded_by IS NULL");
  });
  ASSERT_EQ(column("SELECT COUNT(*) FROM outbox WHERE superseded_by IS NOT NULL"), (std::vector<std::string>{"1"}));
  maintenance::Pruner pruner(store_, 30, [] { return std::chrono::sys_seconds(kNow); });
  EXPECT_EQ(pruner.prune().outbox, 2);
}

TEST_F(RetentionTest, ZeroKeepsEverythingAndShortRetentionsAreRefused) {
  delivery("old-processed", kOld, true);
  maintenance::Pruner keep(store_, 0, [] { return std::chrono::sys_seconds(kNow); });
  EXPECT_EQ(keep.prune().deliveries, 0);
  testkit::write_file(dir_.path() / "bot.toml", "[store]\nretention_days = 3\n");
  try {
    config::load_config(dir_.path() / "bot.toml");
    ADD_FAILURE() << "retention_days = 3 was accepted";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(":2: store.retention_days: must be 0 (keep everything) or at least 7"), std::string::npos)
        << e.what();
  }
}
