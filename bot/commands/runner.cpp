#include "bot/commands/runner.hpp"

#include <algorithm>
#include <map>
#include <regex>

#include "bot/commands/service_context.hpp"
#include "bot/github/messages.hpp"
#include "bot/log/log.hpp"
#include "bot/util/time_format.hpp"
#include "handlers/commands/context.hpp"

namespace calico::commands {

namespace {

constexpr int kBatch = 20;
constexpr auto kRunnerIdleWake = std::chrono::seconds(5);

}  // namespace

CommandRunner::CommandRunner(store::Store& store, const config::Config& config, github::Client* github, RefLister list_refs,
                             std::chrono::seconds give_up_after, Clock clock)
    : store_(store),
      data_(store::stored_repositories(store)),
      config_(config),
      github_(github),
      permissions_(config.github, github),
      own_account_(config.github, github),
      list_refs_(std::move(list_refs)),
      give_up_after_(give_up_after),
      clock_(clock ? std::move(clock) : Clock(util::system_now)),
      worker_("command", kRunnerIdleWake, [this] {
        if (store_.leads("commands")) run_pending();  // one replica runs commands, in order
      }) {}

CommandRunner::~CommandRunner() { stop(); }

std::size_t CommandRunner::run_pending() {
  std::vector<store::RecordedCommand> commands =
      data_->commands().pending(kBatch);
  // A comment's commands are answered together, in one reply: a full batch that may have cut the
  // last comment's commands short leaves that comment for the next pass.
  auto same_comment = [](const store::RecordedCommand& a, const store::RecordedCommand& b) {
    return a.invocation.repository == b.invocation.repository && a.invocation.comment_id == b.invocation.comment_id;
  };
  if (commands.size() == static_cast<std::size_t>(kBatch) && !same_comment(commands.front(), commands.back())) {
    while (same_comment(commands.back(), commands[commands.size() - 2])) commands.pop_back();
    commands.pop_back();
  }
  std::vector<std::vector<store::RecordedCommand>> comments;
  for (store::RecordedCommand& command : commands) {
    auto group = std::find_if(comments.begin(), comments.end(), [&](const auto& g) { return same_comment(g.front(), command); });
    if (group == comments.end()) {
      comments.push_back({std::move(command)});
    } else {
      group->push_back(std::move(command));
    }
  }

  std::size_t finished = 0;
  for (const std::vector<store::RecordedCommand>& group : comments) {
    std::vector<handlers::commands::Reply> replies;
    bool deferred = false;
    for (const store::RecordedCommand& command : group) {
      try {
        replies.push_back(decide(command));
      } catch (const github::RateLimitedError& e) {
        // GitHub asked us to wait: the command waits with it, however long, and is not given up.
        log::warn("command.deferred", {{"command", command.id}, {"name", command.invocation.command.name}, {"error", e.what()}});
        deferred = true;
        break;
      } catch (const std::exception& e) {
        // GitHub or a remote could not be asked: the comment's commands stay pending and are
        // tried next pass, until they are too old to be what the maintainer still wants.
        const auto now = clock_();
        const auto created = util::parse_iso8601(command.created_at).value_or(now);
        if (now - created < give_up_after_) {
          log::warn("command.deferred", {{"command", command.id}, {"name", command.invocation.command.name}, {"error", e.what()}});
          deferred = true;
          break;
        }
        replies.push_back({"@" + command.invocation.author + " I could not run " +
                               handlers::commands::quoted_line(command.invocation.command) + ": " + e.what() +
                               ". I kept trying for " + std::to_string(give_up_after_.count() / 60) +
                               " minutes; nothing was done. Please try again later.",
                           "gave up: " + std::string(e.what())});
        log::error("command.gave_up", {{"command", command.id}, {"name", command.invocation.command.name}, {"error", e.what()}});
      }
    }
    if (deferred) continue;
    finish(group, replies);
    finished += group.size();
  }
  if (finished > 0 && on_done_) on_done_();
  return finished;
}

handlers::commands::Reply CommandRunner::decide(const store::RecordedCommand& command) {
  const handlers::commands::Command& parsed = command.invocation.command;
  // The bot's own comments quote commands (replies, /help): never obeyed, whatever account type.
  if (own_account_.is(command.invocation.author)) return {"", "ignored: written by the bot's own account " + own_account_.login()};
  ServiceContext context(store_, config_, github_, permissions_, list_refs_, command);
  if (!parsed.ok()) {
    // Mistakes are pointed out only to people who may command the bot: anyone else typing
    // "/publish nonsense" gets nothing back (the eyes reaction aside).
    const handlers::commands::Permission permission = context.may_write(command.invocation.repository);
    if (!permission.allowed) return {"", "ignored: " + parsed.error + " (" + permission.why + ")"};
    return {handlers::commands::mention(context.origin()) + " I could not run " + handlers::commands::quoted_line(parsed) +
                ": " + parsed.error + ".\n\nUsage: `" + parsed.usage + "`",
            "rejected: " + parsed.error};
  }
  const handlers::commands::CommandSpec* spec = handlers::commands::find_command(parsed.name);
  if (!spec) return {"", "ignored: no command /" + parsed.name};
  return spec->run(parsed, context);
}

void CommandRunner::finish(const std::vector<store::RecordedCommand>& comment, const std::vector<handlers::commands::Reply>& replies) {
  const store::RecordedCommand& first = comment.front();
  std::vector<std::string> outcomes(comment.size());
  bool answered = false;
  store_.atomically([&] {
    std::string reply;
    std::vector<std::int64_t> ids;
    for (std::size_t k = 0; k < comment.size(); ++k) {
      outcomes[k] = replies[k].outcome;  // a retried transaction starts again
      if (!replies[k].text.empty()) reply += (reply.empty() ? "" : "\n\n---\n\n") + replies[k].text;
      ids.push_back(comment[k].id);
    }
    answered = false;
    if (!reply.empty()) {
      const std::string hour_ago = util::iso8601(clock_() - std::chrono::hours(1));
      if (data_->commands().replies_to_author_since(first.invocation.author, hour_ago) < config_.github.replies_per_author_per_hour) {
        data_->outbox().enqueue(github::comment_message(first.invocation.repository, first.invocation.issue_number, reply,
                                                        "comment:command-" + std::to_string(first.id) + ":reply"));
        data_->commands().mark_replied(ids);
        answered = true;
      } else {
        for (std::string& outcome : outcomes) outcome += " (not answered: @" + first.invocation.author + " is over the reply budget)";
      }
    }
    for (std::size_t k = 0; k < comment.size(); ++k) data_->commands().finish(comment[k].id, outcomes[k]);
  });
  for (std::size_t k = 0; k < comment.size(); ++k) {
    log::info("command.done", {{"command", comment[k].id}, {"name", comment[k].invocation.command.name},
                               {"author", comment[k].invocation.author}, {"outcome", outcomes[k]}, {"answered", answered}});
  }
}

}  // namespace calico::commands
