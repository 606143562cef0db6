// Claims the slash commands the comment handler recorded, oldest first, and runs each exactly
// once: what a command does lives in its file under handlers/commands (its `run`), given a
// ServiceContext; the runner only drops the bot's own commands, answers malformed ones (to people
// who may command), and writes the reply to the outbox in the transaction that marks the command
// done. The commands of one comment get one reply; an author gets at most
// github.replies_per_author_per_hour of them.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bot/commands/targets.hpp"
#include "bot/github/client.hpp"
#include "bot/github/own_account.hpp"
#include "bot/github/permissions.hpp"
#include "bot/store/repositories.hpp"
#include "bot/store/store.hpp"
#include "bot/util/worker.hpp"
#include "config/config.hpp"
#include "handlers/commands/context.hpp"

namespace calico::commands {

class CommandRunner {
 public:
  // `github` may be null: then only github.allowed_users may run privileged commands and the
  // pull request's head gets no status.
  // A command that cannot be run because GitHub or a remote cannot be asked is tried again each
  // pass; once it is `give_up_after` old it is answered with the reason instead.
  // `clock`: what the runner takes as now, for both (the system clock when empty; tests move it).
  using Clock = std::function<std::chrono::sys_seconds()>;
  CommandRunner(store::Store& store, const config::Config& config, github::Client* github, RefLister list_refs,
                std::chrono::seconds give_up_after = std::chrono::minutes(10), Clock clock = {});
  ~CommandRunner();

  // Called after a pass queued builds or messages (the dispatcher and the outbox look then).
  void on_done(std::function<void()> callback) { on_done_ = std::move(callback); }
  void start() { worker_.start(); }
  void stop() { worker_.stop(); }
  void notify() { worker_.notify(); }

  // One pass over the pending commands; returns how many were finished.
  std::size_t run_pending();

 private:
  handlers::commands::Reply decide(const store::RecordedCommand& command);
  // Marks a comment's commands done in one transaction and answers them in one reply (within
  // the author's reply budget).
  void finish(const std::vector<store::RecordedCommand>& comment, const std::vector<handlers::commands::Reply>& replies);

  store::Store& store_;
  std::unique_ptr<store::Repositories> data_;
  const config::Config& config_;
  github::Client* github_;
  github::PermissionChecker permissions_;
  github::OwnAccount own_account_;  // its comments are never obeyed
  RefLister list_refs_;
  std::chrono::seconds give_up_after_;
  Clock clock_;
  std::function<void()> on_done_;
  util::Worker worker_;
};

}  // namespace calico::commands
