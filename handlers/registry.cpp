#include "handlers/registry.hpp"

#include <algorithm>

namespace calico::handlers {

std::string PushEvent::short_ref() const {
  for (std::string_view prefix : {"refs/heads/", "refs/tags/"}) {
    if (ref.starts_with(prefix)) return ref.substr(prefix.size());
  }
  return ref;
}

std::string_view event_name(const Event& event) {
  struct Namer {
    std::string_view operator()(const PushEvent&) const { return "push"; }
    std::string_view operator()(const RefEvent& e) const { return e.kind == RefEvent::Kind::create ? "create" : "delete"; }
    std::string_view operator()(const ReleaseEvent&) const { return "release"; }
    std::string_view operator()(const CommentEvent&) const { return "issue_comment"; }
    std::string_view operator()(const PingEvent&) const { return "ping"; }
  };
  return std::visit(Namer{}, event);
}

void HandlerResult::merge(HandlerResult&& other) {
  std::move(other.build_requests.begin(), other.build_requests.end(), std::back_inserter(build_requests));
  std::move(other.master_changes.begin(), other.master_changes.end(), std::back_inserter(master_changes));
  std::move(other.commands.begin(), other.commands.end(), std::back_inserter(commands));
  std::move(other.tag_changes.begin(), other.tag_changes.end(), std::back_inserter(tag_changes));
  std::move(other.notes.begin(), other.notes.end(), std::back_inserter(notes));
}

std::string_view to_string(BuildRequest::Kind kind) {
  switch (kind) {
    case BuildRequest::Kind::release: return "release";
    case BuildRequest::Kind::nightly: return "nightly";
    case BuildRequest::Kind::command: return "command";
  }
  return "release";
}

void Registry::add(Handler handler) { handlers_.push_back(std::move(handler)); }

HandlerResult Registry::dispatch(const Event& event, const HandlerContext& context) const {
  const std::string_view name = event_name(event);
  HandlerResult result;
  bool handled = false;
  for (const Handler& handler : handlers_) {
    if (std::find(handler.events.begin(), handler.events.end(), name) == handler.events.end()) continue;
    handled = true;
    result.merge(handler.handle(event, context));
  }
  if (!handled) result.notes.push_back("no handler for " + std::string(name) + " yet");
  return result;
}

Registry default_registry() {
  Registry registry;
  registry.add(make_push_handler());
  registry.add(make_tag_created_handler());
  registry.add(make_release_handler());
  registry.add(make_ping_handler());
  registry.add(make_comment_handler());
  return registry;
}

}  // namespace calico::handlers
