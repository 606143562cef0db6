// /publish <master|calico-X.Y|vX.Y.Z> [steps=a,b] [platforms=x,y] [--dry-run]: queue a build of a
// target, or (--dry-run) show its plan.
#include <algorithm>
#include <regex>

#include "builders/plan.hpp"
#include "builders/release_version.hpp"
#include "builders/steps.hpp"
#include "handlers/commands/context.hpp"

namespace calico::handlers::commands {

namespace {

// "a,b" with every item checked by `known`; duplicates and empty items are errors.
std::vector<std::string> parse_list(std::string_view key, std::string_view value,
                                    const std::function<bool(std::string_view)>& known, std::string_view what,
                                    std::string& error) {
  std::vector<std::string> items;
  std::size_t at = 0;
  while (error.empty()) {
    const auto comma = std::min(value.find(',', at), value.size());
    const std::string_view item = value.substr(at, comma - at);
    if (item.empty()) {
      error = std::string(key) + "= has an empty item";
    } else if (!known(item)) {
      error = quote_word(item, kQuotedWordLimit) + " is not " + std::string(what);
    } else if (std::find(items.begin(), items.end(), item) != items.end()) {
      error = quote_word(item, kQuotedWordLimit) + " is given twice in " + std::string(key) + "=";
    } else {
      items.emplace_back(item);
    }
    if (comma == value.size()) break;
    at = comma + 1;
  }
  return items;
}

void parse_publish(const std::vector<std::string_view>& words, const config::Config& config, Command& command) {
  if (words.empty()) {
    command.error = "needs a target: master, calico-X.Y or vX.Y.Z";
    return;
  }
  static const std::regex release_line(R"(calico-(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5}))");
  const std::string target(words[0]);
  if (target != "master" && !std::regex_match(target, release_line) && !builders::parse_release_tag(target)) {
    command.error = quote_word(target, kQuotedWordLimit) + " is not a target: use master, calico-X.Y (its highest vX.Y.Z tag) or vX.Y.Z";
    return;
  }
  command.target = target;
  bool seen_steps = false;
  bool seen_platforms = false;
  for (std::size_t i = 1; i < words.size() && command.ok(); ++i) {
    const std::string_view word = words[i];
    if (word == "--dry-run") {
      if (command.dry_run) command.error = "--dry-run is given twice";
      command.dry_run = true;
      continue;
    }
    const auto equals = word.find('=');
    const std::string_view key = word.substr(0, equals);
    const std::string_view value = equals == std::string_view::npos ? std::string_view{} : word.substr(equals + 1);
    if (equals == std::string_view::npos || (key != "steps" && key != "platforms")) {
      command.error = quote_word(word, kQuotedWordLimit) + " is not an option: use steps=a,b, platforms=x,y or --dry-run";
    } else if (key == "steps") {
      if (seen_steps) command.error = "steps= is given twice";
      seen_steps = true;
      if (command.ok()) {
        command.steps = parse_list(
            key, value, [&](std::string_view s) { return builders::step_role(config.publish, s).has_value(); },
            "a step (" + builders::step_list(config.publish) + ")", command.error);
      }
    } else {
      if (seen_platforms) command.error = "platforms= is given twice";
      seen_platforms = true;
      std::string known;
      for (const config::PlatformConfig& platform : config.publish.platforms) known += (known.empty() ? "" : ", ") + platform.name;
      if (command.ok()) {
        command.platforms = parse_list(
            key, value, [&](std::string_view p) { return config.publish.find_platform(p) != nullptr; },
            "a configured platform (" + known + ")", command.error);
      }
    }
  }
}

// "What the archive holds" for a plan that uploads debs: a line per Debian job.
std::string archive_section(const builders::Plan& plan, CommandContext& context) {
  const bool uploads = std::any_of(plan.jobs.begin(), plan.jobs.end(),
                                   [](const builders::Job& job) { return job.role == builders::JobRole::publish_debs; });
  if (!uploads) return "";
  const std::vector<ArchiveCheck> checks = context.check_archive(plan);
  if (checks.empty()) return "";
  std::string text = "\n\nWhat " + plan.ppa + " already holds (pub_debs skips those):\n\n"
                     "| job | source package | in the archive |\n|---|---|---|\n";
  for (const ArchiveCheck& check : checks) {
    const std::string package = check.source.empty() ? "—" : "`" + check.source + " " + check.version + "`";
    const std::string held = !check.held            ? "not known: " + check.why
                             : !*check.held          ? "not yet: would be uploaded"
                             : check.held_as.empty() ? "**already there**: skipped"
                                                     : "**already there** as `" + check.held_as +
                                                           "`, a later build of the same commit: skipped";
    text += "| " + check.job + " | " + package + " | " + held + " |\n";
  }
  return text;
}

Reply dry_run(const Command& command, CommandContext& context, const ResolvedTarget& resolved) {
  builders::PublishRequest request;
  request.version = resolved.version;
  request.repo_name = resolved.target_repo;
  if (!command.steps.empty()) request.steps = command.steps;
  if (!command.platforms.empty()) request.platforms = command.platforms;
  const std::string who = mention(context.origin());
  try {
    const builders::Plan plan = builders::make_plan(request, context.config());
    return {who + " dry run of " + quoted_line(command) + ": nothing was queued. The plan (" + std::to_string(plan.jobs.size()) +
                " jobs):\n\n```\n" + plan.describe() + "```" + archive_section(plan, context),
            "dry run: " + std::to_string(plan.jobs.size()) + " jobs for " + resolved.version};
  } catch (const builders::PlanError& e) {
    return {who + " I could not plan " + quoted_line(command) + ": " + e.what() + ".", "rejected: " + std::string(e.what())};
  }
}

Reply run_publish(const Command& command, CommandContext& context) {
  const Origin& origin = context.origin();
  if (!command.dry_run) {
    // A release is published from the release repositories: who publishes it needs write access
    // on each of them, not merely where the comment was typed.
    const auto writers = command.target == "master" ? std::vector<std::string>{origin.repository} : release_writers(context);
    if (auto refused = refuse_unless_writer(context, command, writers)) return *refused;
  }
  const ResolvedTarget resolved = context.resolve_target(command.target);
  if (!resolved.error.empty()) {
    return {mention(origin) + " I could not run " + quoted_line(command) + ": " + resolved.error + ".", "rejected: " + resolved.error};
  }
  if (command.dry_run) return dry_run(command, context, resolved);
  BuildRequest request;
  request.kind = BuildRequest::Kind::command;
  request.target_repo = resolved.target_repo;
  request.version = resolved.version;
  request.repository = origin.repository;
  request.trigger = "/publish " + command.target + " by @" + origin.author + " on " + origin.repository + "#" +
                    std::to_string(origin.issue_number);
  request.requested_by = origin.author;
  request.steps = command.steps;
  request.platforms = command.platforms;
  const std::string pending = "Queued: " + resolved.version + " → " + resolved.target_repo + " (/publish by @" + origin.author + ")";
  // Queued: the reply linking the build comes from the reporter once the build exists.
  return queue_release(context, request, context.pull_request_head(), pending,
                       {"", "queued " + resolved.version + " for " + resolved.target_repo},
                       {mention(origin) + " " + resolved.version + " for `" + resolved.target_repo +
                            "` (with these steps and platforms) is already queued; it will build once. " +
                            context.status_page_url() + "/",
                        "already queued: " + resolved.version + " for " + resolved.target_repo + " (nothing queued)"});
}

}  // namespace

CommandSpec make_publish_command() {
  return {"publish",
          "/publish <master|calico-X.Y|vX.Y.Z> [steps=a,b] [platforms=x,y] [--dry-run]",
          "Builds and publishes a target: master, a release line calico-X.Y (its highest vX.Y.Z tag) or a tag; "
          "optionally only some steps or platforms. --dry-run replies with the plan and queues nothing "
          "(anyone may ask).",
          true, parse_publish, run_publish, /*enabled=*/{}, 10};
}

}  // namespace calico::handlers::commands
