#include "bot/store/commands.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "bot/util/time_format.hpp"

namespace calico::store {

namespace json = boost::json;

namespace {

std::string arguments_json(const handlers::commands::Command& command) {
  json::object object;
  object["line"] = command.line;
  object["line_number"] = command.line_number;
  object["target"] = command.target;
  object["steps"] = json::array(command.steps.begin(), command.steps.end());
  object["platforms"] = json::array(command.platforms.begin(), command.platforms.end());
  if (command.build) object["build"] = *command.build;
  if (command.dry_run) object["dry_run"] = true;
  object["usage"] = command.usage;
  return json::serialize(object);
}

std::vector<std::string> strings_of(const json::object& object, std::string_view key) {
  std::vector<std::string> out;
  if (const json::array* items = object.at(key).if_array()) {
    for (const json::value& item : *items) out.emplace_back(item.as_string());
  }
  return out;
}

RecordedCommand read_row(const Statement& row) {
  RecordedCommand stored;
  stored.id = row.column_int(0);
  handlers::CommandInvocation& invocation = stored.invocation;
  invocation.repository = row.column_text(1);
  invocation.issue_number = row.column_int(2);
  invocation.comment_id = row.column_int(3);
  invocation.author = row.column_text(4);
  handlers::commands::Command& command = invocation.command;
  command.name = row.column_text(5);
  const json::value arguments = json::parse(row.column_text(6));
  const json::object& object = arguments.as_object();
  command.line = std::string(object.at("line").as_string());
  command.line_number = static_cast<int>(object.at("line_number").as_int64());
  command.target = std::string(object.at("target").as_string());
  command.steps = strings_of(object, "steps");
  command.platforms = strings_of(object, "platforms");
  if (const json::value* build = object.if_contains("build")) command.build = build->as_int64();
  if (const json::value* dry_run = object.if_contains("dry_run")) command.dry_run = dry_run->as_bool();
  command.usage = std::string(object.at("usage").as_string());
  command.error = row.column_optional_text(7).value_or("");
  stored.state = row.column_text(8) == "done" ? CommandState::done : CommandState::pending;
  stored.outcome = row.column_optional_text(9);
  stored.created_at = row.column_text(10);
  return stored;
}

constexpr const char* kCommandSelect =
    "SELECT id, repository, issue_number, comment_id, author, name, arguments, parse_error, state, outcome, created_at "
    "FROM commands ";

}  // namespace

bool record_command(Database& db, const handlers::CommandInvocation& invocation) {
  Statement insert = db.prepare(
      "INSERT INTO commands (repository, issue_number, comment_id, line, author, name, arguments, parse_error, created_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (repository, comment_id, line) DO NOTHING");
  const handlers::commands::Command& command = invocation.command;
  insert.bind(1, invocation.repository)
      .bind(2, static_cast<std::int64_t>(invocation.issue_number))
      .bind(3, static_cast<std::int64_t>(invocation.comment_id))
      .bind(4, static_cast<std::int64_t>(command.line_number))
      .bind(5, invocation.author)
      .bind(6, command.name)
      .bind(7, arguments_json(command))
      .bind_optional(8, command.ok() ? std::nullopt : std::optional<std::string>(command.error))
      .bind(9, util::utc_now_iso8601());
  insert.run();
  return db.changes() > 0;
}

std::vector<RecordedCommand> pending_commands(Database& db, int limit) {
  Statement query = db.prepare(std::string(kCommandSelect) + "WHERE state = 'pending' ORDER BY id LIMIT ?1");
  query.bind(1, static_cast<std::int64_t>(limit));
  std::vector<RecordedCommand> rows;
  while (query.step()) rows.push_back(read_row(query));
  return rows;
}

std::optional<RecordedCommand> find_command(Database& db, std::int64_t id) {
  Statement query = db.prepare(std::string(kCommandSelect) + "WHERE id = ?1");
  query.bind(1, id);
  if (!query.step()) return std::nullopt;
  return read_row(query);
}

void finish_command(Database& db, std::int64_t id, const std::string& outcome) {
  Statement update = db.prepare("UPDATE commands SET state = 'done', outcome = ?2, finished_at = ?3 WHERE id = ?1");
  update.bind(1, id).bind(2, outcome).bind(3, util::utc_now_iso8601());
  update.run();
}

void mark_replied(Database& db, const std::vector<std::int64_t>& ids) {
  Statement update = db.prepare("UPDATE commands SET replied_at = ?2 WHERE id = ?1");
  const std::string now = util::utc_now_iso8601();
  for (const std::int64_t id : ids) {
    update.bind(1, id).bind(2, now);
    update.run();
    update.reset();
  }
}

int replies_to_author_since(Database& db, const std::string& author, const std::string& since) {
  Statement query = db.prepare(
      "SELECT COUNT(DISTINCT repository || ' ' || comment_id) FROM commands WHERE author = ?1 AND replied_at >= ?2");
  query.bind(1, author).bind(2, since);
  query.step();
  return static_cast<int>(query.column_int(0));
}

}  // namespace calico::store
