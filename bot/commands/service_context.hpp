// The service's side of a command's CommandContext: the store (builds, the queue, the outbox),
// GitHub (permissions, the pull request's head) and the remotes (ls-remote for /publish's
// target), for one stored command.
#pragma once

#include "bot/commands/targets.hpp"
#include "bot/github/client.hpp"
#include "bot/github/permissions.hpp"
#include "bot/store/repositories.hpp"
#include "bot/store/store.hpp"
#include "config/config.hpp"
#include "handlers/commands/context.hpp"

namespace calico::commands {

class ServiceContext : public handlers::commands::CommandContext {
 public:
  // `github` may be null: then only github.allowed_users may write and the head is unknown.
  ServiceContext(store::Store& store, const config::Config& config, github::Client* github,
                 github::PermissionChecker& permissions, const RefLister& list_refs, const store::RecordedCommand& command);

  const config::Config& config() const override { return config_; }
  const handlers::commands::Origin& origin() const override { return origin_; }
  handlers::commands::Permission may_write(const std::string& repository) override;
  handlers::commands::ResolvedTarget resolve_target(const std::string& target) override;
  std::string pull_request_head() override;
  std::optional<handlers::commands::BuildBrief> find_build(std::optional<std::int64_t> id) override;
  std::optional<handlers::commands::BuildBrief> latest_build() override;
  std::string describe_build(std::int64_t id) override;
  handlers::BuildRequest request_of_build(std::int64_t id) override;
  handlers::commands::Queued queue_build(const handlers::BuildRequest& request, const std::string& head,
                                         const std::string& pending_description) override;
  void await_approval(const handlers::BuildRequest& request, const std::string& head,
                      const std::string& pending_description) override;
  std::optional<handlers::commands::WaitingApproval> waiting_approval() override;
  handlers::commands::Queued approve(std::int64_t approval_id) override;
  bool cancel_build(std::int64_t id) override;
  std::string build_url(std::int64_t id) const override;
  std::string status_page_url() const override;
  std::vector<handlers::commands::ArchiveCheck> check_archive(const builders::Plan& plan) override;

 private:
  // Queues `request` for `command_id`, reported on `head` with a pending status saying `pending`.
  handlers::commands::Queued queue(const handlers::BuildRequest& request, std::int64_t command_id, const std::string& head,
                                   const std::string& pending);

  store::Store& store_;
  std::unique_ptr<store::Repositories> data_;
  const config::Config& config_;
  github::Client* github_;
  github::PermissionChecker& permissions_;
  const RefLister& list_refs_;
  std::int64_t command_id_;
  handlers::commands::Origin origin_;
};

}  // namespace calico::commands
