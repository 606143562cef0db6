// A small blocking HTTP/1.1 client for tests and benchmarks: one keep-alive connection to a
// loopback server, requests sent as given (so tests can send what a well-behaved client would not).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace calico::testkit {

struct HttpResult {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string header(std::string_view name) const;
};

class HttpClient {
 public:
  HttpClient(std::string host, std::uint16_t port);
  ~HttpClient();
  HttpClient(HttpClient&&) noexcept;
  HttpClient& operator=(HttpClient&&) noexcept;

  HttpResult request(const std::string& method, const std::string& target,
                     const std::vector<std::pair<std::string, std::string>>& headers, const std::string& body = {});

  // Writes raw bytes and reads one response (for malformed-request tests).
  HttpResult raw(const std::string& bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Headers of a correctly signed GitHub delivery.
std::vector<std::pair<std::string, std::string>> github_headers(const std::string& event, const std::string& guid,
                                                                const std::string& secret, const std::string& body,
                                                                const std::string& content_type = "application/json");

// "payload=<percent-encoded json>", as GitHub sends form deliveries.
std::string form_encode_payload(const std::string& json);

}  // namespace calico::testkit
