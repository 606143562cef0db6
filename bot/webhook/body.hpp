// The body of a webhook delivery: GitHub sends the JSON payload either as the body itself
// (application/json) or as the `payload` field of a form (application/x-www-form-urlencoded, the
// default for hooks created through the API).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace calico::webhook {

enum class BodyKind { json, form };

// Parses a Content-Type header ("application/json; charset=utf-8"); nullopt for anything else.
std::optional<BodyKind> classify_content_type(std::string_view content_type);

class MalformedBody : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The JSON text of the payload. Throws MalformedBody saying what is wrong.
std::string extract_json_payload(BodyKind kind, std::string_view body);

}  // namespace calico::webhook
