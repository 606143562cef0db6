// Slash commands as stored: one row per command line of a comment, recorded with the delivery
// that carried it, run once by bot/commands.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "bot/store/database.hpp"
#include "handlers/result.hpp"

namespace calico::store {

// A command waits to run (pending) or has run and been answered (done).
enum class CommandState { pending, done };

struct RecordedCommand {
  std::int64_t id = 0;
  handlers::CommandInvocation invocation;
  CommandState state = CommandState::pending;
  std::optional<std::string> outcome;
  std::string created_at;
};

// Records the command. False when this comment's
// line was recorded before: a redelivered webhook runs nothing twice.
bool record_command(Database& db, const handlers::CommandInvocation& invocation);

std::vector<RecordedCommand> pending_commands(Database& db, int limit);
std::optional<RecordedCommand> find_command(Database& db, std::int64_t id);
void finish_command(Database& db, std::int64_t id, const std::string& outcome);
// Marks the commands of a comment as answered (now).
void mark_replied(Database& db, const std::vector<std::int64_t>& ids);
// How many comments of `author` the bot answered since `since` (ISO 8601).
int replies_to_author_since(Database& db, const std::string& author, const std::string& since);

}  // namespace calico::store
