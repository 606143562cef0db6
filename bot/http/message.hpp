// Plain request and response values, so that route handlers (webhook intake, health, metrics, and
// later the status page) never include Beast: only bot/http/server.cpp does.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace calico::http {

// ASCII lower case, as header names are: std::tolower consults the locale for every character,
// and header names are compared or lower-cased several times for every request.
inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

struct Request {
  std::string method;   // "POST"
  std::string target;   // "/webhook?x=1"
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  std::string remote;   // "127.0.0.1:53422", for logs
  std::chrono::steady_clock::time_point received_at;

  std::string_view path() const;
  // The first header of that (case-insensitive) name.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Called exactly once per request, from any thread.
using Respond = std::function<void(Response)>;

class Handler {
 public:
  virtual ~Handler() = default;
  virtual void handle(Request request, Respond respond) = 0;
};

Response text_response(int status, std::string body);
Response json_response(int status, std::string body);
// A refusal or an error as every answer of the bot's API is: JSON {"status": state, "detail": …}.
Response json_error(int status, std::string_view state, std::string_view detail);

// A URL query value: every byte outside the unreserved set (RFC 3986) percent-encoded.
std::string percent_encode(std::string_view value);

}  // namespace calico::http
