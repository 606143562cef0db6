#include "bot/commands/runner.hpp"

#include <algorithm>
#include <map>
#include <regex>

#include "bot/github/build_report.hpp"
#include "builders/plan.hpp"
#include "bot/launchpad/publication.hpp"
#include "bot/store/lp_watches.hpp"
#include "bot/github/messages.hpp"
#include "bot/log/log.hpp"
#include "bot/store/build_queue.hpp"
#include "bot/store/builds.hpp"
#include "bot/store/reporting.hpp"
#include "bot/util/time_format.hpp"
#include "handlers/commands/command.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace calico::commands {

namespace {

constexpr int kBatch = 20;
constexpr auto kIdleWake = std::chrono::seconds(5);

std::string mention(const store::StoredCommand& command) { return "@" + command.invocation.author; }

std::string quoted_line(const store::StoredCommand& command) { return "`" + command.invocation.command.line + "`"; }

// A build's state in a sentence or two, with its table, for /status.
std::string describe_build(store::Database& db, std::int64_t id, const std::string& status_page) {
  github::BuildFacts facts;
  facts.build = *store::find_build(db, id);
  facts.steps = store::build_steps(db, id);
  facts.watches = store::lp_watches_of_build(db, id);
  facts.publication = launchpad::build_publication(facts.watches);
  facts.status_page = status_page;
  std::map<std::string, int> counts;
  for (const store::StepRow& step : facts.steps) ++counts[std::string(builders::pipeline::to_string(step.state))];
  std::string jobs;
  for (const auto& [state, count] : counts) jobs += (jobs.empty() ? "" : ", ") + std::to_string(count) + " " + state;
  const store::BuildRow& build = facts.build;
  std::string text = "build #" + std::to_string(build.id) + " of **" + build.version + "** for `" + build.target_repo +
                     "` is **" + std::string(handlers::to_string(build.state)) + "** (started " + build.started_at +
                     (build.finished_at ? ", finished " + *build.finished_at : "") + "). Jobs: " +
                     (jobs.empty() ? "none yet" : jobs) + ". Launchpad: " +
                     (facts.publication.total == 0 ? std::string("nothing uploaded to watch")
                                                   : std::string(launchpad::to_string(facts.publication.state)) + ", " +
                                                         facts.publication.progress()) +
                     ". " + github::build_url(status_page, build.id);
  if (!facts.steps.empty()) text += "\n\n" + github::summary_table(facts);
  return text;
}

}  // namespace

struct CommandRunner::Outcome {
  // Runs in the transaction that marks the command done; returns the reply ("" for none), may
  // queue builds and messages itself, and corrects `summary` when what it did differs from what
  // was planned (a /publish whose request was already queued queued nothing).
  std::function<std::string(store::Database&, std::string& summary)> act;
  std::string summary;  // the command row's outcome, for the log and the status page

  // An outcome that only answers: the reply, nothing else done.
  static Outcome reply_only(std::string reply, std::string summary) {
    return {[reply = std::move(reply)](store::Database&, std::string&) { return reply; }, std::move(summary)};
  }
};

std::string help_text() {
  std::string text = "Commands (one per line, in a pull request comment):\n\n| command | what it does |\n|---|---|\n";
  for (const handlers::commands::CommandSpec& spec : handlers::commands::all_commands()) {
    text += "| `" + spec.usage + "` | " + spec.help + (spec.privileged ? " *(write access)*" : "") + " |\n";
  }
  return text;
}

CommandRunner::CommandRunner(store::Store& store, const config::Config& config, github::Client* github, RefLister list_refs,
                             std::chrono::seconds give_up_after)
    : store_(store),
      config_(config),
      github_(github),
      permissions_(config.github, github),
      own_account_(config.github, github),
      list_refs_(std::move(list_refs)),
      give_up_after_(give_up_after),
      worker_("command", kIdleWake, [this] { run_pending(); }) {}

CommandRunner::~CommandRunner() { stop(); }

std::size_t CommandRunner::run_pending() {
  std::vector<store::StoredCommand> commands =
      store_.call([](store::Database& db) { return store::pending_commands(db, kBatch); });
  // A comment's commands are answered together, in one reply: a full batch that may have cut the
  // last comment's commands short leaves that comment for the next pass.
  auto same_comment = [](const store::StoredCommand& a, const store::StoredCommand& b) {
    return a.invocation.repository == b.invocation.repository && a.invocation.comment_id == b.invocation.comment_id;
  };
  if (commands.size() == static_cast<std::size_t>(kBatch) && !same_comment(commands.front(), commands.back())) {
    while (same_comment(commands.back(), commands[commands.size() - 2])) commands.pop_back();
    commands.pop_back();
  }
  std::vector<std::vector<store::StoredCommand>> comments;
  for (store::StoredCommand& command : commands) {
    auto group = std::find_if(comments.begin(), comments.end(), [&](const auto& g) { return same_comment(g.front(), command); });
    if (group == comments.end()) {
      comments.push_back({std::move(command)});
    } else {
      group->push_back(std::move(command));
    }
  }

  std::size_t finished = 0;
  for (const std::vector<store::StoredCommand>& group : comments) {
    std::vector<Outcome> outcomes;
    bool deferred = false;
    for (const store::StoredCommand& command : group) {
      try {
        outcomes.push_back(decide(command));
      } catch (const std::exception& e) {
        // GitHub or a remote could not be asked: the comment's commands stay pending and are
        // tried next pass, until they are too old to be what the maintainer still wants.
        const auto now = util::system_now();
        const auto created = util::parse_iso8601(command.created_at).value_or(now);
        if (now - created < give_up_after_) {
          log::warn("command.deferred", {{"command", command.id}, {"name", command.invocation.command.name}, {"error", e.what()}});
          deferred = true;
          break;
        }
        const std::string reply = mention(command) + " I could not run " + quoted_line(command) + ": " + e.what() +
                                  ". I kept trying for " + std::to_string(give_up_after_.count() / 60) +
                                  " minutes; nothing was done. Please try again later.";
        outcomes.push_back(Outcome::reply_only(reply, "gave up: " + std::string(e.what())));
        log::error("command.gave_up", {{"command", command.id}, {"name", command.invocation.command.name}, {"error", e.what()}});
      }
    }
    if (deferred) continue;
    finish(group, outcomes);
    finished += group.size();
  }
  if (finished > 0 && on_done_) on_done_();
  return finished;
}

CommandRunner::Outcome CommandRunner::decide(const store::StoredCommand& command) {
  const handlers::commands::Command& parsed = command.invocation.command;
  // The bot's own comments quote commands (replies, /help): never obeyed, whatever account type.
  if (own_account_.is(command.invocation.author)) {
    return Outcome::reply_only("", "ignored: written by the bot's own account " + own_account_.login());
  }
  if (!parsed.ok()) {
    // Mistakes are pointed out only to people who may command the bot: anyone else typing
    // "/publish nonsense" gets nothing back (the eyes reaction aside).
    const github::Permission permission = permissions_.may_write(command.invocation.repository, command.invocation.author);
    if (!permission.allowed) return Outcome::reply_only("", "ignored: " + parsed.error + " (" + permission.why + ")");
    const std::string reply = mention(command) + " I could not run " + quoted_line(command) + ": " + parsed.error +
                              ".\n\nUsage: `" + parsed.usage + "`";
    return Outcome::reply_only(reply, "rejected: " + parsed.error);
  }
  const handlers::commands::CommandSpec* spec = handlers::commands::find_command(parsed.name);
  if (spec && spec->needs_permission(parsed)) {
    const github::Permission permission = permissions_.may_write(command.invocation.repository, command.invocation.author);
    if (!permission.allowed) {
      const std::string reply = "Sorry " + mention(command) + ", only people with write access to " +
                                command.invocation.repository + " may run `/" + parsed.name + "` (" + permission.why +
                                "). Nothing was done.";
      return Outcome::reply_only(reply, "refused: " + permission.why);
    }
  }
  if (parsed.name == "help") {
    const std::string reply = mention(command) + " " + help_text();
    return Outcome::reply_only(reply, "help given");
  }
  if (parsed.name == "publish") return publish(command);
  return on_build(command);
}

std::string CommandRunner::head_sha(const std::string& repository, std::int64_t issue_number) {
  if (!github_) return {};
  const http::ClientResponse response = github_->call("GET", "/repos/" + repository + "/pulls/" + std::to_string(issue_number));
  if (response.status != 200) {
    throw std::runtime_error("GitHub answered HTTP " + std::to_string(response.status) + " for pull request " + repository +
                             "#" + std::to_string(issue_number));
  }
  const boost::json::value parsed = boost::json::parse(response.body);
  std::string sha(parsed.at("head").at("sha").as_string());
  static const std::regex sha_shape("[0-9a-f]{40}");
  if (!std::regex_match(sha, sha_shape)) throw std::runtime_error("pull request head \"" + sha.substr(0, 50) + "\" is not a sha");
  return sha;
}

CommandRunner::Outcome CommandRunner::publish(const store::StoredCommand& command) {
  const handlers::commands::Command& parsed = command.invocation.command;
  const ResolvedTarget resolved = resolve_target(parsed.target, config_, list_refs_);
  if (!resolved.error.empty()) {
    const std::string reply = mention(command) + " I could not run " + quoted_line(command) + ": " + resolved.error + ".";
    return Outcome::reply_only(reply, "rejected: " + resolved.error);
  }
  if (parsed.dry_run) return dry_run(command, resolved);
  const std::string head = head_sha(command.invocation.repository, command.invocation.issue_number);
  handlers::BuildRequest request;
  request.kind = handlers::BuildRequest::Kind::command;
  request.target_repo = resolved.target_repo;
  request.version = resolved.version;
  request.repository = command.invocation.repository;
  request.trigger = "/publish " + parsed.target + " by @" + command.invocation.author + " on " +
                    command.invocation.repository + "#" + std::to_string(command.invocation.issue_number);
  request.requested_by = command.invocation.author;
  request.steps = parsed.steps;
  request.platforms = parsed.platforms;
  const std::string status_page = config_.server.status_page_url();
  auto act = [=, this](store::Database& db, std::string& summary) -> std::string {
    if (store::enqueue_build_request(db, request, std::nullopt) != store::EnqueueOutcome::queued) {
      summary = "already queued: " + resolved.version + " for " + resolved.target_repo + " (nothing queued)";
      return mention(command) + " " + resolved.version + " for `" + resolved.target_repo +
             "` (with these steps and platforms) is already queued; it will build once. " + status_page + "/";
    }
    const std::int64_t request_id = db.last_insert_rowid();
    store::attach_command(db, request_id, command.id, head);
    if (!head.empty()) {
      const std::string context = github::status_context(resolved.target_repo);
      store::enqueue_outbox(db, github::status_message(command.invocation.repository, head, "pending", context,
                                                       "Queued: " + resolved.version + " → " + resolved.target_repo +
                                                           " (/publish by @" + command.invocation.author + ")",
                                                       status_page + "/",
                                                       "status:" + command.invocation.repository + ":" + head + ":" +
                                                           context + ":request-" + std::to_string(request_id) + ":queued"));
    }
    // The reply linking the build comes from the reporter once the build exists.
    return {};
  };
  return {act, "queued " + resolved.version + " for " + resolved.target_repo};
}

CommandRunner::Outcome CommandRunner::dry_run(const store::StoredCommand& command, const ResolvedTarget& resolved) {
  const handlers::commands::Command& parsed = command.invocation.command;
  builders::PublishRequest request;
  request.version = resolved.version;
  request.repo_name = resolved.target_repo;
  if (!parsed.steps.empty()) request.steps = parsed.steps;
  if (!parsed.platforms.empty()) request.platforms = parsed.platforms;
  try {
    const builders::Plan plan = builders::make_plan(request, config_);
    const std::string reply = mention(command) + " dry run of " + quoted_line(command) + ": nothing was queued. The plan (" +
                              std::to_string(plan.jobs.size()) + " jobs):\n\n```\n" + plan.describe() + "```";
    return Outcome::reply_only(reply, "dry run: " + std::to_string(plan.jobs.size()) + " jobs for " + resolved.version);
  } catch (const builders::PlanError& e) {
    return Outcome::reply_only(mention(command) + " I could not plan " + quoted_line(command) + ": " + e.what() + ".",
                               "rejected: " + std::string(e.what()));
  }
}

CommandRunner::Outcome CommandRunner::on_build(const store::StoredCommand& command) {
  const std::string status_page = config_.server.status_page_url();
  // A retry reports on the pull request where it was typed (its head now), not on the one that
  // asked for the build it retries. Asked before the transaction: it is a GitHub read.
  const std::string head = command.invocation.command.name == "retry"
                               ? head_sha(command.invocation.repository, command.invocation.issue_number)
                               : std::string();
  auto act = [command, status_page, head, this](store::Database& db, std::string& summary) -> std::string {
    const handlers::commands::Command& parsed = command.invocation.command;
    std::optional<std::int64_t> id = parsed.build;
    if (!id) id = store::latest_build_of_pull_request(db, command.invocation.repository, command.invocation.issue_number);
    if (!id && parsed.name == "status") id = store::latest_build(db);
    if (!id) return mention(command) + " there is no build to " + parsed.name + " yet: name one, like `/" + parsed.name + " 12`.";
    const std::optional<store::BuildRow> build = store::find_build(db, *id);
    if (!build) return mention(command) + " there is no build #" + std::to_string(*id) + ".";
    const std::string name = "build #" + std::to_string(build->id);
    if (parsed.name == "status") return mention(command) + " " + describe_build(db, build->id, status_page);
    if (parsed.name == "cancel") {
      if (!store::request_cancel(db, build->id)) {
        return mention(command) + " " + name + " is " + std::string(handlers::to_string(build->state)) + ", not running (or already being cancelled); nothing to cancel.";
      }
      return mention(command) + " cancelling " + name + " of " + build->version + ": its jobs are being stopped. " +
             github::build_url(status_page, build->id);
    }
    // retry
    if (build->state != handlers::BuildState::failed && build->state != handlers::BuildState::cancelled) {
      return mention(command) + " " + name + " is " + std::string(handlers::to_string(build->state)) + "; only a failed or cancelled build can be retried.";
    }
    handlers::BuildRequest request = store::request_of_build(db, build->request_id);
    request.kind = handlers::BuildRequest::Kind::command;
    request.repository = command.invocation.repository;
    request.requested_by = command.invocation.author;
    request.trigger = "/retry " + std::to_string(build->id) + " by @" + command.invocation.author + " on " +
                      command.invocation.repository + "#" + std::to_string(command.invocation.issue_number);
    if (store::enqueue_build_request(db, request, std::nullopt) != store::EnqueueOutcome::queued) {
      summary = "already queued: " + request.version + " for " + request.target_repo + " (nothing queued)";
      return mention(command) + " " + request.version + " for `" + request.target_repo + "` is already queued.";
    }
    const std::int64_t request_id = db.last_insert_rowid();
    store::attach_command(db, request_id, command.id, head);
    return {};  // the reporter links the new build when it starts
  };
  return {act, "/" + command.invocation.command.name + " answered"};
}

void CommandRunner::finish(const std::vector<store::StoredCommand>& comment, const std::vector<Outcome>& outcomes) {
  const store::StoredCommand& first = comment.front();
  std::vector<std::string> summaries(comment.size());
  bool answered = false;
  store_.call([&](store::Database& db) {
    std::string reply;
    std::vector<std::int64_t> ids;
    for (std::size_t k = 0; k < comment.size(); ++k) {
      summaries[k] = outcomes[k].summary;  // a retried transaction starts from the plan again
      const std::string part = outcomes[k].act(db, summaries[k]);
      if (!part.empty()) reply += (reply.empty() ? "" : "\n\n---\n\n") + part;
      ids.push_back(comment[k].id);
    }
    answered = false;
    if (!reply.empty()) {
      const std::string hour_ago = util::iso8601(util::system_now() - std::chrono::hours(1));
      if (store::replies_to_author_since(db, first.invocation.author, hour_ago) < config_.github.replies_per_author_per_hour) {
        store::enqueue_outbox(db, github::comment_message(first.invocation.repository, first.invocation.issue_number, reply,
                                                          "comment:command-" + std::to_string(first.id) + ":reply"));
        store::mark_replied(db, ids);
        answered = true;
      } else {
        for (std::string& summary : summaries) summary += " (not answered: @" + first.invocation.author + " is over the reply budget)";
      }
    }
    for (std::size_t k = 0; k < comment.size(); ++k) store::finish_command(db, comment[k].id, summaries[k]);
  });
  for (std::size_t k = 0; k < comment.size(); ++k) {
    log::info("command.done", {{"command", comment[k].id}, {"name", comment[k].invocation.command.name},
                               {"author", comment[k].invocation.author}, {"outcome", summaries[k]}, {"answered", answered}});
  }
}

}  // namespace calico::commands
