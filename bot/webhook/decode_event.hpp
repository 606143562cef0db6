// JSON payload → handlers::Event. Tolerant: unknown fields are ignored and optional ones may be
// missing; a payload missing what the event cannot be understood without is Malformed, and an
// event or action the bot does not use is Ignored (GitHub still gets a 2xx for it).
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "handlers/events.hpp"

namespace calico::webhook {

struct Decoded {
  handlers::Event event;
  std::string action;      // "" where the event has none
  std::string repository;  // "owner/name", "" for ping
};

struct Ignored {
  std::string reason;
};

struct Malformed {
  std::string reason;
};

using DecodeOutcome = std::variant<Decoded, Ignored, Malformed>;

DecodeOutcome decode_event(std::string_view event_name, std::string_view json_text);

}  // namespace calico::webhook
