#include "bot/http/response_bytes.hpp"

#include <algorithm>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/status.hpp>

namespace calico::http {

namespace {

bool token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

void check_header(const std::string& name, const std::string& value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), token_char)) {
    throw InvalidResponseHeader("response header name \"" + name + "\" is not an HTTP token");
  }
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t') || byte == 0x7f) {
      throw InvalidResponseHeader("response header " + name + " holds a control character");
    }
  }
  for (std::string_view framing : {"content-length", "connection", "transfer-encoding"}) {
    if (boost::beast::iequals(name, framing)) throw InvalidResponseHeader("response header " + name + " is the server's to set");
  }
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

std::string response_bytes(const Response& response, unsigned version, bool keep_alive) {
  if (response.status < 100 || response.status > 999) {
    throw InvalidResponseHeader("response status " + std::to_string(response.status) + " is not three digits");
  }
  bool own_content_type = false;
  std::size_t header_bytes = 0;
  for (const auto& [name, value] : response.headers) {
    check_header(name, value);
    own_content_type = own_content_type || boost::beast::iequals(name, "content-type");
    header_bytes += name.size() + value.size() + 4;
  }
  check_header("Content-Type", response.content_type);
  const std::string_view reason = boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(response.status));
  std::string out;
  out.reserve(128 + reason.size() + response.content_type.size() + header_bytes + response.body.size());
  out.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ").append(std::to_string(response.status)).append(" ").append(reason).append("\r\n");
  append_header(out, "Server", "calico-release-bot");
  if (!own_content_type) append_header(out, "Content-Type", response.content_type);
  for (const auto& [name, value] : response.headers) append_header(out, name, value);
  append_header(out, "Content-Length", std::to_string(response.body.size()));
  if (version == 10 && keep_alive) append_header(out, "Connection", "keep-alive");
  if (version != 10 && !keep_alive) append_header(out, "Connection", "close");
  out.append("\r\n").append(response.body);
  return out;
}

}  // namespace calico::http
