#include "tests/support/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "bot/webhook/signature.hpp"

namespace calico::testkit {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

std::string HttpResult::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return value;
  }
  return {};
}

struct HttpClient::Impl {
  net::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  std::string host;
  std::uint16_t port;

  void ensure_connected() {
    if (stream.socket().is_open()) return;
    stream.connect(net::ip::tcp::endpoint(net::ip::make_address(host), port));
    stream.socket().set_option(net::ip::tcp::no_delay(true));
  }

  HttpResult read_response() {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    bhttp::read(stream, buffer, parser);
    auto message = parser.release();
    HttpResult result;
    result.status = static_cast<int>(message.result_int());
    result.body = std::move(message.body());
    for (const auto& field : message) result.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    if (!message.keep_alive()) {
      beast::error_code ignored;
      stream.socket().close(ignored);
      buffer.clear();
    }
    return result;
  }
};

HttpClient::HttpClient(std::string host, std::uint16_t port) : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
}

HttpClient::~HttpClient() = default;
HttpClient::HttpClient(HttpClient&&) noexcept = default;
HttpClient& HttpClient::operator=(HttpClient&&) noexcept = default;

HttpResult HttpClient::request(const std::string& method, const std::string& target,
                               const std::vector<std::pair<std::string, std::string>>& headers,
                               const std::string& body) {
  impl_->ensure_connected();
  bhttp::request<bhttp::string_body> message(bhttp::string_to_verb(method), target, 11);
  message.set(bhttp::field::host, impl_->host);
  message.set(bhttp::field::user_agent, "GitHub-Hookshot/calico-test");
  for (const auto& [name, value] : headers) message.set(name, value);
  message.body() = body;
  message.prepare_payload();
  bhttp::write(impl_->stream, message);
  return impl_->read_response();
}

HttpResult HttpClient::raw(const std::string& bytes) {
  impl_->ensure_connected();
  net::write(impl_->stream.socket(), net::buffer(bytes));
  return impl_->read_response();
}

std::vector<std::pair<std::string, std::string>> github_headers(const std::string& event, const std::string& guid,
                                                                const std::string& secret, const std::string& body,
                                                                const std::string& content_type) {
  return {{"X-GitHub-Event", event},
          {"X-GitHub-Delivery", guid},
          {"X-GitHub-Hook-ID", "42"},
          {"Content-Type", content_type},
          {"X-Hub-Signature-256", "sha256=" + webhook::hmac_sha256_hex(secret, body)}};
}

std::string form_encode_payload(const std::string& json) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "payload=";
  for (unsigned char c : json) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace calico::testkit
