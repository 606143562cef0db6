#include "bot/recovery/recovery.hpp"

#include <map>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "bot/log/log.hpp"
#include "bot/recovery/missed.hpp"
#include "bot/store/repositories.hpp"
#include "bot/util/time_format.hpp"
#include "bot/webhook/intake.hpp"
#include "handlers/commands/command.hpp"

namespace calico::recovery {

namespace json = boost::json;

namespace {

// GitHub keeps three days of deliveries: more pages than that holds for a busy hook are not read.
constexpr int kMaxPages = 30;
// A delivery asked for this many times without arriving is left alone (and said so in the log).
constexpr int kMaxRequests = 3;
// Time for a requested redelivery to arrive before it is asked for again.
constexpr auto kRedeliveryWait = std::chrono::minutes(2);
// The next pass looks back this far as well: GitHub's clock and ours may differ, and a delivery
// still in flight at the end of a pass is listed only later.
constexpr auto kOverlap = std::chrono::minutes(10);

bool unreadable_status(int status) { return status == 403 || status == 404; }

// The events the bot acts on: those worth asking for again.
bool wanted_event(std::string_view event) { return event != "ping" && webhook::event_label(event) != "other"; }

std::chrono::sys_seconds time_of(const std::string& text, std::chrono::sys_seconds otherwise) {
  const auto parsed = util::parse_iso8601(text);
  return parsed ? *parsed : otherwise;
}

std::string without_trailing_slash(std::string url) {
  while (url.ends_with('/')) url.pop_back();
  return url;
}

std::string owner_of(const std::string& repository) { return repository.substr(0, repository.find('/')); }

}  // namespace

DeliveryRecovery::DeliveryRecovery(store::Store& store, const config::Config& config, github::Client* github,
                                   github::Client* app, Clock clock)
    : store_(store),
      data_(store::stored_repositories(store)),
      config_(config),
      github_(github),
      app_(app),
      clock_(clock ? std::move(clock) : Clock(util::system_now)),
      own_account_(config.github, github),
      worker_("recovery",
              std::chrono::duration_cast<std::chrono::milliseconds>(
                  config.github.recovery_interval.count() > 0 ? config.github.recovery_interval : std::chrono::hours(24)),
              [this] {
                if (store_.leads("recovery")) recover();  // one replica looks for what was missed
              }) {}

DeliveryRecovery::~DeliveryRecovery() { stop(); }

void DeliveryRecovery::start() {
  if (!github_ || config_.github.recovery_interval.count() == 0) {
    log::info("recovery.off", {{"reason", github_ ? "github.recovery_interval_seconds is 0" : "no GitHub credentials configured"}});
    return;
  }
  worker_.start();
}

PassReport DeliveryRecovery::recover() {
  PassReport report;
  if (!github_) return report;
  std::vector<std::string> repositories;
  for (const config::RepositoryConfig& repo : config_.repositories) {
    if (!repo.github.empty()) repositories.push_back(repo.github);
  }
  if (app_) {
    // One webhook for the whole App, read with the App's JWT.
    if (redeliver("app", "/app/hook/deliveries", report) == Listing::unreadable) {
      for (const std::string& repository : repositories) rescan(repository, report);
    }
  } else {
    const std::vector<store::HookSource> hooks = data_->deliveries().hooks();
    std::map<std::int64_t, Listing> listed;  // an organization's hook serves several repositories
    for (const std::string& repository : repositories) {
      std::vector<std::pair<std::int64_t, std::string>> paths;
      for (const store::HookSource& hook : hooks) {
        if (hook.target_type == "repository" && hook.target == repository) {
          paths.emplace_back(hook.hook_id, "/repos/" + repository + "/hooks/" + std::to_string(hook.hook_id) + "/deliveries");
        } else if (hook.target_type == "organization" && hook.target == owner_of(repository)) {
          paths.emplace_back(hook.hook_id, "/orgs/" + hook.target + "/hooks/" + std::to_string(hook.hook_id) + "/deliveries");
        }
      }
      bool unreadable = false;
      if (paths.empty()) {
        for (const std::int64_t id : discover_hooks(repository, unreadable)) {
          paths.emplace_back(id, "/repos/" + repository + "/hooks/" + std::to_string(id) + "/deliveries");
        }
      }
      bool read = false;
      for (const auto& [id, path] : paths) {
        auto [at, fresh] = listed.try_emplace(id, Listing::read);
        if (fresh) at->second = redeliver("hook " + std::to_string(id), path, report);
        read |= at->second == Listing::read;
      }
      if (!read) rescan(repository, report);
    }
  }
  log::info("recovery.pass", {{"redeliveries", report.redeliveries}, {"comments", report.comments},
                              {"errors", report.errors.size()}});
  if (report.comments > 0 && on_recovered_) on_recovered_();
  return report;
}

std::vector<std::int64_t> DeliveryRecovery::discover_hooks(const std::string& repository, bool& unreadable) {
  std::vector<std::int64_t> found;
  const std::string url = without_trailing_slash(config_.server.status_page_url() + config_.server.webhook_path);
  try {
    const http::ClientResponse response = github_->call("GET", "/repos/" + repository + "/hooks?per_page=100");
    if (unreadable_status(response.status)) {
      unreadable = true;
      return found;
    }
    if (response.status != 200) throw http::ClientError("listing the hooks answered HTTP " + std::to_string(response.status));
    const json::value parsed = json::parse(response.body);
    for (const json::value& hook : parsed.as_array()) {
      const json::object& object = hook.as_object();
      const json::value* config = object.if_contains("config");
      const json::value* hook_url = config && config->is_object() ? config->as_object().if_contains("url") : nullptr;
      if (!hook_url || !hook_url->is_string() || without_trailing_slash(std::string(hook_url->as_string())) != url) continue;
      const store::HookSource source{object.at("id").to_number<std::int64_t>(), "repository", repository};
      data_->deliveries().add_hook(source);
      found.push_back(source.hook_id);
      log::info("recovery.hook_found", {{"repository", repository}, {"hook", source.hook_id}});
    }
  } catch (const std::exception& e) {
    log::warn("recovery.hooks_unlisted", {{"repository", repository}, {"error", e.what()}});
  }
  if (found.empty() && !unreadable) {
    log::info("recovery.no_hook", {{"repository", repository}, {"url", url}});
  }
  // No hook of ours there (an organization's, or not set up yet): re-reading comments is what is left.
  if (found.empty()) unreadable = true;
  return found;
}

DeliveryRecovery::Listing DeliveryRecovery::redeliver(const std::string& source, const std::string& path,
                                                      PassReport& report) {
  const auto now = clock_();
  const auto state = data_->recovery().source(source);
  const std::optional<std::chrono::sys_seconds> cursor =
      state && state->cursor ? util::parse_iso8601(*state->cursor) : std::nullopt;
  github::Client& client = path.starts_with("/app/") ? *app_ : *github_;
  store::RecoverySource saved{source, store::RecoveryMethod::redeliver, state ? state->cursor : std::nullopt,
                              util::iso8601(now), std::nullopt};
  try {
    std::vector<DeliveryAttempt> attempts;
    std::string page = path + "?per_page=100";
    for (int pages = 0; pages < kMaxPages && !page.empty(); ++pages) {
      const http::ClientResponse response = client.call("GET", page);
      if (unreadable_status(response.status)) {
        log::info("recovery.deliveries_unreadable",
                  {{"source", source}, {"status", response.status},
                   {"reason", "the credential may not read the webhook's deliveries (admin:repo_hook, or the App's webhook)"}});
        return Listing::unreadable;
      }
      if (response.status != 200) throw http::ClientError("listing deliveries answered HTTP " + std::to_string(response.status));
      std::vector<DeliveryAttempt> batch = parse_delivery_attempts(response.body);
      const bool older_than_cursor = cursor && !batch.empty() && time_of(batch.back().delivered_at, now) < *cursor;
      attempts.insert(attempts.end(), std::make_move_iterator(batch.begin()), std::make_move_iterator(batch.end()));
      if (older_than_cursor) break;
      page = client.next_page(response);
    }
    auto next_cursor = now - kOverlap;
    for (const MissedDelivery& missed : missed_deliveries(attempts, wanted_event)) {
      const auto [held, asked] = store_.atomically([&] {
        return std::pair{data_->deliveries().find(missed.guid).has_value(),
                         data_->recovery().find(store::RecoveredKind::redelivery, missed.guid)};
      });
      if (held) continue;  // it reached the bot after all (a redelivery by hand)
      if (asked && asked->requests >= kMaxRequests) continue;
      next_cursor = std::min(next_cursor, time_of(missed.first_delivered_at, now));
      if (asked && now - time_of(asked->last_at, now) < kRedeliveryWait) continue;  // on its way
      const std::string attempt_path = path + "/" + std::to_string(missed.latest_attempt) + "/attempts";
      const http::ClientResponse response = client.call("POST", attempt_path);
      if (response.status != 202 && response.status != 200 && response.status != 201) {
        throw http::ClientError("asking for delivery " + missed.guid + " again answered HTTP " + std::to_string(response.status));
      }
      data_->recovery().note(store::RecoveredKind::redelivery, missed.guid, source, missed.event);
      ++report.redeliveries;
      const int requests = asked ? asked->requests + 1 : 1;
      log::info("recovery.redelivery_requested", {{"source", source}, {"delivery", missed.guid}, {"github_event", missed.event},
                                                  {"first_delivered_at", missed.first_delivered_at},
                                                  {"last_status", missed.last_status}, {"request", requests}});
      if (requests >= kMaxRequests) {
        log::warn("recovery.redelivery_last_request", {{"source", source}, {"delivery", missed.guid}, {"requests", requests}});
      }
    }
    saved.cursor = util::iso8601(next_cursor);
  } catch (const std::exception& e) {
    saved.last_error = e.what();
    report.errors.push_back(source + ": " + e.what());
    log::warn("recovery.failed", {{"source", source}, {"error", e.what()}});
  }
  data_->recovery().save_source(saved);
  return Listing::read;
}

void DeliveryRecovery::rescan(const std::string& repository, PassReport& report) {
  const auto now = clock_();
  const std::string source = "comments " + repository;
  const auto state = data_->recovery().source(source);
  store::RecoverySource saved{source, store::RecoveryMethod::rescan, util::iso8601(now), util::iso8601(now), std::nullopt};
  if (!state || !state->cursor) {
    // The first pass: what was said before the bot watched this repository is not its business.
    log::info("recovery.rescan_starts", {{"repository", repository}, {"since", *saved.cursor}});
    data_->recovery().save_source(saved);
    return;
  }
  const auto since = time_of(*state->cursor, now);
  try {
    std::string page = "/repos/" + repository + "/issues/comments?since=" + util::iso8601(since).substr(0, 19) +
                       "Z&sort=created&direction=asc&per_page=100";
    for (int pages = 0; pages < kMaxPages && !page.empty(); ++pages) {
      const http::ClientResponse response = github_->call("GET", page);
      if (response.status != 200) throw http::ClientError("listing comments answered HTTP " + std::to_string(response.status));
      for (const ListedComment& comment : parse_listed_comments(response.body)) {
        // `since` selects by update time: an old comment edited since is not a new command.
        if (time_of(comment.created_at, now) < since || !comment.on_pull_request) continue;
        if (comment.author_type == "Bot") continue;
        if (handlers::commands::parse_comment(comment.body, config_).empty()) continue;
        if (own_account_.wrote(json::parse(comment.raw).as_object())) continue;
        store::Delivery delivery{recovered_comment_guid(comment.id), "issue_comment", "created", repository,
                                 comment_event_payload(repository, comment), util::utc_now_iso8601()};
        const bool stored = store_.atomically([&] {
          if (data_->recovery().comment_known(repository, comment.id)) return false;
          if (data_->deliveries().record(delivery) != store::RecordOutcome::recorded) return false;
          data_->recovery().note(store::RecoveredKind::comment, repository + "#" + std::to_string(comment.id), source,
                                 "issue_comment");
          return true;
        });
        if (!stored) continue;
        ++report.comments;
        log::info("recovery.comment_recovered", {{"repository", repository}, {"issue", comment.issue_number},
                                                 {"comment", comment.id}, {"author", comment.author},
                                                 {"created_at", comment.created_at}});
      }
      page = github_->next_page(response);
    }
    saved.cursor = util::iso8601(std::max(since, now - kOverlap));
  } catch (const std::exception& e) {
    saved.cursor = state->cursor;
    saved.last_error = e.what();
    report.errors.push_back(source + ": " + e.what());
    log::warn("recovery.failed", {{"source", source}, {"error", e.what()}});
  }
  data_->recovery().save_source(saved);
}

}  // namespace calico::recovery
