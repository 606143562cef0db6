// What several commands say the same way: mentions, quoting the command, the refusal for want of
// write access, and which repositories a release needs it on.
#include <algorithm>

#include "handlers/commands/context.hpp"

namespace calico::handlers::commands {

std::string mention(const Origin& origin) { return "@" + origin.author; }

std::string quoted_line(const Command& command) { return "`" + command.line + "`"; }

std::vector<std::string> release_repositories(const config::Config& config) {
  std::vector<std::string> repositories;
  for (const config::RepositoryConfig& repo : config.repositories) {
    if (repo.release_tags && !repo.github.empty()) repositories.push_back(repo.github);
  }
  return repositories;
}

std::optional<Reply> refuse_unless_writer(CommandContext& context, const Command& command,
                                          const std::vector<std::string>& repositories) {
  for (const std::string& repository : repositories) {
    const Permission permission = context.may_write(repository);
    if (permission.allowed) continue;
    const bool here = repository == context.origin().repository;
    return Reply{"Sorry " + mention(context.origin()) + ", only people with write access to " + repository + " may run `/" +
                     command.name + "`" + (here ? "" : " for a release (it publishes from " + repository + ")") + " (" +
                     permission.why + "). Nothing was done.",
                 "refused: " + permission.why};
  }
  return std::nullopt;
}

std::vector<std::string> release_writers(const CommandContext& context) {
  std::vector<std::string> writers{context.origin().repository};
  for (const std::string& repository : release_repositories(context.config())) {
    if (std::find(writers.begin(), writers.end(), repository) == writers.end()) writers.push_back(repository);
  }
  return writers;
}

Reply queue_release(CommandContext& context, const BuildRequest& request, const std::string& head,
                    const std::string& pending_description, const Reply& queued, const Reply& already_queued) {
  if (request.target_repo != "master" && context.config().github.release_approvals > 1) {
    context.await_approval(request, head, pending_description);
    std::string writers;
    for (const std::string& repository : release_writers(context)) writers += (writers.empty() ? "" : ", ") + repository;
    return {mention(context.origin()) + " " + request.version + " for `" + request.target_repo +
                "` waits for a second approver: another person with write access to " + writers + " comments `/approve` here.",
            "waiting for approval: " + request.version + " for " + request.target_repo};
  }
  return context.queue_build(request, head, pending_description) == Queued::queued ? queued : already_queued;
}

}  // namespace calico::handlers::commands
