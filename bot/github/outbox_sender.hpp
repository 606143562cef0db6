// Sends the outbox to GitHub, oldest first: each row once accepted (2xx), marked delivered in the
// store; a 5xx or a lost connection tries again after a growing wait; a rate-limit answer
// (retry-after, x-ratelimit-*) pauses every write until GitHub allows them again; other 4xx
// answers can never succeed and the row is given up, with the reason. Content-creating writes
// are spaced by github.write_interval (GitHub's secondary limits).
//
// Never twice: the row's attempt is counted before it is sent, so after a crash mid-send the
// sender knows the message may have arrived. Statuses and reactions are idempotent on GitHub's
// side; for a comment it first looks for the comment's hidden marker on the pull request.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "bot/github/client.hpp"
#include "bot/github/messages.hpp"
#include "bot/github/own_account.hpp"
#include "bot/store/repositories.hpp"
#include "bot/store/store.hpp"
#include "bot/util/worker.hpp"
#include "config/config.hpp"

namespace calico::github {

class OutboxSender {
 public:
  // What the sender takes as now: which rows are due, when a retry is, how long a rate limit
  // pauses writes. The system clock when empty; tests move it. (The spacing between writes,
  // github.write_interval, is real time: it paces requests, it decides nothing.)
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  // `client` may be null (GitHub not configured): then nothing is sent and the rows wait.
  OutboxSender(store::Store& store, const config::GitHubConfig& config, Client* client, Clock clock = {});
  ~OutboxSender();

  void start();
  void stop() { worker_.stop(); }
  void notify() { worker_.notify(); }  // something was queued

  // One pass over what is due now: returns how many messages were delivered. Used by the thread
  // and by tests driving it by hand.
  std::size_t send_due();

 private:
  enum class Sent { delivered, retry, abandoned, paused };
  Sent send(const store::OutboxEntry& row);
  // A comment the bot wrote on the pull request (comments listed at `path`) carrying the marker
  // of `marker_key`: one a row may have posted before a crash, or a summary to edit.
  struct Found {
    std::string url;
    std::int64_t id = 0;
  };
  std::optional<Found> find_own_comment(const std::string& marker_key, const std::string& path);
  // The id of what an edited message (summary, check) created, looked for on GitHub.
  std::optional<std::int64_t> find_edited(store::MessageKind kind, const std::string& edit_key, const Request& created);
  store::Store& store_;
  std::unique_ptr<store::Repositories> data_;
  const config::GitHubConfig& config_;
  Client* client_;
  OwnAccount own_account_;
  Clock clock_;
  std::chrono::system_clock::time_point paused_until_{};
  std::chrono::steady_clock::time_point last_write_{};
  util::Worker worker_;
};

}  // namespace calico::github
