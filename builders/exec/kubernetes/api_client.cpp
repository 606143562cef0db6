#include "builders/exec/kubernetes/api_client.hpp"

#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/url/parse.hpp>

namespace calico::builders::exec::kubernetes {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

namespace {

struct Endpoint {
  bool tls = true;
  std::string host;
  std::string port;
  std::string base;  // a path prefix of the server URL (rare; a proxy's)
};

Endpoint parse_server(const std::string& server) {
  const auto url = boost::urls::parse_absolute_uri(server);
  if (!url) throw ApiError("Kubernetes server \"" + server + "\" is not an absolute URL");
  Endpoint e;
  if (url->scheme() == "http") e.tls = false;
  else if (url->scheme() != "https") throw ApiError("Kubernetes server \"" + server + "\": only https:// (and http:// for a local stand-in)");
  e.host = std::string(url->host_address());
  e.port = url->has_port() ? std::string(url->port()) : (e.tls ? "443" : "80");
  e.base = std::string(url->encoded_path());
  while (!e.base.empty() && e.base.back() == '/') e.base.pop_back();
  return e;
}

bool retryable(int status) { return status == 429 || status == 500 || status == 502 || status == 503 || status == 504; }

// One exchange on a connected stream (plain or TLS): write the request, read the header, then the
// body piece by piece into `on_data` (a stream) or into the reply.
template <class Stream>
net::awaitable<void> exchange(Stream& stream, http::request<http::string_body>& request, ApiReply& reply,
                              const std::function<bool(std::string_view)>* on_data) {
  co_await http::async_write(stream, request, net::use_awaitable);
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  co_await http::async_read_header(stream, buffer, parser, net::use_awaitable);
  reply.status = static_cast<int>(parser.get().result_int());
  if (auto it = parser.get().find(http::field::retry_after); it != parser.get().end()) reply.retry_after = std::string(it->value());
  const bool streaming = on_data && reply.status == 200;
  char piece[16384];
  while (!parser.is_done()) {
    parser.get().body().data = piece;
    parser.get().body().size = sizeof piece;
    boost::system::error_code ec;
    co_await http::async_read_some(stream, buffer, parser, net::redirect_error(net::use_awaitable, ec));
    if (ec && ec != http::error::need_buffer) throw boost::system::system_error(ec);
    const std::size_t got = sizeof piece - parser.get().body().size;
    if (got == 0) continue;
    if (!streaming) {
      reply.body.append(piece, got);
      if (reply.body.size() > (64u << 20)) throw ApiError("answer larger than 64 MiB");
    } else if (!(*on_data)(std::string_view(piece, got))) {
      co_return;
    }
  }
}

}  // namespace

boost::json::value ApiReply::json() const {
  boost::system::error_code ec;
  boost::json::value parsed = boost::json::parse(body, ec);
  return ec ? boost::json::value(nullptr) : parsed;
}

std::string ApiReply::describe() const {
  const boost::json::value parsed = json();
  if (const boost::json::object* status = parsed.if_object(); status && status->if_contains("message")) {
    std::string out = std::to_string(this->status);
    if (const auto* reason = status->if_contains("reason"); reason && reason->is_string()) out += " " + std::string(reason->as_string());
    if (const auto* message = status->if_contains("message"); message->is_string()) out += ": " + std::string(message->as_string());
    return out;
  }
  return std::to_string(status) + (body.empty() ? "" : ": " + body.substr(0, 200));
}

std::string query_value(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

ApiClient::ApiClient(ApiAccess access, RetryPolicy policy) : access_(std::move(access)), policy_(policy) {
  (void)parse_server(access_.server);  // a bad URL is said at start, not at the first job
}

ApiReply ApiClient::once(std::string_view method, const std::string& target, const std::string& body,
                         const std::function<bool(std::string_view)>* on_data, const std::function<bool()>& stop,
                         std::chrono::milliseconds timeout) {
  const Endpoint endpoint = parse_server(access_.server);
  http::request<http::string_body> request{http::string_to_verb(method), endpoint.base + target, 11};
  request.set(http::field::host, endpoint.host + ":" + endpoint.port);
  request.set(http::field::user_agent, "calico-release-bot");
  request.set(http::field::accept, "application/json");
  request.set(http::field::connection, "close");
  if (const std::string authorization = access_.authorization(); !authorization.empty()) {
    request.set(http::field::authorization, authorization);
  }
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE") {
    request.set(http::field::content_type, "application/json");
    request.body() = body;
    request.prepare_payload();
  }

  net::io_context io;
  ApiReply reply;
  std::exception_ptr failure;
  bool finished = false;
  tcp::socket* raw = nullptr;  // what a stop or a timeout closes to end the exchange

  std::optional<ssl::context> tls;
  if (endpoint.tls) {
    tls.emplace(ssl::context::tls_client);
    if (access_.insecure) {
      tls->set_verify_mode(ssl::verify_none);
    } else {
      tls->set_verify_mode(ssl::verify_peer);
      if (access_.ca_pem.empty()) tls->set_default_verify_paths();
      else tls->add_certificate_authority(net::buffer(access_.ca_pem));
    }
    if (!access_.client_cert_pem.empty()) {
      tls->use_certificate_chain(net::buffer(access_.client_cert_pem));
      tls->use_private_key(net::buffer(access_.client_key_pem), ssl::context::pem);
    }
  }
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  if (tls) {
    secure.emplace(io, *tls);
    raw = &beast::get_lowest_layer(*secure).socket();
  } else {
    plain.emplace(io);
    raw = &plain->socket();
  }

  net::co_spawn(
      io,
      [&]() -> net::awaitable<void> {
        tcp::resolver resolver(io);
        const auto endpoints = co_await resolver.async_resolve(endpoint.host, endpoint.port, net::use_awaitable);
        if (secure) {
          co_await beast::get_lowest_layer(*secure).async_connect(endpoints, net::use_awaitable);
          if (!access_.insecure) {
            if (!SSL_set_tlsext_host_name(secure->native_handle(), endpoint.host.c_str())) throw ApiError("cannot set TLS SNI");
            secure->set_verify_callback(ssl::host_name_verification(endpoint.host));
          }
          co_await secure->async_handshake(ssl::stream_base::client, net::use_awaitable);
          co_await exchange(*secure, request, reply, on_data);
        } else {
          co_await plain->async_connect(endpoints, net::use_awaitable);
          co_await exchange(*plain, request, reply, on_data);
        }
      },
      [&](std::exception_ptr e) {
        failure = e;
        finished = true;
      });

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool stopped = false;
  bool timed_out = false;
  while (!finished) {
    io.run_one_for(std::chrono::milliseconds(100));
    if (finished) break;
    if (!stopped && stop && stop()) stopped = true;
    if (!stopped && timeout.count() > 0 && std::chrono::steady_clock::now() > deadline) stopped = timed_out = true;
    if (stopped) {
      boost::system::error_code ignored;
      raw->cancel(ignored);
      raw->close(ignored);
    }
  }
  const std::string where = std::string(method) + " " + access_.server + target;
  if (timed_out) throw ApiError(where + ": no answer within " + std::to_string(timeout.count() / 1000) + " s");
  if (stopped) return reply;  // asked to stop: what came so far
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const ApiError&) {
      throw;
    } catch (const std::exception& e) {
      if (reply.status != 0 && on_data && reply.status == 200) throw ApiError(where + ": the stream broke: " + e.what());
      throw ApiError(where + ": " + e.what());
    }
  }
  return reply;
}

ApiReply ApiClient::call(std::string_view method, const std::string& target, const std::string& body,
                         const std::function<bool()>& stop) {
  std::chrono::milliseconds backoff = policy_.first_backoff;
  for (int attempt = 1;; ++attempt) {
    std::string failed;
    ApiReply reply;
    try {
      reply = once(method, target, body, nullptr, {}, policy_.timeout);
      reply.attempts = attempt;
      if (!retryable(reply.status) || attempt >= policy_.attempts) return reply;
    } catch (const ApiError& e) {
      if (attempt >= policy_.attempts) throw;
      failed = e.what();
    }
    std::chrono::milliseconds wait = backoff;
    if (!reply.retry_after.empty()) {
      try {
        wait = std::chrono::seconds(std::stol(reply.retry_after));
      } catch (const std::exception&) {
        // an HTTP date: the backoff stands
      }
    }
    wait = std::min(wait, policy_.max_wait);
    backoff *= 2;
    const auto until = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < until) {
      if (stop && stop()) throw ApiError(std::string(method) + " " + target + ": stopped while waiting to retry" + (failed.empty() ? "" : " (" + failed + ")"));
      std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(until - std::chrono::steady_clock::now(), std::chrono::milliseconds(50)));
    }
  }
}

ApiReply ApiClient::stream(const std::string& target, const std::function<bool(std::string_view)>& on_data,
                           const std::function<bool()>& stop) {
  return once("GET", target, {}, &on_data, stop, std::chrono::milliseconds(0));
}

}  // namespace calico::builders::exec::kubernetes
