#include "bot/http/client.hpp"

#include <mutex>
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
  std::size_t sent = 0;

  // One attempt, run as a coroutine on a private io_context so that the stream's deadline
  // (expires_after) bounds every step, reads included. Throws beast::system_error or ClientError.
  ClientResponse attempt(const std::string& scheme, const std::string& host, const std::string& port,
                         const std::string& target, const std::vector<std::pair<std::string, std::string>>& headers) {
    net::io_context io;
    bhttp::request<bhttp::empty_body> request{bhttp::verb::get, target, 11};
    request.set(bhttp::field::host, host);
    request.set(bhttp::field::user_agent, settings.user_agent);
    for (const auto& [name, value] : headers) request.set(name, value);
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    const auto deadline = settings.timeout;

    auto exchange = [&]() -> net::awaitable<void> {
      beast::flat_buffer buffer;
      tcp::resolver resolver(io);
      const auto endpoints = co_await resolver.async_resolve(host, port, net::use_awaitable);
      if (scheme == "https") {
        beast::ssl_stream<beast::tcp_stream> stream(io, tls);
        if (!SSL_set_tlsext_host_name(stream.native_handle(), host.c_str())) throw ClientError("cannot set TLS SNI for " + host);
        stream.set_verify_callback(ssl::host_name_verification(host));
        beast::get_lowest_layer(stream).expires_after(deadline);
        co_await beast::get_lowest_layer(stream).async_connect(endpoints, net::use_awaitable);
        co_await stream.async_handshake(ssl::stream_base::client, net::use_awaitable);
        co_await bhttp::async_write(stream, request, net::use_awaitable);
        co_await bhttp::async_read(stream, buffer, parser, net::use_awaitable);
      } else {
        beast::tcp_stream stream(io);
        stream.expires_after(deadline);
        co_await stream.async_connect(endpoints, net::use_awaitable);
        co_await bhttp::async_write(stream, request, net::use_awaitable);
        co_await bhttp::async_read(stream, buffer, parser, net::use_awaitable);
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
      }
    };
    std::exception_ptr failure;
    net::co_spawn(io, exchange(), [&](std::exception_ptr error) { failure = error; });
    io.run();
    if (failure) std::rethrow_exception(failure);

    auto message = parser.release();
    ClientResponse response;
    response.status = static_cast<int>(message.result_int());
    response.body = std::move(message.body());
    for (const auto& field : message) response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
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

ClientResponse Client::get(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers) {
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
    if (std::chrono::steady_clock::now() < earliest) std::this_thread::sleep_until(earliest);
    impl_->last_start = std::chrono::steady_clock::now();
    ++impl_->sent;
    try {
      ClientResponse response = impl_->attempt(scheme, host, port, target, headers);
      const bool transient = response.status >= 500 || response.status == 429;
      if (!transient || attempt == impl_->settings.attempts) return response;
      last_problem = "HTTP " + std::to_string(response.status);
      // Retry-After (seconds) when the server gives one, within reason.
      if (const std::string retry_after = response.header("retry-after"); !retry_after.empty()) {
        try {
          backoff = std::max(backoff, std::chrono::milliseconds(std::min(300, std::stoi(retry_after)) * 1000));
        } catch (const std::exception&) {
        }
      }
    } catch (const ClientError&) {
      throw;
    } catch (const std::exception& e) {
      last_problem = e.what();
      if (attempt == impl_->settings.attempts) break;
    }
    std::this_thread::sleep_for(backoff);
    backoff *= 2;
  }
  throw ClientError("GET " + url.substr(0, 200) + " failed after " + std::to_string(impl_->settings.attempts) +
                    " attempts: " + last_problem);
}

}  // namespace calico::http
