#include "bot/http/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <set>
#include <system_error>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>

#include "bot/log/log.hpp"

namespace calico::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kHeaderLimit = 64 * 1024;
constexpr std::chrono::seconds kLingerTime{5};

std::string endpoint_text(const tcp::endpoint& endpoint) {
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

}  // namespace

class Session;

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(net::io_context& io, ServerSettings s, Handler& h)
      : io(io), settings(std::move(s)), handler(h), acceptor(net::make_strand(io)), accept_retry(acceptor.get_executor()) {}

  void accept();
  // An accept failed (out of file descriptors, typically): wait a growing pause, then try again;
  // logged once per episode rather than per attempt.
  void accept_later(const beast::error_code& ec);
  void forget(Session* session);

  net::io_context& io;
  ServerSettings settings;
  Handler& handler;
  tcp::acceptor acceptor;
  net::steady_timer accept_retry;                 // on the acceptor's strand
  std::chrono::milliseconds accept_backoff{0};    // on the acceptor's strand
  int accept_failures = 0;                        // on the acceptor's strand
  bool accept_paused = false;                     // at max_connections; under sessions_mutex
  std::chrono::steady_clock::time_point limit_logged_at{};  // under sessions_mutex
  std::atomic<std::uint16_t> bound_port{0};
  std::atomic<bool> stopping{false};
  mutable std::mutex sessions_mutex;
  std::set<std::shared_ptr<Session>> sessions;
};

// One connection. Everything it does runs on its own strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, std::shared_ptr<Server::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)) {
    beast::error_code ignored;
    const auto remote = stream_.socket().remote_endpoint(ignored);
    remote_ = ignored ? std::string("unknown") : endpoint_text(remote);
  }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

  // Posted by Server::shutdown: an idle connection closes now, a busy one after its answer.
  void force_close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
  }

  void shutdown() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      log::debug("http.session_shutdown", {{"remote", self->remote_}, {"busy", self->busy_}});
      self->closing_ = true;
      if (!self->busy_) self->close();
    });
  }

 private:
  void read() {
    if (closing_) return close();
    parser_.emplace();
    parser_->body_limit(server_->settings.max_body_bytes);
    parser_->header_limit(kHeaderLimit);
    stream_.expires_after(server_->settings.idle_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
  }

  // A client that sent "Expect: 100-continue" waits for a 100 before sending its body (curl does
  // for bodies over 1 KiB): answer it, unless the header already fails (too large: 413 instead).
  void on_header(beast::error_code ec) {
    if (ec) return on_read(ec);
    // From here the request is in flight: a shutdown lets it finish (within the grace period)
    // instead of cutting its body off.
    busy_ = true;
    if (beast::iequals(parser_->get()[bhttp::field::expect], "100-continue") && !parser_->is_done()) {
      auto interim = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::continue_, parser_->get().version());
      bhttp::async_write(stream_, *interim, [self = shared_from_this(), interim](beast::error_code ec, std::size_t) {
        if (ec) return self->close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    if (parser_->is_done()) return on_read({});
    bhttp::async_read(stream_, buffer_, *parser_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return close();
    }
    if (ec == bhttp::error::body_limit) {
      return answer_error(413, "the request body is larger than " +
                                   std::to_string(server_->settings.max_body_bytes) + " bytes");
    }
    if (ec == bhttp::error::header_limit) return answer_error(431, "the request headers are too large");
    if (ec) {
      // Unparseable request: say so, then drop the connection (its framing cannot be trusted).
      return answer_error(400, "malformed HTTP request: " + ec.message());
    }
    busy_ = true;
    stream_.expires_never();
    bhttp::request<bhttp::string_body> message = parser_->release();
    keep_alive_ = message.keep_alive();
    Request request;
    request.method = std::string(message.method_string());
    request.target = std::string(message.target());
    request.remote = remote_;
    request.received_at = std::chrono::steady_clock::now();
    for (const auto& field : message) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request.body = std::move(message.body());
    path_ = std::string(request.path());
    started_ = request.received_at;
    version_ = message.version();
    try {
      server_->handler.handle(std::move(request), [self = shared_from_this()](Response response) {
        net::post(self->stream_.get_executor(),
                  [self, response = std::move(response)]() mutable { self->write(std::move(response)); });
      });
    } catch (const std::exception& e) {
      log::error("http.handler_failed", {{"path", path_}, {"error", e.what()}});
      write(json_error(500, "error", "internal error"));
    }
  }

  void answer_error(int status, std::string message) {
    busy_ = true;
    keep_alive_ = false;
    unread_body_ = true;
    // The request line is parsed before any header: a body over the limit announced by its
    // Content-Length is refused before the header is "done", and still counts under its route.
    path_ = parser_ ? std::string(parser_->get().target()) : std::string();
    path_ = path_.substr(0, path_.find('?'));
    started_ = std::chrono::steady_clock::now();
    log::info("http.refused", {{"remote", remote_}, {"status", status}, {"reason", message}});
    write(json_error(status, "refused", message));
  }

  void write(Response response) {
    auto message = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(response.status), version_ ? version_ : 11);
    message->set(bhttp::field::server, "calico-release-bot");
    message->set(bhttp::field::content_type, response.content_type);
    for (const auto& [name, value] : response.headers) message->set(name, value);
    message->body() = std::move(response.body);
    message->keep_alive(keep_alive_ && !closing_);
    message->prepare_payload();
    const int status = response.status;
    stream_.expires_after(server_->settings.idle_timeout);
    bhttp::async_write(stream_, *message,
                       [self = shared_from_this(), message, status](beast::error_code ec, std::size_t) {
                         self->on_write(ec, message->keep_alive(), status);
                       });
  }

  void on_write(beast::error_code ec, bool keep_alive, int status) {
    if (server_->settings.observe) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
      server_->settings.observe(path_, status, seconds);
    }
    busy_ = false;
    if (ec) return close();
    if (unread_body_) return linger();
    if (!keep_alive) return close();
    read();
  }

  // After answering a request whose body we did not read (413, 400), the client may still be
  // sending it. Closing at once would reset the connection and could destroy our answer before
  // the client reads it, so stop sending, then read and discard for a short while first.
  void linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTime);
    stream_.async_read_some(net::buffer(discard_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->linger();
    });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    log::debug("http.session_closed", {{"remote", remote_}});
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
    server_->forget(this);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<Server::Impl> server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string remote_;
  std::string path_;
  std::chrono::steady_clock::time_point started_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  bool busy_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool unread_body_ = false;
  std::array<char, 16 * 1024> discard_{};
};

void Server::Impl::accept() {
  acceptor.async_accept(net::make_strand(io), [self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted) return;  // the acceptor was closed
    if (ec) return self->accept_later(ec);
    if (self->accept_failures > 0) {
      log::info("http.accept_recovered", {{"failed_attempts", self->accept_failures}});
      self->accept_failures = 0;
      self->accept_backoff = std::chrono::milliseconds(0);
    }
    // Each answer is one small write: sent at once, not held back by Nagle's algorithm until the
    // client's delayed ACK (tens of milliseconds per keep-alive request otherwise).
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    auto session = std::make_shared<Session>(std::move(socket), self);
    bool at_limit = false;
    {
      // Checked under the same lock shutdown() takes, so that no connection slips in after
      // shutdown() has told every known connection to close.
      std::lock_guard lock(self->sessions_mutex);
      if (self->stopping) return;
      self->sessions.insert(session);
      at_limit = self->sessions.size() >= self->settings.max_connections;
      if (at_limit) {
        self->accept_paused = true;
        const auto now = std::chrono::steady_clock::now();
        if (now - self->limit_logged_at >= std::chrono::minutes(1)) {
          self->limit_logged_at = now;
          log::warn("http.connection_limit", {{"open_connections", self->sessions.size()},
                                              {"detail", "new connections wait until one closes (server.max_connections); "
                                                         "logged at most once a minute"}});
        }
      }
    }
    session->start();
    if (!at_limit) self->accept();
  });
}

void Server::Impl::accept_later(const beast::error_code& ec) {
  if (accept_failures++ == 0) {
    log::warn("http.accept_failed", {{"error", ec.message()},
                                     {"detail", "retrying with growing pauses; logged once until accepting works again"}});
  }
  accept_backoff = std::min(std::max(accept_backoff * 2, std::chrono::milliseconds(10)), std::chrono::milliseconds(1000));
  accept_retry.expires_after(accept_backoff);
  accept_retry.async_wait([self = shared_from_this()](beast::error_code wait_error) {
    if (!wait_error && !self->stopping) self->accept();
  });
}

void Server::Impl::forget(Session* session) {
  std::lock_guard lock(sessions_mutex);
  for (auto it = sessions.begin(); it != sessions.end(); ++it) {
    if (it->get() == session) {
      sessions.erase(it);
      break;
    }
  }
  if (accept_paused && sessions.size() < settings.max_connections && !stopping) {
    accept_paused = false;
    net::post(acceptor.get_executor(), [self = shared_from_this()] { self->accept(); });
  }
}

Server::Server(net::io_context& io, ServerSettings settings, Handler& handler)
    : impl_(std::make_shared<Impl>(io, std::move(settings), handler)) {}

Server::~Server() {
  shutdown();
  // Connections still open when the I/O threads stopped hold the server and the server holds
  // them: let go here, so both are freed with the io_context's remaining handlers.
  std::lock_guard lock(impl_->sessions_mutex);
  impl_->sessions.clear();
}

void Server::start() {
  beast::error_code ec;
  const auto address = net::ip::make_address(impl_->settings.address, ec);
  if (ec) throw std::system_error(ec, "invalid listen address \"" + impl_->settings.address + "\"");
  const tcp::endpoint endpoint(address, impl_->settings.port);
  const std::string where = impl_->settings.address + ":" + std::to_string(impl_->settings.port);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw std::system_error(ec, "cannot listen on " + where);
  impl_->bound_port = impl_->acceptor.local_endpoint().port();
  impl_->accept();
}

std::uint16_t Server::port() const { return impl_->bound_port; }

void Server::shutdown() {
  std::lock_guard lock(impl_->sessions_mutex);
  if (impl_->stopping.exchange(true)) return;
  net::dispatch(impl_->acceptor.get_executor(), [impl = impl_] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
    impl->accept_retry.cancel();
  });
  for (const auto& session : impl_->sessions) session->shutdown();
}

void Server::close_all() {
  std::lock_guard lock(impl_->sessions_mutex);
  for (const auto& session : impl_->sessions) session->force_close();
}

std::size_t Server::open_connections() const {
  std::lock_guard lock(impl_->sessions_mutex);
  return impl_->sessions.size();
}

}  // namespace calico::http
