// Requests to a Kubernetes API server, as client-go makes them: a bearer token or a client
// certificate, the cluster's CA, JSON bodies; 429 (with Retry-After) and 5xx answers and lost
// connections retried with backoff; watch and log streams read as they arrive. Blocking, one
// request per connection: a build job's session calls it from the job's own thread.
#pragma once

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "builders/exec/kubernetes/api_access.hpp"

namespace calico::builders::exec::kubernetes {

struct ApiReply {
  int status = 0;
  std::string body;          // whole for call(); for a stream that was not a 200, its error body
  std::string retry_after;   // the header, as given
  int attempts = 1;          // how many tries call() took
  bool ok() const { return status >= 200 && status < 300; }
  // The body parsed; null when it is not JSON.
  boost::json::value json() const;
  // A Status answer's reason and message ("AlreadyExists: jobs \"x\" already exists"), else the
  // status code and the start of the body.
  std::string describe() const;
};

class ApiError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RetryPolicy {
  int attempts = 6;                                  // 429, 5xx and connection errors
  std::chrono::milliseconds first_backoff{250};      // doubles after each failed attempt
  std::chrono::milliseconds max_wait{30000};         // the longest wait, Retry-After included
  std::chrono::milliseconds timeout{30000};          // per request (streams: until they end)
};

class ApiClient {
 public:
  explicit ApiClient(ApiAccess access, RetryPolicy policy = {});
  const ApiAccess& access() const { return access_; }

  // `method` `target` (a path with its query) with an optional JSON body. Retries what may be
  // retried; returns the last answer whatever its status. Throws ApiError when no answer came
  // (naming the server and the reason), or when `stop` says so between attempts.
  ApiReply call(std::string_view method, const std::string& target, const std::string& body = {},
                const std::function<bool()>& stop = {});

  // GET `target` and hand each piece of a 200's body to `on_data` as it arrives, until the server
  // ends it, `on_data` returns false, or `stop` returns true (checked every 100 ms). Other
  // statuses come back whole in the reply. No retries: a watch or a log follow resumes itself.
  // Throws ApiError when the connection could not be made or broke.
  ApiReply stream(const std::string& target, const std::function<bool(std::string_view)>& on_data,
                  const std::function<bool()>& stop);

 private:
  ApiReply once(std::string_view method, const std::string& target, const std::string& body,
                const std::function<bool(std::string_view)>* on_data, const std::function<bool()>& stop,
                std::chrono::milliseconds timeout);

  ApiAccess access_;
  RetryPolicy policy_;
};

// Percent-encodes a query value (a label selector's '=' and ',').
std::string query_value(std::string_view text);

}  // namespace calico::builders::exec::kubernetes
