// libFuzzer harness for what missed-delivery recovery reads from GitHub: a hook's delivery list
// and a repository's comment list, the choice of what to ask for again, and the issue_comment
// payload made from a listed comment, decoded as a webhook would be. Bad input may be refused
// (MalformedListing) but must never crash, hang or throw anything else.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "bot/recovery/missed.hpp"
#include "bot/webhook/decode_event.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto attempts = calico::recovery::parse_delivery_attempts(text);
    const auto missed = calico::recovery::missed_deliveries(attempts, [](std::string_view event) { return event != "ping"; });
    for (const auto& delivery : missed) {
      // Only what no attempt delivered, asked for through an attempt GitHub listed for it.
      bool listed = false;
      for (const auto& attempt : attempts) {
        if (attempt.guid != delivery.guid) continue;
        if (attempt.status_code >= 200 && attempt.status_code < 300) __builtin_trap();
        listed |= attempt.id == delivery.latest_attempt;
      }
      if (!listed) __builtin_trap();
    }
  } catch (const calico::recovery::MalformedListing&) {
  }
  try {
    for (const auto& comment : calico::recovery::parse_listed_comments(text)) {
      (void)calico::webhook::decode_event("issue_comment", calico::recovery::comment_event_payload("o/r", comment));
    }
  } catch (const calico::recovery::MalformedListing&) {
  }
  return 0;
}
