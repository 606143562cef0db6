#include "bot/http/server.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <optional>
#include <map>
#include <set>
#include <system_error>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/version.hpp>

#include "bot/http/response_bytes.hpp"
#include "bot/log/log.hpp"

namespace calico::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr std::size_t kHeaderLimit = 64 * 1024;
// What the read buffer may hold: a request's headers, a chunk's header line (its extensions), or
// a chunked body's trailer, each whole, must fit. It bounds all three, and keeps a trailer field
// below the 64 KiB Beast's field storage can take (beyond it the parser throws).
constexpr std::size_t kReadBufferLimit = kHeaderLimit;
// Chunk extensions of one request, added up: they are parsed and thrown away, but a client could
// otherwise send them forever.
constexpr std::size_t kChunkExtensionLimit = kHeaderLimit;
constexpr std::chrono::seconds kLingerTime{5};
// Room the read buffer keeps once a connection has sent a request's headers. Beast reads at most
// what the buffer has room for, and its parser consumes a body as it arrives, so a buffer left to
// grow by itself stays at 512 bytes and a 1 KiB delivery costs three reads; with this room a
// typical delivery is one read. Idle connections that never send a request do not get it.
constexpr std::size_t kReadRoom = 16 * 1024;

// A connection's own strand, by its concrete type: the stream, its timer and every handler posted
// to it use it directly, not through any_io_executor's type erasure (a few per cent of the CPU
// per request at the peer bench's rate).
using SessionStrand = net::strand<net::io_context::executor_type>;
using SessionSocket = net::basic_stream_socket<tcp, SessionStrand>;
using SessionStream = beast::basic_stream<tcp, SessionStrand>;

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
  // Bytes of request bodies held now (ServerSettings::max_buffered_body_bytes).
  std::atomic<std::size_t> buffered_body_bytes{0};
  bool reserve_body(std::size_t bytes) {
    std::size_t held = buffered_body_bytes.load();
    do {
      if (held + bytes > settings.max_buffered_body_bytes || held + bytes < held) return false;
    } while (!buffered_body_bytes.compare_exchange_weak(held, held + bytes));
    return true;
  }
  void release_body(std::size_t bytes) { buffered_body_bytes -= bytes; }
  // Sessions per client address (under sessions_mutex).
  std::map<std::string, std::size_t> per_client;
  std::chrono::steady_clock::time_point client_cap_logged_at{};  // under sessions_mutex
  // At the cap: close the longest-idle session; false when every session is busy.
  bool evict_idle();
  std::atomic<bool> stopping{false};
  mutable std::mutex sessions_mutex;
  std::set<std::shared_ptr<Session>> sessions;
};

// One connection. Everything it does runs on its own strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(SessionSocket&& socket, std::shared_ptr<Server::Impl> server)
      : stream_(std::move(socket)), server_(std::move(server)), buffer_(kReadBufferLimit) {
    beast::error_code ignored;
    const auto remote = stream_.socket().remote_endpoint(ignored);
    remote_ = ignored ? std::string("unknown") : endpoint_text(remote);
    client_ = ignored ? std::string("unknown") : remote.address().to_string();
  }
  ~Session() { release_body(); }

  const std::string& client() const { return client_; }
  // Waiting for a request's headers (nothing of it answered or in flight): may be closed for a
  // newcomer at the connection cap.
  bool idle() const { return !busy_.load() && !closed_flag_.load(); }
  std::int64_t idle_since() const { return idle_since_.load(); }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(); });
  }

  // Closed for a newcomer at the connection cap (called under the server's sessions lock).
  void evict() {
    closed_flag_ = true;  // not idle any more: never chosen twice
    force_close();
  }

  // Over its client's cap: closed before anything is read.
  void reject() {
    closed_ = true;
    closed_flag_ = true;
    beast::error_code ignored;
    stream_.socket().close(ignored);
  }

  // Posted by Server::shutdown: an idle connection closes now, a busy one after its answer.
  void force_close() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
  }

  void shutdown() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      log::debug("http.session_shutdown", {{"remote", self->remote_}, {"busy", self->busy_.load()}});
      self->closing_ = true;
      if (!self->busy_) self->close();
    });
  }

 private:
  void read() {
    if (closing_) return close();
    release_body();
    idle_since_ = std::chrono::steady_clock::now().time_since_epoch().count();
    parser_.emplace();
    parser_->body_limit(server_->settings.max_body_bytes);
    parser_->header_limit(kHeaderLimit);
    extension_bytes_ = 0;
    over_budget_ = false;
    // A chunked body is counted chunk by chunk as each chunk's size arrives, and its extensions
    // are added up: both bounded before the bytes themselves are read.
    on_chunk_header_ = [this](std::uint64_t size, std::string_view extensions, beast::error_code& ec) {
      extension_bytes_ += extensions.size();
      if (extension_bytes_ > kChunkExtensionLimit) {
        ec = bhttp::error::bad_chunk_extension;
        return;
      }
      if (size > 0 && !reserve_body(static_cast<std::size_t>(size))) {
        over_budget_ = true;
        ec = bhttp::error::body_limit;
      }
    };
    parser_->on_chunk_header(on_chunk_header_);
    // A new connection must send its headers soon (header timeout); a keep-alive connection may
    // wait for its next request up to the idle timeout. Either way, at the connection cap an idle
    // one makes room for a newcomer.
    stream_.expires_after(served_ == 0 ? server_->settings.header_timeout : server_->settings.idle_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->guarded([&] { self->on_header(ec); });
    });
  }

  // No exception of the parser or of our handling may leave a session (it would end the I/O
  // thread, and the process): the request is refused and the connection closed.
  template <class Step>
  void guarded(Step&& step) {
    try {
      step();
    } catch (const std::exception& e) {
      log::warn("http.session_failed", {{"remote", remote_}, {"error", e.what()}});
      keep_alive_ = false;
      if (!answered_) {
        answered_ = true;
        return answer_error(400, "malformed HTTP request");
      }
      close();
    }
  }

  bool reserve_body(std::size_t bytes) {
    if (!server_->reserve_body(bytes)) return false;
    reserved_ += bytes;
    return true;
  }
  void release_body() {
    if (reserved_ == 0) return;
    server_->release_body(reserved_);
    reserved_ = 0;
  }

  // A client that sent "Expect: 100-continue" waits for a 100 before sending its body (curl does
  // for bodies over 1 KiB): answer it, unless the header already fails (too large: 413 instead).
  void on_header(beast::error_code ec) {
    if (ec) return on_read(ec);
    // From here the request is in flight: a shutdown lets it finish (within the grace period)
    // instead of cutting its body off.
    busy_ = true;
    answered_ = false;
    if (buffer_.capacity() < kReadRoom) buffer_.reserve(kReadRoom);
    stream_.expires_after(server_->settings.idle_timeout);
    if (const auto length = parser_->content_length(); length && *length > 0 && *length <= server_->settings.max_body_bytes) {
      if (!reserve_body(static_cast<std::size_t>(*length))) {
        over_budget_ = true;
        return on_read(bhttp::error::body_limit);
      }
    }
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
    bhttp::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->guarded([&] { self->on_read(ec); });
    });
  }

  void on_read(beast::error_code ec) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted || ec == beast::error::timeout ||
        ec == net::error::connection_reset || ec == net::error::eof) {
      return close();
    }
    if (over_budget_) {
      log::warn("http.body_budget", {{"remote", remote_},
                                     {"buffered_body_bytes", server_->buffered_body_bytes.load()},
                                     {"detail", "request bodies in memory reached server.max_buffered_body_bytes"}});
      return answer_error(503, "too many request bodies are being received at once; try again shortly", {{"Retry-After", "5"}});
    }
    if (ec == bhttp::error::body_limit) {
      return answer_error(413, "the request body is larger than " +
                                   std::to_string(server_->settings.max_body_bytes) + " bytes");
    }
    if (ec == bhttp::error::header_limit) return answer_error(431, "the request headers are too large");
    if (ec == bhttp::error::buffer_overflow) {
      return answer_error(431, "the request headers, a chunk's extensions or the trailer are larger than " +
                                   std::to_string(kReadBufferLimit) + " bytes");
    }
    if (ec == bhttp::error::bad_chunk_extension && extension_bytes_ > kChunkExtensionLimit) {
      return answer_error(400, "the chunk extensions add up to more than " + std::to_string(kChunkExtensionLimit) + " bytes");
    }
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
    request.headers.reserve(static_cast<std::size_t>(std::distance(message.begin(), message.end())));
    for (const auto& field : message) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(), ascii_lower);
      request.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    request.body = std::move(message.body());
    path_ = std::string(request.path());
    started_ = request.received_at;
    version_ = message.version();
    answered_ = true;
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

  void answer_error(int status, std::string message, std::vector<std::pair<std::string, std::string>> headers = {}) {
    busy_ = true;
    answered_ = true;
    keep_alive_ = false;
    unread_body_ = true;
    // The request line is parsed before any header: a body over the limit announced by its
    // Content-Length is refused before the header is "done", and still counts under its route.
    path_ = parser_ ? std::string(parser_->get().target()) : std::string();
    path_ = path_.substr(0, path_.find('?'));
    started_ = std::chrono::steady_clock::now();
    log::info("http.refused", {{"remote", remote_}, {"status", status}, {"reason", message}});
    Response response = json_error(status, "refused", message);
    for (auto& header : headers) response.headers.push_back(std::move(header));
    write(std::move(response));
  }

  void write(Response response) {
    const bool keep_alive = keep_alive_ && !closing_;
    const unsigned version = version_ ? version_ : 11;
    int status = response.status;
    auto bytes = std::make_shared<std::string>();
    try {
      *bytes = response_bytes(response, version, keep_alive);
    } catch (const InvalidResponseHeader& e) {
      log::error("http.invalid_response", {{"path", path_}, {"status", status}, {"error", e.what()}});
      status = 500;
      *bytes = response_bytes(json_error(status, "error", "internal error"), version, keep_alive);
    }
    stream_.expires_after(server_->settings.idle_timeout);
    net::async_write(stream_, net::buffer(*bytes), [self = shared_from_this(), bytes, keep_alive, status](beast::error_code ec, std::size_t) {
      self->on_write(ec, keep_alive, status);
    });
  }

  void on_write(beast::error_code ec, bool keep_alive, int status) {
    if (server_->settings.observe) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
      server_->settings.observe(path_, status, seconds);
    }
    busy_ = false;
    ++served_;
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
    closed_flag_ = true;
    release_body();
    log::debug("http.session_closed", {{"remote", remote_}});
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
    server_->forget(this);
  }

  SessionStream stream_;
  std::shared_ptr<Server::Impl> server_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string remote_;
  std::string client_;
  std::function<void(std::uint64_t, std::string_view, beast::error_code&)> on_chunk_header_;
  std::size_t extension_bytes_ = 0;
  std::size_t reserved_ = 0;  // of the server's body budget, for the current request
  bool over_budget_ = false;
  bool answered_ = false;
  std::atomic<bool> closed_flag_{false};
  std::atomic<std::int64_t> idle_since_{std::chrono::steady_clock::now().time_since_epoch().count()};
  std::size_t served_ = 0;  // requests answered on this connection
  std::string path_;
  std::chrono::steady_clock::time_point started_;
  unsigned version_ = 11;
  bool keep_alive_ = true;
  std::atomic<bool> busy_{false};
  bool closing_ = false;
  bool closed_ = false;
  bool unread_body_ = false;
  std::array<char, 16 * 1024> discard_{};
};

void Server::Impl::accept() {
  acceptor.async_accept(net::make_strand(io.get_executor()), [self = shared_from_this()](beast::error_code ec, SessionSocket socket) {
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
      const std::size_t cap = self->settings.max_connections_per_client;
      std::size_t& from_client = self->per_client[session->client()];
      if (cap > 0 && from_client >= cap) {
        const auto now = std::chrono::steady_clock::now();
        if (now - self->client_cap_logged_at >= std::chrono::minutes(1)) {
          self->client_cap_logged_at = now;
          log::warn("http.client_limit", {{"client", session->client()}, {"open_connections", from_client},
                                          {"detail", "connections over server.max_connections_per_client are closed at once; "
                                                     "logged at most once a minute"}});
        }
        session->reject();
        self->accept();
        return;
      }
      ++from_client;
      self->sessions.insert(session);
      if (self->sessions.size() > self->settings.max_connections) self->evict_idle();
      at_limit = self->sessions.size() >= self->settings.max_connections;
      if (at_limit) {
        const auto now = std::chrono::steady_clock::now();
        if (now - self->limit_logged_at >= std::chrono::minutes(1)) {
          self->limit_logged_at = now;
          log::warn("http.connection_limit", {{"open_connections", self->sessions.size()},
                                              {"detail", "at server.max_connections a new connection closes the longest-idle one; "
                                                         "when all are busy new connections wait until one closes; logged at most "
                                                         "once a minute"}});
        }
        // Still accepting while an idle connection can make room; otherwise wait for a close.
        at_limit = !std::any_of(self->sessions.begin(), self->sessions.end(), [](const auto& s) { return s->idle(); });
        self->accept_paused = at_limit;
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

bool Server::Impl::evict_idle() {
  std::shared_ptr<Session> oldest;
  for (const auto& candidate : sessions) {
    if (candidate->idle() && (!oldest || candidate->idle_since() < oldest->idle_since())) oldest = candidate;
  }
  if (!oldest) return false;
  log::debug("http.evicted_idle", {{"client", oldest->client()}});
  oldest->evict();
  return true;
}

void Server::Impl::forget(Session* session) {
  std::lock_guard lock(sessions_mutex);
  for (auto it = sessions.begin(); it != sessions.end(); ++it) {
    if (it->get() == session) {
      if (auto count = per_client.find(session->client()); count != per_client.end() && --count->second == 0) {
        per_client.erase(count);
      }
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
