// The store's SQLite connections write the WAL through the batching VFS (wal_batching_vfs.hpp):
// what it holds back must reach the file in SQLite's order and before the sync that acknowledges
// it, whatever the transaction's size, and a write the disk refuses must fail the commit without
// harming what was committed before.
#include <gtest/gtest.h>

#include <signal.h>
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "bot/store/sqlite/connection.hpp"
#include "bot/store/sqlite/wal_batching_vfs.hpp"
#include "tests/support/fixtures.hpp"

using calico::store::DatabaseError;
using calico::store::Statement;
using calico::store::sqlite::Connection;
namespace testkit = calico::testkit;

namespace {

// Another reader through SQLite's default VFS, as the status command or another process reads.
class PlainReader {
 public:
  explicit PlainReader(const std::filesystem::path& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db_);
    }
  }
  ~PlainReader() { sqlite3_close(db_); }
  PlainReader(const PlainReader&) = delete;
  PlainReader& operator=(const PlainReader&) = delete;

  std::string text(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string result = "(no row)";
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) return sqlite3_errmsg(db_);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      result = value ? value : "NULL";
    }
    sqlite3_finalize(stmt);
    return result;
  }

 private:
  sqlite3* db_ = nullptr;
};

std::int64_t scalar(Connection& db, const std::string& sql) {
  Statement s = db.prepare(sql);
  s.step();
  return s.column_int(0);
}

void insert(Connection& db, std::int64_t id, const std::string& body) {
  db.prepare("INSERT INTO t(id, body) VALUES (?1, ?2)").bind(1, id).bind(2, body).run();
}

std::int64_t wal_size(const std::filesystem::path& db) {
  return static_cast<std::int64_t>(std::filesystem::file_size(db.string() + "-wal"));
}

}  // namespace

TEST(WalBatchingVfs, IsRegisteredBesideTheDefaultWithoutReplacingIt) {
  const char* name = calico::store::sqlite::wal_batching_vfs();
  ASSERT_NE(name, nullptr);
  EXPECT_NE(sqlite3_vfs_find(name), nullptr);
  EXPECT_STRNE(sqlite3_vfs_find(nullptr)->zName, name);
}

TEST(WalBatchingVfs, EveryCommitIsReadByAnotherConnectionAndAfterReopening) {
  testkit::ScratchDir dir;
  const auto path = dir.path() / "state.sqlite";
  {
    Connection db(path);
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    PlainReader reader(path);
    for (int batch = 0; batch < 40; ++batch) {
      db.begin();
      for (int i = 0; i < 10; ++i) insert(db, batch * 10 + i, std::string(2000, static_cast<char>('a' + i)));
      db.exec("COMMIT");
      ASSERT_EQ(reader.text("SELECT count(*) FROM t"), std::to_string(batch * 10 + 10)) << "after commit " << batch;
    }
  }
  PlainReader reopened(path);
  EXPECT_EQ(reopened.text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(reopened.text("SELECT count(*) FROM t"), "400");
  EXPECT_EQ(reopened.text("SELECT sum(length(body)) FROM t"), "800000");
}

// A transaction bigger than the batch, whose pages spill into the WAL before it commits and are
// written again (SQLite then rewrites the frames it already wrote, and reads them back).
TEST(WalBatchingVfs, ATransactionThatSpillsRewritesAndOutgrowsTheBatchStaysWhole) {
  testkit::ScratchDir dir;
  const auto path = dir.path() / "state.sqlite";
  Connection db(path);
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  db.exec("PRAGMA cache_size = 8");
  db.begin();
  for (int i = 0; i < 3000; ++i) insert(db, i, std::string(2000, 'x'));  // ~6 MB: more than one batch
  db.exec("UPDATE t SET body = 'short-' || id WHERE id % 2 = 0");
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM t WHERE body LIKE 'short-%'"), 1500);
  db.exec("COMMIT");
  // A spilled transaction that is rolled back leaves nothing.
  db.begin();
  for (int i = 3000; i < 4000; ++i) insert(db, i, std::string(2000, 'y'));
  db.exec("ROLLBACK");

  PlainReader reader(path);
  EXPECT_EQ(reader.text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(reader.text("SELECT count(*) FROM t"), "3000");
  EXPECT_EQ(reader.text("SELECT count(*) FROM t WHERE body = 'short-' || id"), "1500");
  EXPECT_EQ(reader.text("SELECT sum(length(body)) FROM t WHERE id % 2 = 1"), std::to_string(1500 * 2000));
}

// What a commit acknowledged is on disk when the process dies at once (nothing waits in the
// VFS's memory past the commit).
TEST(WalBatchingVfs, EveryAcknowledgedCommitSurvivesAKill) {
  testkit::ScratchDir dir;
  const auto path = dir.path() / "state.sqlite";
  {
    Connection db(path);
    db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  }
  int acks[2];
  ASSERT_EQ(::pipe(acks), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(acks[0]);
    try {
      Connection db(path);
      for (std::int64_t i = 0;; ++i) {
        db.begin();
        insert(db, i, std::string(3000, 'z'));
        db.exec("COMMIT");
        const char ack = 'k';
        if (::write(acks[1], &ack, 1) != 1) ::_exit(3);
      }
    } catch (...) {
      ::_exit(2);
    }
  }
  ::close(acks[1]);
  int acknowledged = 0;
  char ack = 0;
  while (acknowledged < 200 && ::read(acks[0], &ack, 1) == 1) ++acknowledged;
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  while (::read(acks[0], &ack, 1) == 1) ++acknowledged;  // acknowledged before the kill landed
  ::close(acks[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the writer stopped by itself, status " << status;
  ASSERT_GE(acknowledged, 200);

  PlainReader reader(path);
  EXPECT_EQ(reader.text("PRAGMA integrity_check"), "ok");
  const std::int64_t stored = std::stoll(reader.text("SELECT count(*) FROM t"));
  EXPECT_GE(stored, acknowledged);
  EXPECT_LE(stored, acknowledged + 1);  // at most the commit under way when it died
  EXPECT_EQ(reader.text("SELECT count(*) FROM t WHERE id >= " + std::to_string(stored)), "0");
}

// A disk that refuses the WAL's write (here a file-size limit: the write fails as on a full
// disk) fails that commit when it syncs, and the connection goes on with what was committed.
TEST(WalBatchingVfs, AWriteTheDiskRefusesFailsItsCommitAndLosesNothingCommitted) {
  testkit::ScratchDir dir;
  const auto path = dir.path() / "state.sqlite";
  Connection db(path);
  db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  db.exec("PRAGMA wal_autocheckpoint = 0");
  db.begin();
  insert(db, 1, "kept");
  db.exec("COMMIT");

  rlimit before{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &before), 0);
  const auto previous_handler = ::signal(SIGXFSZ, SIG_IGN);  // the write fails with EFBIG instead
  rlimit tight = before;
  tight.rlim_cur = static_cast<rlim_t>(wal_size(path) + 8 * 1024);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &tight), 0);
  bool refused = false;
  try {
    db.begin();
    insert(db, 2, std::string(200 * 1024, 'b'));
    db.exec("COMMIT");
  } catch (const DatabaseError& e) {
    refused = true;
    try {
      db.exec("ROLLBACK");
    } catch (const DatabaseError&) {
      // SQLite may have rolled back already
    }
  }
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &before), 0);
  ::signal(SIGXFSZ, previous_handler);
  EXPECT_TRUE(refused) << "the commit past the limit succeeded";

  db.begin();
  insert(db, 3, "after");
  db.exec("COMMIT");
  PlainReader reader(path);
  EXPECT_EQ(reader.text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(reader.text("SELECT group_concat(body, ',') FROM (SELECT body FROM t ORDER BY id)"), "kept,after");
}
