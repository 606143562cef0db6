// `ping`: GitHub's hello when a hook is created. Nothing to build; noted so operators see it.
#include "handlers/registry.hpp"

namespace calico::handlers {

Handler make_ping_handler() {
  return {"ping",
          "Acknowledges GitHub's ping when the webhook is created.",
          {"ping"},
          [](const Event& event, const HandlerContext&) {
            HandlerResult result;
            result.notes.push_back("ping from hook " + std::to_string(std::get<PingEvent>(event).hook_id));
            return result;
          }};
}

}  // namespace calico::handlers
