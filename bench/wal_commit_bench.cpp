// The store's commit cycle alone, through SQLite's default VFS and through the WAL-batching one
// (bot/store/sqlite/wal_batching_vfs.hpp), alternating: batches of 15 inserts of a 1.1 KiB
// payload (what a batch of the intake commits under the peer bench's load), synchronous=FULL, a
// PASSIVE checkpoint every 500 ms on a second connection, as the store does.
//   wal-commit-bench [SECONDS_PER_RUN=4] [ROUNDS=2] [DIRECTORY=.]
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "bot/store/sqlite/wal_batching_vfs.hpp"

namespace {

constexpr int kRowsPerCommit = 15;

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "wal-commit-bench: %s: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

void run(const char* label, const char* vfs, const std::filesystem::path& dir, double seconds) {
  const auto path = dir / "wal-commit-bench.sqlite";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  sqlite3* db = nullptr;
  sqlite3* checkpointer = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  check(sqlite3_open_v2(path.c_str(), &db, flags, vfs), db, "open");
  check(sqlite3_exec(db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=0;"
                     "CREATE TABLE d(id INTEGER PRIMARY KEY, guid TEXT UNIQUE, payload TEXT, processed INTEGER);"
                     "CREATE INDEX d_waiting ON d(id) WHERE processed IS NULL;",
                     nullptr, nullptr, nullptr),
        db, "schema");
  check(sqlite3_open_v2(path.c_str(), &checkpointer, flags, nullptr), checkpointer, "open");
  sqlite3_stmt* insert = nullptr;
  check(sqlite3_prepare_v2(db, "INSERT INTO d(guid, payload, processed) VALUES (?1, ?2, 1)", -1, &insert, nullptr), db,
        "prepare");
  const std::string payload(1100, 'x');
  std::vector<double> latencies;
  long rows = 0;
  const auto start = std::chrono::steady_clock::now();
  auto last_checkpoint = start;
  for (;;) {
    const auto before = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(before - start).count() >= seconds) break;
    check(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), db, "begin");
    for (int i = 0; i < kRowsPerCommit; ++i, ++rows) {
      const std::string guid = "bench-" + std::to_string(rows);
      sqlite3_bind_text(insert, 1, guid.data(), static_cast<int>(guid.size()), SQLITE_TRANSIENT);
      sqlite3_bind_text(insert, 2, payload.data(), static_cast<int>(payload.size()), SQLITE_STATIC);
      check(sqlite3_step(insert), db, "insert");
      sqlite3_reset(insert);
    }
    check(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
    const auto after = std::chrono::steady_clock::now();
    latencies.push_back(std::chrono::duration<double, std::micro>(after - before).count());
    if (after - last_checkpoint >= std::chrono::milliseconds(500)) {
      sqlite3_wal_checkpoint_v2(checkpointer, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      last_checkpoint = after;
    }
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  sqlite3_finalize(insert);
  sqlite3_close(checkpointer);
  sqlite3_close(db);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  std::sort(latencies.begin(), latencies.end());
  std::printf("%-22s %6.0f commits/s  %7.0f rows/s  commit p50 %5.0f us  p99 %6.0f us\n", label,
              static_cast<double>(latencies.size()) / elapsed, static_cast<double>(rows) / elapsed,
              latencies[latencies.size() / 2], latencies[latencies.size() * 99 / 100]);
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 4.0;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 2;
  const std::filesystem::path dir = argc > 3 ? argv[3] : ".";
  const char* batching = calico::store::sqlite::wal_batching_vfs();
  if (batching == nullptr) {
    std::fprintf(stderr, "wal-commit-bench: the WAL-batching VFS is not available over this SQLite's default VFS\n");
    return 1;
  }
  for (int round = 0; round < rounds; ++round) {
    run("default VFS", nullptr, dir, seconds);
    run("WAL frames in one write", batching, dir, seconds);
  }
  return 0;
}
