// The one owner of the writer's connection, on whichever engine `[store] backend` names. All
// database work runs on the store's own thread, never
// on an HTTP I/O thread. Writes queue up and are committed together: one transaction (and one fsync)
// covers every job waiting when the previous commit finished, which is what lets the webhook
// intake acknowledge thousands of deliveries a second durably. Each job runs in its own savepoint,
// so one failing job does not undo its neighbours.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>

#include "bot/store/database.hpp"
#include "bot/store/engine.hpp"
#include "bot/store/replicas.hpp"
#include "bot/util/worker.hpp"
#include "config/config.hpp"

namespace calico::store {

class Store {
 public:
  using Work = std::function<void(Database&)>;
  // Runs on the store thread after the job's transaction committed (nullptr) or failed.
  using Done = std::function<void(std::exception_ptr)>;

  // Connects, applies pending migrations (throws DatabaseError on failure) and starts the thread.
  explicit Store(const config::StoreConfig& config);
  explicit Store(std::unique_ptr<Engine> engine, int max_batch = 512);
  Store(std::unique_ptr<Engine> engine, const config::StoreConfig& config);
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  void post(Work work, Done done);

  // Runs `fn(Database&)` on the store thread and waits for its committed result. Called on the
  // store thread itself (from inside another job), it runs there and then, in that job's
  // transaction: that is how repository calls inside `atomically` commit together.
  template <class Fn>
  auto call(Fn fn) -> std::invoke_result_t<Fn, Database&> {
    using Result = std::invoke_result_t<Fn, Database&>;
    if (on_store_thread()) return fn(*db_);
    auto promise = std::make_shared<std::promise<Result>>();
    auto result = std::make_shared<std::optional<std::conditional_t<std::is_void_v<Result>, char, Result>>>();
    post(
        [fn = std::move(fn), result](Database& db) mutable {
          if constexpr (std::is_void_v<Result>) {
            fn(db);
          } else {
            result->emplace(fn(db));
          }
        },
        [promise, result](std::exception_ptr error) {
          if (error) {
            promise->set_exception(error);
          } else if constexpr (std::is_void_v<Result>) {
            promise->set_value();
          } else {
            promise->set_value(std::move(**result));
          }
        });
    return promise->get_future().get();
  }

  // One unit of work: every repository call `fn()` makes commits together, or none does.
  template <class Fn>
  auto atomically(Fn fn) -> std::invoke_result_t<Fn> {
    return call([&fn](Database&) { return fn(); });
  }
  // The same without waiting: `done` runs on the store thread once it committed (or failed), so
  // many callers' units share one commit (the webhook intake's group commit).
  void atomically_then(std::function<void()> work, Done done);
  // Inside a unit of work: runs `work` so that, when it throws, only what it wrote is undone and
  // the rest of the unit goes on. Returns the error, or "" when it succeeded.
  std::string attempt(const std::function<void()>& work);

  // Finishes every queued job, lets the engine tidy up (SQLite checkpoints its WAL) and closes.
  // Later posts fail with an error.
  void stop();

  std::size_t queued() const;
  // Whether the last transaction committed; when not, why (a full disk, say). Writes are tried
  // again as they come, so this turns true again once the cause is gone.
  struct WriteHealth {
    bool ok = true;
    std::string error;
  };
  WriteHealth write_health() const;
  // Where the data lives, for messages (a path, or a URL without its password).
  const std::string& describe() const { return description_; }
  // This process among the replicas serving the store: "<host>-<8 hex digits>", new at each start.
  const std::string& replica() const { return replica_; }
  // A claim of this replica's from `now` for the configured lease.
  Lease lease(std::chrono::system_clock::time_point now) const;
  std::chrono::seconds lease_duration() const { return lease_duration_; }
  // Several serve processes share this store (its engine allows replicas).
  bool shared() const { return shared_; }
  // Whether this replica does the work only one replica does (`role`: polling, the scheduling
  // rules, commands, recovery, retention). Held while this replica's connection lives; another
  // takes it when it dies.
  bool leads(std::string_view role) {
    return call([role](Database& db) { return db.lead(role); });
  }

 private:
  struct Job {
    Work work;
    Done done;
  };
  void run();
  bool on_store_thread() const { return std::this_thread::get_id() == store_thread_.load(); }
  void run_batch(std::deque<Job>& batch);

  std::unique_ptr<Engine> engine_;
  std::string description_;
  std::string replica_;
  std::chrono::seconds lease_duration_{30};
  bool shared_ = false;
  std::size_t max_batch_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<util::Worker> maintainer_;
  // Commits so far, and how many there were at the last upkeep pass: none since means idle.
  std::atomic<std::uint64_t> commits_{0};
  std::uint64_t commits_at_last_pass_ = 0;  // maintainer thread only
  void maintain();
  void probe_writes();
  std::atomic<bool> probe_pending_{false};
  bool batch_wrote_ = false;  // store thread only: the batch running holds a probe that wrote
  std::string write_error_;  // under mutex_
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<std::thread::id> store_thread_{};
};

}  // namespace calico::store
