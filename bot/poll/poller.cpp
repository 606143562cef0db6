#include "bot/poll/poller.hpp"

#include <random>

#include "bot/log/log.hpp"
#include "bot/handling/handler_results.hpp"
#include "builders/git/ls_remote.hpp"
#include "builders/git/mirror.hpp"

namespace calico::poll {

std::vector<RefChange> diff_refs(const std::map<std::string, std::string>& before,
                                 const std::map<std::string, std::string>& after) {
  std::vector<RefChange> changes;
  auto old_it = before.begin();
  auto new_it = after.begin();
  while (old_it != before.end() || new_it != after.end()) {
    if (new_it == after.end() || (old_it != before.end() && old_it->first < new_it->first)) {
      changes.push_back({old_it->first, old_it->second, ""});
      ++old_it;
    } else if (old_it == before.end() || new_it->first < old_it->first) {
      changes.push_back({new_it->first, "", new_it->second});
      ++new_it;
    } else {
      if (old_it->second != new_it->second) changes.push_back({new_it->first, old_it->second, new_it->second});
      ++old_it;
      ++new_it;
    }
  }
  return changes;
}

handlers::PushEvent push_event_for(const std::string& repository, const RefChange& change) {
  static const std::string kZero(40, '0');
  handlers::PushEvent push;
  push.repository = repository;
  push.ref = change.ref;
  push.before = change.before.empty() ? kZero : change.before;
  push.after = change.after.empty() ? kZero : change.after;
  push.created = change.before.empty();
  push.deleted = change.after.empty();
  push.sender.login = "calico-release-bot (poll)";
  return push;
}

Poller::Poller(store::Store& store, const config::Config& config, const handlers::Registry& registry, Clock clock)
    : store_(store),
      data_(store::stored_repositories(store)),
      config_(config),
      registry_(registry),
      clock_(std::move(clock)),
      worker_("poll", std::chrono::seconds(1), [this] {
        if (store_.leads("poll")) poll_due();  // one replica polls
      }) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
  const auto now = clock_();
  for (const auto& repository : config_.repositories) {
    if (repository.poll_interval.count() > 0) schedule_[repository.github] = {now, {}};
  }
}

Poller::~Poller() { stop(); }

PollReport Poller::poll(const config::RepositoryConfig& repository) {
  const std::map<std::string, std::string> now = builders::git::ls_remote(repository.url);
  PollReport report;
  store_.atomically([&] {
    const std::map<std::string, std::string> before = data_->remote_refs().refs(repository.github);
    if (before.empty()) {
      // Never polled: remember what is there. Tags that predate the bot are not new releases.
      report.baseline = true;
      report.outcome = "baseline of " + std::to_string(now.size()) + " refs recorded";
    } else {
      report.changes = diff_refs(before, now);
      handlers::HandlerResult result;
      for (const RefChange& change : report.changes) {
        result.merge(registry_.dispatch(push_event_for(repository.github, change), handlers::HandlerContext{config_}));
      }
      report.outcome = report.changes.empty() ? "no change" : handling::apply_handler_result(*data_, result, std::nullopt, config_.server.status_page_url());
    }
    data_->remote_refs().save(repository.github, now);
  });
  if (!report.changes.empty() || report.baseline) {
    log::info("poll.changes", {{"repository", repository.github}, {"changes", report.changes.size()}, {"outcome", report.outcome}});
  }
  if (!report.changes.empty() && on_change_) on_change_();
  return report;
}

std::size_t Poller::poll_due() {
  using Duration = std::chrono::steady_clock::duration;
  // ±10 % jitter, so that repositories and bots do not poll in lockstep.
  auto jittered = [&](std::chrono::seconds interval) {
    std::uniform_real_distribution<double> factor(0.9, 1.1);
    return std::chrono::duration_cast<Duration>(interval * factor(random_));
  };
  std::size_t polled = 0;
  for (const auto& repository : config_.repositories) {
    auto it = schedule_.find(repository.github);
    if (it == schedule_.end() || clock_() < it->second.next || worker_.stopping()) continue;
    ++polled;
    try {
      poll(repository);
      it->second.backoff = std::chrono::seconds(0);
      it->second.next = clock_() + jittered(repository.poll_interval);
    } catch (const std::exception& e) {
      // Back off: double the wait after each failure, up to an hour.
      it->second.backoff =
          std::min<std::chrono::seconds>(std::chrono::hours(1), std::max(repository.poll_interval, it->second.backoff * 2));
      it->second.next = clock_() + jittered(it->second.backoff);
      log::warn("poll.failed", {{"repository", repository.github}, {"error", e.what()},
                                {"retry_in_seconds", static_cast<long long>(it->second.backoff.count())}});
    }
  }
  return polled;
}

}  // namespace calico::poll
