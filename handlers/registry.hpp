// The handler registry, shaped like Prow's plugins: each handler lives in its own small file,
// says which events it handles and carries its help text; the registry runs every handler that
// wants an event and merges what they decide.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "handlers/events.hpp"
#include "handlers/result.hpp"

namespace calico::handlers {

struct HandlerContext {
  const config::Config& config;
};

struct Handler {
  std::string name;
  std::string help;
  // X-GitHub-Event names this handler wants ("push", "create", ...).
  std::vector<std::string> events;
  std::function<HandlerResult(const Event&, const HandlerContext&)> handle;
};

class Registry {
 public:
  void add(Handler handler);
  HandlerResult dispatch(const Event& event, const HandlerContext& context) const;
  const std::vector<Handler>& handlers() const { return handlers_; }

 private:
  std::vector<Handler> handlers_;
};

// Every handler the bot ships with.
Registry default_registry();

// One factory per file under handlers/.
Handler make_push_handler();
Handler make_tag_created_handler();
Handler make_release_handler();
Handler make_ping_handler();
Handler make_comment_handler();

}  // namespace calico::handlers
