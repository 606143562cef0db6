// libFuzzer harness for everything a webhook body passes through before it is stored: the
// Content-Type and form decoding, the JSON payload decoder, and the handlers that turn a decoded
// event into build requests. Bad input may be refused (MalformedBody, Malformed, Ignored) but must
// never crash, hang or throw anything else.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "bot/webhook/body.hpp"
#include "bot/webhook/decode_event.hpp"
#include "handlers/registry.hpp"

namespace {

const calico::config::Config& fuzz_config() {
  static const calico::config::Config config = [] {
    calico::config::Config c;
    c.repositories.push_back({"felix", "projectcalico/felix", "/nonexistent/felix", "master", true});
    c.repositories.push_back({"dnsmasq", "projectcalico/calico-dnsmasq", "/nonexistent/dnsmasq", "master", false});
    return c;
  }();
  return config;
}

constexpr std::string_view kEvents[] = {"push", "create", "delete", "release", "issue_comment", "ping", "watch"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const bool form = data[0] & 1;
  const std::string_view event = kEvents[data[1] % std::size(kEvents)];
  const std::string_view body(reinterpret_cast<const char*>(data + 2), size - 2);

  std::string json;
  try {
    json = calico::webhook::extract_json_payload(form ? calico::webhook::BodyKind::form : calico::webhook::BodyKind::json, body);
  } catch (const calico::webhook::MalformedBody&) {
    return 0;
  }
  const calico::webhook::DecodeOutcome outcome = calico::webhook::decode_event(event, json);
  if (const auto* decoded = std::get_if<calico::webhook::Decoded>(&outcome)) {
    static const calico::handlers::Registry registry = calico::handlers::default_registry();
    const calico::handlers::HandlerResult result = registry.dispatch(decoded->event, {fuzz_config()});
    for (const auto& request : result.build_requests) {
      // Every request a handler makes must name a target the plan accepts.
      if (request.target_repo.rfind("calico-", 0) != 0) __builtin_trap();
    }
  }
  (void)calico::webhook::classify_content_type(body.substr(0, 64));
  return 0;
}
