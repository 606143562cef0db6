#include "bot/http/client.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

namespace calico::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

std::string ClientResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return value;
  }
  return {};
}

struct Client::Impl {
  ClientSettings settings;
  ssl::context tls{ssl::context::tls_client};
  std::mutex mutex;
  std::chrono::steady_clock::time_point last_start{};
  // Waits between attempts end early when interrupted (the service is stopping).
  std::mutex wait_mutex;
  std::condition_variable wait_wake;
  bool interrupted = false;

  // False when interrupted before `until`.
  bool wait_until(std::chrono::steady_clock::time_point until) {
    std::unique_lock lock(wait_mutex);
    return !wait_wake.wait_until(lock, until, [&] { return interrupted; });
  }
  std::size_t sent = 0;
  std::size_t opened = 0;

  // The kept-alive connection, for one scheme://host:port at a time. Both streams live on this
  // io_context, which runs only while a request is in hand (on the caller's thread).
  net::io_context io;
  std::string connected_to;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;

  void disconnect() {
    beast::error_code ignored;
    if (plain) plain->socket().shutdown(tcp::socket::shutdown_both, ignored);
    plain.reset();
    secure.reset();  // no TLS close_notify: the peer learns from the TCP close
    connected_to.clear();
  }

  // One attempt, run as a coroutine on the private io_context so that the stream's deadline
  // (expires_after) bounds every step, reads included. A kept-alive connection the server has
  // closed meanwhile fails on first use: then the request goes once more on a fresh connection.
  // Throws beast::system_error or ClientError.
  ClientResponse attempt(const std::string& scheme, const std::string& host, const std::string& port,
                         const std::string& target, const std::string& method,
                         const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body) {
    const bhttp::verb verb = bhttp::string_to_verb(method);
    if (verb == bhttp::verb::unknown) throw ClientError("unknown HTTP method \"" + method + "\"");
    bhttp::request<bhttp::string_body> request{verb, target, 11};
    // RFC 9110 7.2: the port goes with the host unless it is the scheme's default (GitHub
    // Enterprise or a proxy on :8443 would otherwise route us to the wrong virtual host).
    const bool default_port = (scheme == "https" && port == "443") || (scheme == "http" && port == "80");
    const bool ipv6 = host.find(':') != std::string::npos && !host.starts_with("[");
    const std::string host_field = (ipv6 ? "[" + host + "]" : host) + (default_port || port.empty() ? "" : ":" + port);
    request.set(bhttp::field::host, host_field);
    request.set(bhttp::field::user_agent, settings.user_agent);
    for (const auto& [name, value] : headers) request.set(name, value);
    request.keep_alive(true);
    if (!body.empty() || verb == bhttp::verb::post || verb == bhttp::verb::put || verb == bhttp::verb::patch) {
      request.body() = body;
      request.prepare_payload();
    }
    const auto deadline = settings.timeout;
    const std::string key = scheme + "://" + host + ":" + port;
    if (connected_to != key) disconnect();

    std::optional<bhttp::response<bhttp::string_body>> message;
    auto connect = [&]() -> net::awaitable<void> {
      tcp::resolver resolver(io);
      const auto endpoints = co_await resolver.async_resolve(host, port, net::use_awaitable);
      ++opened;
      if (scheme == "https") {
        secure.emplace(io, tls);
        if (!SSL_set_tlsext_host_name(secure->native_handle(), host.c_str())) throw ClientError("cannot set TLS SNI for " + host);
        secure->set_verify_callback(ssl::host_name_verification(host));
        beast::get_lowest_layer(*secure).expires_after(deadline);
        co_await beast::get_lowest_layer(*secure).async_connect(endpoints, net::use_awaitable);
        co_await secure->async_handshake(ssl::stream_base::client, net::use_awaitable);
      } else {
        plain.emplace(io);
        plain->expires_after(deadline);
        co_await plain->async_connect(endpoints, net::use_awaitable);
      }
      connected_to = key;
    };
    auto exchange_once = [&]() -> net::awaitable<void> {
      beast::flat_buffer buffer;
      bhttp::response_parser<bhttp::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      if (secure) {
        beast::get_lowest_layer(*secure).expires_after(deadline);
        co_await bhttp::async_write(*secure, request, net::use_awaitable);
        co_await bhttp::async_read(*secure, buffer, parser, net::use_awaitable);
      } else {
        plain->expires_after(deadline);
        co_await bhttp::async_write(*plain, request, net::use_awaitable);
        co_await bhttp::async_read(*plain, buffer, parser, net::use_awaitable);
      }
      message.emplace(parser.release());
    };
    auto exchange = [&]() -> net::awaitable<void> {
      if (connected_to.empty()) {
        co_await connect();
        co_await exchange_once();
        co_return;
      }
      bool stale = false;
      try {
        co_await exchange_once();
      } catch (const boost::system::system_error& e) {
        // Only a connection the server dropped while idle is worth a second go; a timeout is not.
        if (e.code() == beast::error::timeout) throw;
        stale = true;
      }
      if (stale) {
        disconnect();
        co_await connect();
        co_await exchange_once();
      }
    };
    std::exception_ptr failure;
    io.restart();
    net::co_spawn(io, exchange(), [&](std::exception_ptr error) { failure = error; });
    io.run();
    if (failure) {
      disconnect();
      std::rethrow_exception(failure);
    }
    if (!message->keep_alive()) disconnect();

    ClientResponse response;
    response.status = static_cast<int>(message->result_int());
    response.body = std::move(message->body());
    for (const auto& field : *message) response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    return response;
  }
};

Client::Client(ClientSettings settings) : impl_(std::make_unique<Impl>()) {
  impl_->settings = std::move(settings);
  impl_->tls.set_default_verify_paths();
  impl_->tls.set_verify_mode(ssl::verify_peer);
}

Client::~Client() = default;

std::size_t Client::requests_sent() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->sent;
}

std::size_t Client::connections_opened() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->opened;
}

ClientResponse Client::get(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers) {
  return request("GET", url, headers, {});
}

ClientResponse Client::request(const std::string& method, const std::string& url,
                               const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) throw ClientError("\"" + url.substr(0, 200) + "\" is not an absolute URL");
  const std::string scheme(parsed->scheme());
  if (scheme != "http" && scheme != "https") throw ClientError("\"" + url.substr(0, 200) + "\" is not http or https");
  const std::string host(parsed->encoded_host());
  const std::string port = parsed->has_port() ? std::string(parsed->port()) : (scheme == "https" ? "443" : "80");
  std::string target(parsed->encoded_target());
  if (target.empty()) target = "/";

  std::lock_guard lock(impl_->mutex);
  std::chrono::milliseconds backoff = impl_->settings.first_backoff;
  std::string last_problem;
  for (int attempt = 1; attempt <= impl_->settings.attempts; ++attempt) {
    const auto earliest = impl_->last_start + impl_->settings.min_interval;
    if (!impl_->wait_until(std::max(earliest, std::chrono::steady_clock::now()))) {
      throw ClientError(method + " " + url.substr(0, 200) + ": interrupted (stopping)");
    }
    impl_->last_start = std::chrono::steady_clock::now();
    ++impl_->sent;
    try {
      ClientResponse response = impl_->attempt(scheme, host, port, target, method, headers, body);
      const bool transient = response.status >= 500 || response.status == 429;
      if (!transient || attempt == impl_->settings.attempts) return response;
      last_problem = "HTTP " + std::to_string(response.status);
      // Retry-After (seconds) when the server gives one; longer than max_wait: the caller's problem.
      if (const std::string retry_after = response.header("retry-after"); !retry_after.empty()) {
        try {
          const auto asked = std::chrono::milliseconds(std::stoll(retry_after) * 1000);
          if (asked > impl_->settings.max_wait) return response;
          backoff = std::max(backoff, asked);
        } catch (const std::exception&) {
        }
      }
    } catch (const ClientError&) {
      throw;
    } catch (const std::exception& e) {
      last_problem = e.what();
      if (attempt == impl_->settings.attempts) break;
    }
    if (!impl_->wait_until(std::chrono::steady_clock::now() + std::min(backoff, impl_->settings.max_wait))) {
      throw ClientError(method + " " + url.substr(0, 200) + ": interrupted (stopping) after " + last_problem);
    }
    backoff = std::min(backoff * 2, impl_->settings.max_wait);
  }
  throw ClientError(method + " " + url.substr(0, 200) + " failed after " + std::to_string(impl_->settings.attempts) +
                    " attempts: " + last_problem);
}

void Client::interrupt() {
  std::lock_guard lock(impl_->wait_mutex);
  impl_->interrupted = true;
  impl_->wait_wake.notify_all();
}

}  // namespace calico::http
