// Decoded GitHub events, as plain values. bot/webhook decodes payloads into these; the pollers
// (watching issue) will produce the same values, so handlers do not care where a change came from.
#pragma once

#include <string>
#include <variant>

namespace calico::handlers {

// Who or what caused an event.
struct Actor {
  std::string login;
  bool is_bot = false;  // sender.type == "Bot"
};

// `push`: ref is full ("refs/heads/master", "refs/tags/v3.4.1").
struct PushEvent {
  std::string repository;  // "owner/name"
  std::string ref;
  std::string before;
  std::string after;
  std::string head_commit;  // head_commit.id: the commit a pushed tag names ("" when absent)
  bool created = false;
  bool deleted = false;
  bool forced = false;
  Actor sender;

  bool is_tag() const { return ref.starts_with("refs/tags/"); }
  bool is_branch() const { return ref.starts_with("refs/heads/"); }
  std::string short_ref() const;  // "master", "v3.4.1"
};

// `create` and `delete`: ref is short ("v3.4.1"), ref_type says what it names.
struct RefEvent {
  enum class Kind { create, remove };
  enum class RefType { tag, branch };
  Kind kind = Kind::create;
  std::string repository;
  std::string ref;
  RefType ref_type = RefType::tag;
  Actor sender;
};

// `release` with action "published".
struct ReleaseEvent {
  std::string repository;
  std::string action;
  std::string tag_name;
  bool draft = false;
  bool prerelease = false;
  Actor sender;
};

// `issue_comment` with action "created" on a pull request.
struct CommentEvent {
  std::string repository;
  long long issue_number = 0;
  long long comment_id = 0;
  std::string body;
  Actor author;
};

// `ping`: sent when a hook is created.
struct PingEvent {
  long long hook_id = 0;
  std::string zen;
};

using Event = std::variant<PushEvent, RefEvent, ReleaseEvent, CommentEvent, PingEvent>;

// "push", "create", "delete", "release", "issue_comment", "ping": the X-GitHub-Event name.
std::string_view event_name(const Event& event);

}  // namespace calico::handlers
