#include "bot/webhook/decode_event.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace calico::webhook {

namespace json = boost::json;

namespace {

// Thrown inside this file only, turned into Malformed at the top.
struct MissingField {
  std::string reason;
};

const json::object* object_at(const json::object& parent, std::string_view key) {
  const json::value* value = parent.if_contains(key);
  return value ? value->if_object() : nullptr;
}

std::string required_string(const json::object& parent, std::string_view key, std::string_view where) {
  const json::value* value = parent.if_contains(key);
  const json::string* text = value ? value->if_string() : nullptr;
  if (!text) throw MissingField{std::string(where) + " has no string \"" + std::string(key) + "\""};
  return std::string(*text);
}

std::string optional_string(const json::object* parent, std::string_view key) {
  if (!parent) return {};
  const json::value* value = parent->if_contains(key);
  const json::string* text = value ? value->if_string() : nullptr;
  return text ? std::string(*text) : std::string();
}

bool optional_bool(const json::object& parent, std::string_view key) {
  const json::value* value = parent.if_contains(key);
  const bool* flag = value ? value->if_bool() : nullptr;
  return flag && *flag;
}

long long optional_integer(const json::object* parent, std::string_view key) {
  if (!parent) return 0;
  const json::value* value = parent->if_contains(key);
  if (!value) return 0;
  if (const std::int64_t* i = value->if_int64()) return *i;
  if (const std::uint64_t* u = value->if_uint64()) return static_cast<long long>(*u);
  return 0;
}

std::string repository_of(const json::object& payload) {
  const json::object* repository = object_at(payload, "repository");
  if (!repository) throw MissingField{"the payload has no \"repository\" object"};
  return required_string(*repository, "full_name", "repository");
}

handlers::Actor actor_of(const json::object* user) {
  return {optional_string(user, "login"), optional_string(user, "type") == "Bot"};
}

DecodeOutcome decode_push(const json::object& payload) {
  handlers::PushEvent push;
  push.repository = repository_of(payload);
  push.ref = required_string(payload, "ref", "push");
  push.after = required_string(payload, "after", "push");
  push.before = optional_string(&payload, "before");
  push.created = optional_bool(payload, "created");
  push.deleted = optional_bool(payload, "deleted");
  push.forced = optional_bool(payload, "forced");
  const std::string head = optional_string(object_at(payload, "head_commit"), "id");
  const bool sha = head.size() == 40 && head.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (sha) push.head_commit = head;
  push.sender = actor_of(object_at(payload, "sender"));
  std::string repository = push.repository;
  return Decoded{std::move(push), "", std::move(repository)};
}

DecodeOutcome decode_ref_event(const json::object& payload, handlers::RefEvent::Kind kind) {
  handlers::RefEvent ref;
  ref.kind = kind;
  ref.repository = repository_of(payload);
  ref.ref = required_string(payload, "ref", "the payload");
  const std::string ref_type = required_string(payload, "ref_type", "the payload");
  if (ref_type == "tag") {
    ref.ref_type = handlers::RefEvent::RefType::tag;
  } else if (ref_type == "branch") {
    ref.ref_type = handlers::RefEvent::RefType::branch;
  } else {
    return Ignored{"ref_type " + ref_type + " is not used"};
  }
  ref.sender = actor_of(object_at(payload, "sender"));
  std::string repository = ref.repository;
  return Decoded{std::move(ref), "", std::move(repository)};
}

DecodeOutcome decode_release(const json::object& payload) {
  const std::string action = required_string(payload, "action", "release");
  if (action != "published") return Ignored{"release action " + action + " is not used"};
  const json::object* release_object = object_at(payload, "release");
  if (!release_object) throw MissingField{"release has no \"release\" object"};
  handlers::ReleaseEvent release;
  release.repository = repository_of(payload);
  release.action = action;
  release.tag_name = required_string(*release_object, "tag_name", "release");
  release.draft = optional_bool(*release_object, "draft");
  release.prerelease = optional_bool(*release_object, "prerelease");
  release.sender = actor_of(object_at(payload, "sender"));
  std::string repository = release.repository;
  return Decoded{std::move(release), action, std::move(repository)};
}

DecodeOutcome decode_issue_comment(const json::object& payload) {
  const std::string action = required_string(payload, "action", "issue_comment");
  // Only new comments carry commands: an edit must not run a command a second time.
  if (action != "created") return Ignored{"issue_comment action " + action + " is not used"};
  const json::object* issue = object_at(payload, "issue");
  const json::object* comment = object_at(payload, "comment");
  if (!issue) throw MissingField{"issue_comment has no \"issue\" object"};
  if (!comment) throw MissingField{"issue_comment has no \"comment\" object"};
  if (!object_at(*issue, "pull_request")) return Ignored{"comment on an issue, not a pull request"};
  handlers::CommentEvent event;
  event.repository = repository_of(payload);
  event.issue_number = optional_integer(issue, "number");
  event.comment_id = optional_integer(comment, "id");
  event.body = required_string(*comment, "body", "comment");
  event.author = actor_of(object_at(*comment, "user"));
  if (event.author.is_bot) return Ignored{"comment by bot " + event.author.login};
  if (event.issue_number <= 0) throw MissingField{"issue has no positive \"number\""};
  std::string repository = event.repository;
  return Decoded{std::move(event), action, std::move(repository)};
}

DecodeOutcome decode_ping(const json::object& payload) {
  handlers::PingEvent ping;
  ping.hook_id = optional_integer(&payload, "hook_id");
  ping.zen = optional_string(&payload, "zen");
  const json::object* repository = object_at(payload, "repository");
  return Decoded{std::move(ping), "", optional_string(repository, "full_name")};
}

}  // namespace

DecodeOutcome decode_event(std::string_view event_name, std::string_view json_text) {
  boost::system::error_code error;
  json::value parsed = json::parse(json_text, error);
  if (error) return Malformed{"the payload is not valid JSON: " + error.message()};
  const json::object* payload = parsed.if_object();
  if (!payload) return Malformed{"the payload is not a JSON object"};
  try {
    if (event_name == "push") return decode_push(*payload);
    if (event_name == "create") return decode_ref_event(*payload, handlers::RefEvent::Kind::create);
    if (event_name == "delete") return decode_ref_event(*payload, handlers::RefEvent::Kind::remove);
    if (event_name == "release") return decode_release(*payload);
    if (event_name == "issue_comment") return decode_issue_comment(*payload);
    if (event_name == "ping") return decode_ping(*payload);
  } catch (const MissingField& missing) {
    return Malformed{missing.reason};
  }
  return Ignored{"event " + std::string(event_name) + " is not used"};
}

}  // namespace calico::webhook
