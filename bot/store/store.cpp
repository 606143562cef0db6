#include "bot/store/store.hpp"

#include <unistd.h>

#include <cstdio>
#include <random>

#include "bot/log/log.hpp"
#include "bot/util/time_format.hpp"

namespace calico::store {

namespace {
std::string new_replica_id() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::random_device random;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(random()));
  return std::string(host) + "-" + suffix;
}

config::StoreConfig with_batch(int max_batch) {
  config::StoreConfig config;
  config.max_batch = max_batch;
  return config;
}
}  // namespace

Store::Store(const config::StoreConfig& config) : Store(make_engine(config), config) {}

Store::Store(std::unique_ptr<Engine> engine, int max_batch) : Store(std::move(engine), with_batch(max_batch)) {}

Store::Store(std::unique_ptr<Engine> engine, const config::StoreConfig& config)
    : engine_(std::move(engine)),
      description_(engine_->describe()),
      replica_(new_replica_id()),
      lease_duration_(config.lease_seconds),
      shared_(shared_between_replicas(config)),
      max_batch_(static_cast<std::size_t>(config.max_batch)) {
  db_ = engine_->open();
  maintainer_ = std::make_unique<util::Worker>("store.upkeep", std::chrono::milliseconds(500), [this] { maintain(); });
  maintainer_->start();
  thread_ = std::thread([this] { run(); });
}

Store::~Store() { stop(); }

Lease Store::lease(std::chrono::system_clock::time_point now) const {
  return {replica_, util::iso8601(std::chrono::floor<std::chrono::seconds>(now + lease_duration_))};
}

void Store::post(Work work, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back({std::move(work), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  if (done) done(std::make_exception_ptr(DatabaseError("the store is shutting down")));
}

void Store::probe_writes() {
  if (probe_pending_.exchange(true)) return;
  post(
      [this](Database& db) {
        engine_->probe(db);
        batch_wrote_ = true;
      },
      [this](std::exception_ptr) { probe_pending_ = false; });
}

void Store::maintain() {
  // A store that could not write is tried again with a small write of its own, so that it says
  // when it can again even if nothing else comes to write (disk space freed while idle, the
  // database server back).
  if (!write_health().ok) probe_writes();
  const std::uint64_t commits = commits_.load();
  const bool idle = commits == commits_at_last_pass_;
  commits_at_last_pass_ = commits;
  engine_->maintain(idle);
}

Store::WriteHealth Store::write_health() const {
  std::lock_guard lock(mutex_);
  return {write_error_.empty(), write_error_};
}

std::size_t Store::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void Store::stop() {
  if (maintainer_) maintainer_->stop();
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  if (db_) {
    engine_->close(*db_);
    db_.reset();
    log::info("store.closed", {{"store", description_}});
  }
}

void Store::atomically_then(std::function<void()> work, Done done) {
  post([work = std::move(work)](Database&) { work(); }, std::move(done));
}

std::string Store::attempt(const std::function<void()>& work) {
  if (!on_store_thread()) throw DatabaseError("Store::attempt runs only inside a unit of work");
  db_->exec("SAVEPOINT attempt");
  try {
    work();
    db_->exec("RELEASE attempt");
    return "";
  } catch (const std::exception& e) {
    const std::string error = e.what();
    db_->exec("ROLLBACK TO attempt");
    db_->exec("RELEASE attempt");
    return error.empty() ? "unknown error" : error;
  }
}

void Store::run() {
  store_thread_ = std::this_thread::get_id();
  std::deque<Job> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has been done
      const std::size_t take = std::min(queue_.size(), max_batch_);
      for (std::size_t i = 0; i < take; ++i) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    run_batch(batch);
    batch.clear();
  }
}

void Store::run_batch(std::deque<Job>& batch) {
  std::vector<std::exception_ptr> errors(batch.size());
  std::exception_ptr commit_error;
  // Why the disk would not take a write (full, I/O error, read-only), if it would not: a job's
  // own failure (a constraint) is its business, this one is the store's health.
  std::string storage_error;
  auto describe = [](const std::exception_ptr& error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      return std::string(e.what());
    } catch (...) {
      return std::string("unknown error");
    }
  };
  const std::int64_t changes_before = db_->total_changes();
  batch_wrote_ = false;
  bool committed = false;
  try {
    db_->begin();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      db_->exec("SAVEPOINT job");
      try {
        batch[i].work(*db_);
        db_->exec("RELEASE job");
      } catch (...) {
        errors[i] = std::current_exception();
        if (db_->storage_failed()) storage_error = describe(errors[i]);
        db_->exec("ROLLBACK TO job");
        db_->exec("RELEASE job");
      }
    }
    db_->exec("COMMIT");
    ++commits_;
    committed = true;
  } catch (...) {
    commit_error = std::current_exception();
    // A full disk makes SQLite roll the whole transaction back, so the savepoint's own rollback
    // fails next: the job's error is the one that says why.
    if (storage_error.empty()) storage_error = describe(commit_error);
    try {
      db_->exec("ROLLBACK");
    } catch (...) {
      // The transaction may already be gone; the error that matters is commit_error.
    }
  }
  {
    std::lock_guard lock(mutex_);
    if (!storage_error.empty()) {
      if (write_error_.empty()) log::error("store.cannot_write", {{"store", description_}, {"error", storage_error}});
      write_error_ = storage_error;
    } else if (!write_error_.empty() && committed && (batch_wrote_ || db_->total_changes() != changes_before)) {
      // Only a commit that wrote something says the disk takes writes again (a batch of reads
      // commits on a full disk too).
      log::info("store.writable_again", {{"store", description_}});
      write_error_.clear();
    }
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i].done) continue;
    try {
      batch[i].done(commit_error ? commit_error : errors[i]);
    } catch (const std::exception& e) {
      log::error("store.callback_failed", {{"error", e.what()}});
    }
  }
}

}  // namespace calico::store
