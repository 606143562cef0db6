// A response as the bytes the server sends: status line, headers, body, in one string, so that
// an answer is one buffer and one write. Beast's serializer walks a buffer sequence built of
// several views for every answer, which cost more than the rest of writing it (bench/README,
// intake CPU).
#pragma once

#include <stdexcept>
#include <string>

#include "bot/http/message.hpp"

namespace calico::http {

// A header the response may not carry as given: a name that is not an HTTP token, or a value
// holding a control character (CR or LF would start a header of its own).
class InvalidResponseHeader : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// `version` as in the request (10 or 11). The bytes carry Server, Content-Type (the response's,
// unless its headers name one), its headers in order, Content-Length, and Connection when the
// version's default is not what `keep_alive` says. Content-Length, Connection and
// Transfer-Encoding among the response's headers are the server's to set: refused.
std::string response_bytes(const Response& response, unsigned version, bool keep_alive);

}  // namespace calico::http
