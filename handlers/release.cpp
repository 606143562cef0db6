// `release` published: its tag requests a release build (the same request a pushed tag makes,
// so a tag and its release build once).
#include "handlers/registry.hpp"
#include "handlers/release_trigger.hpp"

namespace calico::handlers {

namespace {

HandlerResult on_release(const Event& event, const HandlerContext& context) {
  const auto& release = std::get<ReleaseEvent>(event);
  if (release.draft) {
    HandlerResult result;
    result.notes.push_back("release " + release.tag_name + " is a draft; nothing to build");
    return result;
  }
  return request_release_for_tag(release.repository, release.tag_name, "released on", release.sender, context);
}

}  // namespace

Handler make_release_handler() {
  return {"release",
          "A published GitHub release whose tag is vX.Y.Z requests a calico-X.Y release build.",
          {"release"},
          on_release};
}

}  // namespace calico::handlers
