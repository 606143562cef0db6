// A small blocking HTTP/1.1 client (Boost.Beast, OpenSSL for https) for the outside APIs the bot
// talks to: Launchpad and GitHub. One request at a time per client, with a timeout, retries with
// backoff on 5xx and connection errors, and a minimum interval between requests so that a busy
// bot stays polite. The connection is kept open and reused while the server allows it (one TLS
// handshake for a whole poll, not one per request). Blocking: use it from worker threads, never
// from the HTTP I/O threads.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace calico::http {

class ClientError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ClientSettings {
  std::string user_agent = "calico-release-bot";
  std::chrono::milliseconds timeout{30000};          // per attempt: connect, send and receive
  int attempts = 4;                                  // tries for 5xx, 429 and connection errors
  std::chrono::milliseconds first_backoff{500};      // doubles after each failed attempt
  std::chrono::milliseconds min_interval{200};       // between the starts of two requests
  // The longest wait between two attempts. A server asking for longer (Launchpad's 503 with
  // Retry-After: 900) gets its answer back to the caller at once, which tries again later (the
  // watcher at its next poll): one request never blocks its thread, shutdown or a job for minutes.
  std::chrono::milliseconds max_wait{30000};
};

struct ClientResponse {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(std::string_view name) const;
};

class Client {
 public:
  explicit Client(ClientSettings settings = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // GET an absolute http:// or https:// URL. Returns the final response (after retries) for any
  // status; throws ClientError when no response could be had, naming the URL and the reason.
  ClientResponse get(const std::string& url, const std::vector<std::pair<std::string, std::string>>& headers = {});

  // Any method ("GET", "POST", "PATCH", "PUT", "DELETE") with an optional body. Retries as get()
  // does; callers that must not repeat a write set ClientSettings::attempts to 1.
  ClientResponse request(const std::string& method, const std::string& url,
                         const std::vector<std::pair<std::string, std::string>>& headers = {},
                         const std::string& body = {});

  // Ends every wait between attempts, now and later: the request in hand throws ClientError
  // ("interrupted") instead of sleeping on. For shutdown; there is no way back.
  void interrupt();

  // How many TCP (or TLS) connections were opened, for tests of connection reuse.
  std::size_t connections_opened() const;

  // How many requests went out (attempts included), for tests and benchmarks.
  std::size_t requests_sent() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace calico::http
