#include "bot/store/store.hpp"

#include "bot/log/log.hpp"
#include "bot/store/migrations.hpp"

namespace calico::store {

Store::Store(const config::StoreConfig& config)
    : path_(config.path), max_batch_(static_cast<std::size_t>(config.max_batch)) {
  db_ = std::make_unique<Database>(path_);
  migrate(*db_);
  db_->exec("PRAGMA wal_autocheckpoint=0");
  checkpoint_db_ = std::make_unique<Database>(path_);
  checkpointer_ = std::make_unique<util::Worker>("store.checkpoint", std::chrono::milliseconds(500),
                                                 [this] { checkpoint_db_->exec("PRAGMA wal_checkpoint(PASSIVE)"); });
  checkpointer_->start();
  thread_ = std::thread([this] { run(); });
}

Store::~Store() { stop(); }

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

std::size_t Store::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void Store::stop() {
  if (checkpointer_) checkpointer_->stop();
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  if (db_) {
    try {
      db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (const std::exception& e) {
      log::warn("store.checkpoint_failed", {{"error", e.what()}});
    }
    db_.reset();
    checkpoint_db_.reset();
    log::info("store.closed", {{"path", path_.string()}});
  }
}

void Store::run() {
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
  try {
    db_->exec("BEGIN IMMEDIATE");
    for (std::size_t i = 0; i < batch.size(); ++i) {
      db_->exec("SAVEPOINT job");
      try {
        batch[i].work(*db_);
        db_->exec("RELEASE job");
      } catch (...) {
        errors[i] = std::current_exception();
        db_->exec("ROLLBACK TO job");
        db_->exec("RELEASE job");
      }
    }
    db_->exec("COMMIT");
  } catch (...) {
    commit_error = std::current_exception();
    try {
      db_->exec("ROLLBACK");
    } catch (...) {
      // The transaction may already be gone; the error that matters is commit_error.
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
