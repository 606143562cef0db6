// `create` with ref_type tag: the same release rule as a pushed tag. GitHub sends both a push and
// a create for one new tag; the store coalesces the two identical requests into one.
#include "handlers/registry.hpp"
#include "handlers/release_trigger.hpp"

namespace calico::handlers {

namespace {

HandlerResult on_ref_event(const Event& event, const HandlerContext& context) {
  const auto& ref = std::get<RefEvent>(event);
  if (ref.kind == RefEvent::Kind::create && ref.ref_type == RefEvent::RefType::tag) {
    return request_release_for_tag(ref.repository, ref.ref, "created on", ref.sender, context);
  }
  if (ref.kind == RefEvent::Kind::remove && ref.ref_type == RefEvent::RefType::tag) {
    // The push GitHub sends beside it names the commit; this one does not.
    return release_tag_changed(ref.repository, ref.ref, ref.sender, context, "", "");
  }
  HandlerResult result;
  result.notes.push_back(std::string(ref.kind == RefEvent::Kind::create ? "created " : "deleted ") +
                         (ref.ref_type == RefEvent::RefType::tag ? "tag " : "branch ") + ref.ref +
                         "; nothing to build");
  return result;
}

}  // namespace

Handler make_tag_created_handler() {
  return {"tag-created",
          "A created vX.Y.Z tag on a release repository requests a calico-X.Y release build; a deleted "
          "one withdraws the build it asked for if that has not started, and says so on the commit.",
          {"create", "delete"},
          on_ref_event};
}

}  // namespace calico::handlers
