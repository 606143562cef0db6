// Missed-delivery recovery: GitHub never redelivers by itself, so what it could not deliver while
// the bot was down (or failing) is found and asked for again, at start and every
// github.recovery_interval.
//
// Where the credential may read the webhook's deliveries (a token with admin:repo_hook on the
// repository, or the App's own webhook through its JWT), the failed deliveries the store does not
// hold are redelivered (POST …/attempts): they arrive as ordinary deliveries with their own GUID,
// so the store's dedupe makes a second copy harmless. Hooks are known from X-GitHub-Hook-ID, or
// found by their URL (GET /repos/{o}/{r}/hooks). Where the hooks cannot be read, the watched
// repository's comments since the last pass are re-read (GET …/issues/comments?since=) and those
// with commands the store does not hold go through the same decoder and handlers as a webhook.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "bot/github/client.hpp"
#include "bot/github/own_account.hpp"
#include "bot/store/repositories.hpp"
#include "bot/store/store.hpp"
#include "bot/util/worker.hpp"
#include "config/config.hpp"

namespace calico::recovery {

struct PassReport {
  int redeliveries = 0;  // deliveries asked for again
  int comments = 0;      // comments recovered by re-reading
  std::vector<std::string> errors;  // "<source>: <what went wrong>"
};

class DeliveryRecovery {
 public:
  using Clock = std::function<std::chrono::sys_seconds()>;
  // `github`: the installation or token client (null: GitHub is not configured and nothing
  // runs). `app`: a client authenticated as the App itself (JWT), or null without an App.
  DeliveryRecovery(store::Store& store, const config::Config& config, github::Client* github, github::Client* app,
                   Clock clock = {});
  ~DeliveryRecovery();
  DeliveryRecovery(const DeliveryRecovery&) = delete;
  DeliveryRecovery& operator=(const DeliveryRecovery&) = delete;

  // Called after a pass stored recovered comments (the delivery processor looks then).
  void on_recovered(std::function<void()> callback) { on_recovered_ = std::move(callback); }
  void start();
  void stop() { worker_.stop(); }

  // One pass over every source now.
  PassReport recover();

 private:
  enum class Listing { read, unreadable };
  // Redelivers what the deliveries under `path` show missed. `unreadable`: 403/404.
  Listing redeliver(const std::string& source, const std::string& path, PassReport& report);
  void rescan(const std::string& repository, PassReport& report);
  // The repository's hooks that deliver to this bot (by URL); empty when it has none or they
  // cannot be read.
  std::vector<std::int64_t> discover_hooks(const std::string& repository, bool& unreadable);

  store::Store& store_;
  std::unique_ptr<store::Repositories> data_;
  const config::Config& config_;
  github::Client* github_;
  github::Client* app_;
  Clock clock_;
  github::OwnAccount own_account_;
  std::function<void()> on_recovered_;
  util::Worker worker_;
};

}  // namespace calico::recovery
