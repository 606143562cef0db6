#include "tests/support/fake_kubernetes.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <ctime>
#include <fstream>
#include <random>
#include <regex>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>

namespace calico::testkit {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
using tcp = net::ip::tcp;

namespace {

std::string now_rfc3339(bool nanos) {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  std::tm tm{};
  ::gmtime_r(&ts.tv_sec, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (nanos) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09ld", ts.tv_nsec);
    std::string f = frac;
    while (f.size() > 1 && f.back() == '0') f.pop_back();  // RFC3339Nano trims trailing zeros
    if (f != ".") out += f;
  }
  return out + "Z";
}

std::string random_suffix() {
  static std::mt19937 rng{std::random_device{}()};
  static const char* alphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::string s;
  for (int i = 0; i < 5; ++i) s += alphabet[rng() % 27];
  return s;
}

json::object status_object(int code, const std::string& reason, const std::string& message, json::array causes = {}) {
  json::object status{{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object{}}, {"status", "Failure"},
                      {"message", message}, {"reason", reason}, {"code", code}};
  if (!causes.empty()) status["details"] = json::object{{"causes", std::move(causes)}};
  return status;
}

std::map<std::string, std::string> parse_selector(const std::string& selector) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start < selector.size()) {
    std::size_t comma = selector.find(',', start);
    if (comma == std::string::npos) comma = selector.size();
    const std::string term = selector.substr(start, comma - start);
    const std::size_t eq = term.find('=');
    if (eq != std::string::npos) out[term.substr(0, eq)] = term.substr(eq + (term.compare(eq, 2, "==") == 0 ? 2 : 1));
    else if (!term.empty()) out[term] = "\x01";  // exists
    start = comma + 1;
  }
  return out;
}

bool matches(const json::value& object, const std::map<std::string, std::string>& selector) {
  const json::value* labels = object.at("metadata").as_object().if_contains("labels");
  for (const auto& [key, value] : selector) {
    const json::value* have = labels && labels->is_object() ? labels->as_object().if_contains(key) : nullptr;
    if (!have) return false;
    if (value != "\x01" && (!have->is_string() || have->as_string() != value)) return false;
  }
  return true;
}

}  // namespace

struct Container {
  pid_t pid = -1;
  int exit_code = -1;
  bool exited = false;
  std::vector<std::pair<std::string, std::string>> lines;  // (timestamp, line with its newline)
};

struct FakeKubernetes::State {
  mutable std::mutex mutex;
  std::condition_variable changed;
  bool stopping = false;
  net::io_context io;
  tcp::acceptor acceptor{io};
  std::thread accept_thread;
  std::vector<std::thread> threads;
  std::vector<std::shared_ptr<tcp::socket>> sockets;

  std::int64_t version = 100;
  std::int64_t oldest_kept = 100;  // watches from before this get 410
  struct Event {
    std::int64_t version;
    std::string type;
    std::string kind;  // Job | Pod
    json::value object;
  };
  std::vector<Event> events;
  std::map<std::string, json::value> jobs;  // "ns/name"
  std::map<std::string, json::value> pods;
  std::map<std::string, std::shared_ptr<Container>> containers;  // by pod key
  std::chrono::milliseconds pending_time{150};
  std::set<std::string> unpullable;
  int fail_status = 0;
  int fail_count = 0;
  int fail_retry_after = 1;
  std::uint64_t log_epoch = 0;    // drop_log_streams bumps it
  std::uint64_t watch_epoch = 0;  // end_watches bumps it

  std::vector<json::value> created;
  std::map<std::string, std::size_t> methods;
  std::map<int, std::size_t> statuses;
  std::size_t expired = 0;
  std::size_t log_streams = 0;
  std::string authorization;

  // ---- state changes (mutex held) ----
  void emit(const std::string& type, const std::string& kind, json::value& object) {
    object.as_object()["metadata"].as_object()["resourceVersion"] = std::to_string(++version);
    events.push_back({version, type, kind, object});
    changed.notify_all();
  }
  json::value& job_of(const json::value& pod) {
    static json::value none;
    const std::string owner = std::string(pod.at("metadata").at("labels").at("job-name").as_string());
    const std::string key = std::string(pod.at("metadata").at("namespace").as_string()) + "/" + owner;
    auto it = jobs.find(key);
    return it == jobs.end() ? none : it->second;
  }
  void set_job_status(json::value& pod, const std::string& outcome, const std::string& reason) {
    json::value& job = job_of(pod);
    if (job.is_null()) return;
    json::object& status = job.as_object()["status"].emplace_object();
    if (outcome == "Running") {
      status["active"] = 1;
      status["startTime"] = now_rfc3339(false);
    } else {
      status["active"] = 0;
      status[outcome == "Complete" ? "succeeded" : "failed"] = 1;
      if (outcome == "Complete") status["completionTime"] = now_rfc3339(false);
      status["conditions"] = json::array{json::object{{"type", outcome}, {"status", "True"}, {"reason", reason},
                                                      {"lastTransitionTime", now_rfc3339(false)}}};
    }
    emit("MODIFIED", "Job", job);
  }
  void set_pod(const std::string& key, const std::string& phase, json::object container_state, const std::string& reason) {
    auto it = pods.find(key);
    if (it == pods.end()) return;
    json::object& status = it->second.as_object()["status"].emplace_object();
    status["phase"] = phase;
    if (!reason.empty()) status["reason"] = reason;
    status["containerStatuses"] = json::array{json::object{{"name", "build"}, {"state", std::move(container_state)},
                                                           {"ready", phase == "Running"}, {"restartCount", 0}}};
    emit("MODIFIED", "Pod", it->second);
  }
  void remove_pod(const std::string& key) {
    auto it = pods.find(key);
    if (it == pods.end()) return;
    json::value pod = it->second;
    pods.erase(it);
    emit("DELETED", "Pod", pod);
  }
};

namespace {

using State = FakeKubernetes::State;

// The kubelet of one Pod: waits out the pending time, starts the container (a real process
// here), collects its output line by line with timestamps, reports its end; a deadline or a
// deletion kills it.
void kubelet(std::shared_ptr<State> s, std::string key) {
  std::unique_lock lock(s->mutex);
  const auto created = std::chrono::steady_clock::now();
  s->changed.wait_for(lock, s->pending_time, [&] { return s->stopping || !s->pods.count(key); });
  if (s->stopping || !s->pods.count(key)) return;
  json::value pod = s->pods.at(key);
  const json::object& spec = pod.at("spec").as_object();
  const json::object& c = spec.at("containers").as_array().at(0).as_object();
  const std::string image = std::string(c.at("image").as_string());
  if (s->unpullable.count(image)) {
    s->set_pod(key, "Pending", json::object{{"waiting", json::object{{"reason", "ErrImagePull"}, {"message", "pull access denied for " + image}}}}, "");
    return;
  }
  const json::value* security = spec.if_contains("securityContext");
  if (security && security->as_object().if_contains("runAsNonRoot") && security->at("runAsNonRoot").as_bool() &&
      (!security->as_object().if_contains("runAsUser") || security->at("runAsUser").as_int64() == 0)) {
    s->set_pod(key, "Pending", json::object{{"waiting", json::object{{"reason", "CreateContainerConfigError"}, {"message", "container has runAsNonRoot and image will run as root"}}}}, "");
    return;
  }
  std::vector<std::string> argv;
  for (const json::value& a : c.at("command").as_array()) argv.emplace_back(a.as_string());
  std::vector<std::string> env = {"PATH=" + std::string(std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin")};
  if (const json::value* e = c.if_contains("env")) {
    for (const json::value& one : e->as_array()) env.push_back(std::string(one.at("name").as_string()) + "=" + std::string(one.at("value").as_string()));
  }
  const std::string cwd = c.if_contains("workingDir") ? std::string(c.at("workingDir").as_string()) : "/";
  std::int64_t deadline = 0;
  const json::value& job = s->job_of(pod);
  if (!job.is_null()) {
    if (const json::value* d = job.at("spec").as_object().if_contains("activeDeadlineSeconds")) deadline = d->as_int64();
  }

  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return;
  auto container = std::make_shared<Container>();
  std::vector<char*> args, envp;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    ::dup2(pipe_fds[1], 1);
    ::dup2(pipe_fds[1], 2);
    const int null = ::open("/dev/null", O_RDONLY);
    ::dup2(null, 0);
    if (::chdir(cwd.c_str()) != 0) _exit(128);
    ::execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  ::close(pipe_fds[1]);
  container->pid = pid;
  s->containers[key] = container;
  const std::string started = now_rfc3339(false);
  s->set_pod(key, "Running", json::object{{"running", json::object{{"startedAt", started}}}}, "");
  s->set_job_status(s->pods.at(key), "Running", "");
  lock.unlock();

  // Output, line by line, with the time each line came.
  std::thread reader([s, container, fd = pipe_fds[0]] {
    std::string partial;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) break;
      partial.append(buf, static_cast<std::size_t>(n));
      std::lock_guard guard(s->mutex);
      std::size_t nl;
      while ((nl = partial.find('\n')) != std::string::npos) {
        container->lines.emplace_back(now_rfc3339(true), partial.substr(0, nl + 1));
        partial.erase(0, nl + 1);
      }
      s->changed.notify_all();
    }
    std::lock_guard guard(s->mutex);
    if (!partial.empty()) container->lines.emplace_back(now_rfc3339(true), partial);
    ::close(fd);
  });
  bool deadline_hit = false;
  int status = 0;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (deadline > 0 && std::chrono::steady_clock::now() - created > std::chrono::seconds(deadline) && !deadline_hit) {
      deadline_hit = true;
      ::kill(-pid, SIGKILL);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(-pid, SIGKILL);  // what the container left running goes with it
  reader.join();
  lock.lock();
  container->exited = true;
  container->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (!s->pods.count(key)) {  // deleted meanwhile: nothing more to report
    s->changed.notify_all();
    return;
  }
  const bool ok = container->exit_code == 0 && !deadline_hit;
  s->set_pod(key, ok ? "Succeeded" : "Failed",
             json::object{{"terminated", json::object{{"exitCode", container->exit_code},
                                                      {"reason", deadline_hit ? "DeadlineExceeded" : ok ? "Completed" : "Error"},
                                                      {"startedAt", started}, {"finishedAt", now_rfc3339(false)}}}},
             deadline_hit ? "DeadlineExceeded" : "");
  s->set_job_status(s->pods.at(key), ok ? "Complete" : "Failed", deadline_hit ? "DeadlineExceeded" : ok ? "" : "BackoffLimitExceeded");
}

// Deletes a Pod as the garbage collector and the kubelet do: its container killed, then gone.
void delete_pod_later(std::shared_ptr<State> s, std::string key) {
  std::unique_lock lock(s->mutex);
  s->changed.wait_for(lock, std::chrono::milliseconds(100), [&] { return s->stopping; });
  auto it = s->containers.find(key);
  if (it != s->containers.end() && !it->second->exited) {
    ::kill(-it->second->pid, SIGKILL);
    s->changed.wait_for(lock, std::chrono::seconds(10), [&] { return it->second->exited; });
  }
  s->remove_pod(key);
}

struct Request {
  std::string method;
  std::string path;
  std::map<std::string, std::string> query;
  std::string body;
};

struct Reply {
  int status = 200;
  json::value body;
  std::string retry_after;
};

Reply error(int code, const std::string& reason, const std::string& message, json::array causes = {}) {
  return {code, status_object(code, reason, message, std::move(causes)), {}};
}

json::object list_of(const std::string& kind, const std::string& api_version, json::array items, std::int64_t version) {
  return {{"kind", kind}, {"apiVersion", api_version}, {"metadata", json::object{{"resourceVersion", std::to_string(version)}}},
          {"items", std::move(items)}};
}

Reply discovery(const std::string& path, const std::string& address) {
  auto resource = [](const std::string& name, const std::string& kind, json::array verbs) {
    return json::object{{"name", name}, {"singularName", ""}, {"namespaced", true}, {"kind", kind}, {"verbs", std::move(verbs)}};
  };
  if (path == "/api") {
    return {200, json::object{{"kind", "APIVersions"}, {"versions", json::array{"v1"}},
                              {"serverAddressByClientCIDRs", json::array{json::object{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", address}}}}}, {}};
  }
  if (path == "/apis") {
    json::object batch{{"name", "batch"},
                       {"versions", json::array{json::object{{"groupVersion", "batch/v1"}, {"version", "v1"}}}},
                       {"preferredVersion", json::object{{"groupVersion", "batch/v1"}, {"version", "v1"}}}};
    return {200, json::object{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", json::array{batch}}}, {}};
  }
  if (path == "/api/v1") {
    return {200, json::object{{"kind", "APIResourceList"}, {"groupVersion", "v1"},
                              {"resources", json::array{resource("pods", "Pod", {"get", "list", "watch", "delete"}),
                                                        resource("pods/log", "Pod", {"get"})}}}, {}};
  }
  if (path == "/apis/batch/v1") {
    return {200, json::object{{"kind", "APIResourceList"}, {"groupVersion", "batch/v1"},
                              {"resources", json::array{resource("jobs", "Job", {"create", "delete", "get", "list", "watch"})}}}, {}};
  }
  if (path == "/version") {
    return {200, json::object{{"major", "1"}, {"minor", "32"}, {"gitVersion", "v1.32.0-fake"}, {"platform", "linux/amd64"}}, {}};
  }
  return error(404, "NotFound", "the server could not find the requested resource");
}

// 422 causes for a Job the API server's validation refuses.
json::array invalid_job(const json::value& job) {
  json::array causes;
  static const std::regex name_shape("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  auto cause = [&](const std::string& field, const std::string& message) {
    causes.push_back(json::object{{"reason", "FieldValueInvalid"}, {"message", message}, {"field", field}});
  };
  const json::object* metadata = job.as_object().if_contains("metadata") ? job.at("metadata").if_object() : nullptr;
  const std::string name = metadata && metadata->if_contains("name") ? std::string(metadata->at("name").as_string()) : "";
  if (name.empty() || name.size() > 63 || !std::regex_match(name, name_shape)) cause("metadata.name", "Invalid value: \"" + name + "\": a lowercase RFC 1123 label");
  const json::value* spec = job.as_object().if_contains("spec");
  const json::value* pod = spec && spec->is_object() && spec->as_object().if_contains("template") ? &spec->at("template") : nullptr;
  const json::value* pod_spec = pod && pod->as_object().if_contains("spec") ? &pod->at("spec") : nullptr;
  if (!pod_spec) {
    cause("spec.template.spec", "Required value");
    return causes;
  }
  const json::value* policy = pod_spec->as_object().if_contains("restartPolicy");
  if (!policy || !policy->is_string() || (policy->as_string() != "Never" && policy->as_string() != "OnFailure")) {
    cause("spec.template.spec.restartPolicy", "Unsupported value: supported values: \"OnFailure\", \"Never\"");
  }
  const json::value* containers = pod_spec->as_object().if_contains("containers");
  if (!containers || !containers->is_array() || containers->as_array().empty()) {
    cause("spec.template.spec.containers", "Required value");
  } else {
    for (const json::value& c : containers->as_array()) {
      if (!c.as_object().if_contains("image") || c.at("image").as_string().empty()) cause("spec.template.spec.containers[0].image", "Required value");
    }
  }
  return causes;
}

}  // namespace

namespace {

std::string job_key(const std::string& ns, const std::string& name) { return ns + "/" + name; }

// Everything but watches and logs.
Reply handle(const std::shared_ptr<State>& s, const Request& r, const std::string& address) {
  std::unique_lock lock(s->mutex);
  ++s->methods[r.method];
  const bool jobs_api = r.path.starts_with("/apis/batch/v1/namespaces/");
  if (jobs_api && s->fail_count > 0) {
    --s->fail_count;
    Reply failed = error(s->fail_status, s->fail_status == 429 ? "TooManyRequests" : "InternalError",
                         s->fail_status == 429 ? "Too many requests, please try again later." : "the server is currently unable to handle the request");
    if (s->fail_status == 429 || s->fail_status == 503) failed.retry_after = std::to_string(s->fail_retry_after);
    return failed;
  }
  // /apis/batch/v1/namespaces/{ns}/jobs[/{name}] and /api/v1/namespaces/{ns}/pods[/{name}]
  std::vector<std::string> parts;
  for (std::size_t start = 1; start <= r.path.size();) {
    std::size_t slash = r.path.find('/', start);
    if (slash == std::string::npos) slash = r.path.size();
    parts.push_back(r.path.substr(start, slash - start));
    start = slash + 1;
  }
  const bool is_jobs = parts.size() >= 6 && parts[0] == "apis" && parts[1] == "batch" && parts[2] == "v1" && parts[3] == "namespaces" && parts[5] == "jobs";
  const bool is_pods = parts.size() >= 5 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "namespaces" && parts[4] == "pods";
  if (!is_jobs && !is_pods) return discovery(r.path, address);
  const std::string ns = is_jobs ? parts[4] : parts[3];
  const std::size_t name_at = is_jobs ? 6 : 5;
  const std::string name = parts.size() > name_at ? parts[name_at] : "";
  auto& table = is_jobs ? s->jobs : s->pods;
  const std::string kind = is_jobs ? "Job" : "Pod";
  const std::string plural = is_jobs ? "jobs" : "pods";

  if (r.method == "GET" && name.empty()) {
    const auto selector = parse_selector(r.query.count("labelSelector") ? r.query.at("labelSelector") : "");
    json::array items;
    for (const auto& [key, object] : table) {
      if (key.starts_with(ns + "/") && matches(object, selector)) items.push_back(object);
    }
    return {200, list_of(kind + "List", is_jobs ? "batch/v1" : "v1", std::move(items), s->version), {}};
  }
  if (r.method == "GET") {
    auto it = table.find(job_key(ns, name));
    if (it == table.end()) return error(404, "NotFound", plural + " \"" + name + "\" not found");
    return {200, it->second, {}};
  }
  if (r.method == "POST" && is_jobs && name.empty()) {
    boost::system::error_code ec;
    json::value job = json::parse(r.body, ec);
    if (ec || !job.is_object()) return error(400, "BadRequest", "the body is not a JSON object");
    s->created.push_back(job);
    if (json::array causes = invalid_job(job); !causes.empty()) {
      return error(422, "Invalid", "Job.batch is invalid", std::move(causes));
    }
    const std::string job_name = std::string(job.at("metadata").at("name").as_string());
    if (s->jobs.count(job_key(ns, job_name))) return error(409, "AlreadyExists", "jobs.batch \"" + job_name + "\" already exists");
    const std::string uid = "uid-" + random_suffix() + random_suffix();
    json::object& metadata = job.as_object()["metadata"].as_object();
    metadata["namespace"] = ns;
    metadata["uid"] = uid;
    metadata["creationTimestamp"] = now_rfc3339(false);
    job.as_object()["status"] = json::object{};
    s->jobs[job_key(ns, job_name)] = job;
    s->emit("ADDED", "Job", s->jobs[job_key(ns, job_name)]);
    // The Job controller's Pod.
    json::value pod = json::object{{"apiVersion", "v1"}, {"kind", "Pod"},
                                   {"metadata", job.at("spec").at("template").at("metadata")},
                                   {"spec", job.at("spec").at("template").at("spec")},
                                   {"status", json::object{{"phase", "Pending"}}}};
    const std::string pod_name = job_name + "-" + random_suffix();
    json::object& pm = pod.as_object()["metadata"].as_object();
    pm["name"] = pod_name;
    pm["namespace"] = ns;
    pm["uid"] = "uid-" + random_suffix() + random_suffix();
    json::object& labels = pm["labels"].is_object() ? pm["labels"].as_object() : pm["labels"].emplace_object();
    labels["job-name"] = job_name;
    labels["batch.kubernetes.io/job-name"] = job_name;
    labels["controller-uid"] = uid;
    labels["batch.kubernetes.io/controller-uid"] = uid;
    pm["ownerReferences"] = json::array{json::object{{"apiVersion", "batch/v1"}, {"kind", "Job"}, {"name", job_name}, {"uid", uid}, {"controller", true}}};
    const std::string pod_key = job_key(ns, pod_name);
    s->pods[pod_key] = pod;
    s->set_pod(pod_key, "Pending", json::object{{"waiting", json::object{{"reason", "ContainerCreating"}}}}, "");
    s->threads.emplace_back(kubelet, s, pod_key);
    return {201, s->jobs[job_key(ns, job_name)], {}};
  }
  if (r.method == "DELETE" && !name.empty()) {
    auto it = table.find(job_key(ns, name));
    if (it == table.end()) return error(404, "NotFound", plural + " \"" + name + "\" not found");
    std::string policy = "Orphan";  // the REST API's default for Jobs
    if (!r.body.empty()) {
      boost::system::error_code ec;
      const json::value options = json::parse(r.body, ec);
      if (!ec && options.is_object() && options.as_object().if_contains("propagationPolicy")) policy = std::string(options.at("propagationPolicy").as_string());
    }
    if (r.query.count("propagationPolicy")) policy = r.query.at("propagationPolicy");
    json::value gone = it->second;
    if (is_pods) {
      s->threads.emplace_back(delete_pod_later, s, job_key(ns, name));
      return {200, gone, {}};
    }
    table.erase(it);
    s->emit("DELETED", "Job", gone);
    if (policy == "Background" || policy == "Foreground") {
      for (const auto& [key, pod] : s->pods) {
        const json::value* labels = pod.at("metadata").as_object().if_contains("labels");
        if (key.starts_with(ns + "/") && labels && labels->as_object().if_contains("job-name") && labels->at("job-name").as_string() == name) {
          s->threads.emplace_back(delete_pod_later, s, key);
        }
      }
    }
    return {200, status_object(200, "", ""), {}};
  }
  return error(405, "MethodNotAllowed", r.method + " is not supported on " + r.path);
}

void write_reply(tcp::socket& socket, const Reply& reply, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
  res.set(http::field::content_type, "application/json");
  if (!reply.retry_after.empty()) res.set(http::field::retry_after, reply.retry_after);
  res.keep_alive(keep_alive);
  res.body() = json::serialize(reply.body);
  res.prepare_payload();
  boost::system::error_code ec;
  http::write(socket, res, ec);
}

void write_chunk(tcp::socket& socket, const std::string& data, boost::system::error_code& ec) {
  net::write(socket, http::make_chunk(net::buffer(data)), ec);
}

// GET …/pods?watch=true: events after the given version, matching the selector, one per line.
void watch_pods(const std::shared_ptr<State>& s, tcp::socket& socket, const Request& r, const std::string& ns) {
  const auto selector = parse_selector(r.query.count("labelSelector") ? r.query.at("labelSelector") : "");
  std::int64_t from = 0;
  if (r.query.count("resourceVersion") && !r.query.at("resourceVersion").empty()) from = std::stoll(r.query.at("resourceVersion"));
  const int timeout = r.query.count("timeoutSeconds") ? std::stoi(r.query.at("timeoutSeconds")) : 1800;
  http::response<http::empty_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "application/json");
  res.chunked(true);
  http::response_serializer<http::empty_body> head{res};
  boost::system::error_code ec;
  http::write_header(socket, head, ec);
  if (ec) return;
  std::unique_lock lock(s->mutex);
  if (from != 0 && from < s->oldest_kept) {
    ++s->expired;
    lock.unlock();
    json::object event{{"type", "ERROR"},
                       {"object", status_object(410, "Expired", "too old resource version: " + std::to_string(from) + " (" + std::to_string(s->oldest_kept) + ")")}};
    write_chunk(socket, json::serialize(event) + "\n", ec);
    net::write(socket, http::make_chunk_last(), ec);
    return;
  }
  if (from == 0) from = s->version;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
  const std::uint64_t epoch = s->watch_epoch;
  while (!s->stopping && std::chrono::steady_clock::now() < until && s->watch_epoch == epoch) {
    std::string out;
    for (const auto& e : s->events) {
      if (e.version <= from || e.kind != "Pod") continue;
      from = e.version;
      if (!std::string(e.object.at("metadata").at("namespace").as_string()).starts_with(ns) || !matches(e.object, selector)) continue;
      out += json::serialize(json::object{{"type", e.type}, {"object", e.object}}) + "\n";
    }
    if (!out.empty()) {
      lock.unlock();
      write_chunk(socket, out, ec);
      lock.lock();
      if (ec) return;
    }
    s->changed.wait_for(lock, std::chrono::milliseconds(200));
  }
  lock.unlock();
  net::write(socket, http::make_chunk_last(), ec);
}

// GET …/pods/{name}/log: the container's output; with follow, until it ends.
void pod_log(const std::shared_ptr<State>& s, tcp::socket& socket, const Request& r, const std::string& key, const std::string& name) {
  std::unique_lock lock(s->mutex);
  ++s->methods["GET"];
  if (!s->pods.count(key)) {
    lock.unlock();
    write_reply(socket, error(404, "NotFound", "pods \"" + name + "\" not found"), false);
    return;
  }
  auto it = s->containers.find(key);
  if (it == s->containers.end()) {
    lock.unlock();
    write_reply(socket, error(400, "BadRequest", "container \"build\" in pod \"" + name + "\" is waiting to start: ContainerCreating"), false);
    return;
  }
  ++s->log_streams;
  std::shared_ptr<Container> container = it->second;
  const bool follow = r.query.count("follow") && r.query.at("follow") == "true";
  const bool stamps = r.query.count("timestamps") && r.query.at("timestamps") == "true";
  const std::string since = r.query.count("sinceTime") ? r.query.at("sinceTime") : "";
  const std::uint64_t epoch = s->log_epoch;
  lock.unlock();
  http::response<http::empty_body> res{http::status::ok, 11};
  res.set(http::field::content_type, "text/plain");
  res.chunked(true);
  http::response_serializer<http::empty_body> head{res};
  boost::system::error_code ec;
  http::write_header(socket, head, ec);
  if (ec) return;
  std::size_t sent = 0;
  lock.lock();
  for (;;) {
    std::string out;
    for (; sent < container->lines.size(); ++sent) {
      const auto& [stamp, line] = container->lines[sent];
      if (!since.empty() && stamp.substr(0, 19) < since.substr(0, 19)) continue;
      out += stamps ? stamp + " " + line : line;
    }
    const bool end = !follow || container->exited || s->stopping || s->log_epoch != epoch || !s->pods.count(key);
    if (!out.empty()) {
      lock.unlock();
      write_chunk(socket, out, ec);
      lock.lock();
      if (ec) return;
    }
    if (end && sent >= container->lines.size()) break;
    if (end && s->log_epoch != epoch) break;
    s->changed.wait_for(lock, std::chrono::milliseconds(100));
  }
  lock.unlock();
  net::write(socket, http::make_chunk_last(), ec);
}

void serve(std::shared_ptr<State> s, std::shared_ptr<tcp::socket> socket, std::string address) {
  beast::flat_buffer buffer;
  for (;;) {
    http::request<http::string_body> req;
    boost::system::error_code ec;
    http::read(*socket, buffer, req, ec);
    if (ec) return;
    Request r;
    r.method = std::string(req.method_string());
    r.body = req.body();
    const auto url = boost::urls::parse_origin_form(req.target());
    if (!url) return;
    r.path = std::string(url->path());
    for (const auto& param : url->params()) r.query[std::string(param.key)] = std::string(param.value);
    {
      std::lock_guard guard(s->mutex);
      if (auto it = req.find(http::field::authorization); it != req.end()) s->authorization = std::string(it->value());
    }
    // Streams: a Pod watch, a Pod's log. They end the connection.
    if (r.method == "GET" && r.path.ends_with("/log") && r.path.starts_with("/api/v1/namespaces/")) {
      const std::string rest = r.path.substr(std::string("/api/v1/namespaces/").size());
      const std::string ns = rest.substr(0, rest.find('/'));
      const std::string pod = rest.substr(rest.find("/pods/") + 6, rest.size() - rest.find("/pods/") - 6 - 4);
      pod_log(s, *socket, r, ns + "/" + pod, pod);
      return;
    }
    if (r.method == "GET" && r.query.count("watch") && r.query.at("watch") == "true" && r.path.starts_with("/api/v1/namespaces/") &&
        r.path.ends_with("/pods")) {
      {
        std::lock_guard guard(s->mutex);
        ++s->methods["WATCH"];
      }
      const std::string rest = r.path.substr(std::string("/api/v1/namespaces/").size());
      watch_pods(s, *socket, r, rest.substr(0, rest.find('/')));
      return;
    }
    const Reply reply = handle(s, r, address);
    {
      std::lock_guard guard(s->mutex);
      ++s->statuses[reply.status];
    }
    write_reply(*socket, reply, req.keep_alive());
    if (!req.keep_alive()) return;
  }
}

}  // namespace

FakeKubernetes::FakeKubernetes() : state_(std::make_shared<State>()) {
  State& s = *state_;
  tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
  s.acceptor.open(endpoint.protocol());
  s.acceptor.set_option(tcp::acceptor::reuse_address(true));
  s.acceptor.bind(endpoint);
  s.acceptor.listen();
  const std::string address = "127.0.0.1:" + std::to_string(s.acceptor.local_endpoint().port());
  s.accept_thread = std::thread([state = state_, address] {
    for (;;) {
      auto socket = std::make_shared<tcp::socket>(state->io);
      boost::system::error_code ec;
      state->acceptor.accept(*socket, ec);
      std::lock_guard guard(state->mutex);
      if (state->stopping) return;
      if (ec) continue;
      state->sockets.push_back(socket);
      state->threads.emplace_back(serve, state, socket, address);
    }
  });
}

FakeKubernetes::~FakeKubernetes() {
  State& s = *state_;
  const tcp::endpoint listening = s.acceptor.local_endpoint();
  {
    std::lock_guard guard(s.mutex);
    s.stopping = true;
    for (auto& [key, container] : s.containers) {
      if (!container->exited) ::kill(-container->pid, SIGKILL);
    }
    boost::system::error_code ignored;
    for (auto& socket : s.sockets) {
      socket->shutdown(tcp::socket::shutdown_both, ignored);
    }
  }
  s.changed.notify_all();
  {
    // A blocking accept() is not woken by closing the socket elsewhere: a connection wakes it.
    net::io_context io;
    tcp::socket wake(io);
    boost::system::error_code ignored;
    wake.connect(listening, ignored);
  }
  s.accept_thread.join();
  {
    boost::system::error_code ignored;
    s.acceptor.close(ignored);
  }
  for (;;) {
    std::vector<std::thread> threads;
    {
      std::lock_guard guard(s.mutex);
      threads.swap(s.threads);
    }
    if (threads.empty()) break;
    for (std::thread& t : threads) t.join();
  }
}

std::string FakeKubernetes::server() const { return "http://127.0.0.1:" + std::to_string(state_->acceptor.local_endpoint().port()); }

void FakeKubernetes::write_kubeconfig(const std::filesystem::path& path, const std::string& name_space, const std::string& token) const {
  std::ofstream out(path);
  out << "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
      << "clusters:\n- name: fake\n  cluster:\n    server: " << server() << "\n"
      << "users:\n- name: bot\n  user:\n    token: " << token << "\n"
      << "contexts:\n- name: fake\n  context:\n    cluster: fake\n    user: bot\n    namespace: " << name_space << "\n";
}

void FakeKubernetes::set_pending_time(std::chrono::milliseconds time) {
  std::lock_guard guard(state_->mutex);
  state_->pending_time = time;
}

void FakeKubernetes::make_unpullable(const std::string& image) {
  std::lock_guard guard(state_->mutex);
  state_->unpullable.insert(image);
}

void FakeKubernetes::fail_next(int status, int count, int retry_after) {
  std::lock_guard guard(state_->mutex);
  state_->fail_status = status;
  state_->fail_count = count;
  state_->fail_retry_after = retry_after;
}

void FakeKubernetes::expire_history() {
  std::lock_guard guard(state_->mutex);
  state_->oldest_kept = state_->version + 1;
  state_->events.clear();
}

void FakeKubernetes::drop_log_streams() {
  std::lock_guard guard(state_->mutex);
  ++state_->log_epoch;
  state_->changed.notify_all();
}

void FakeKubernetes::end_watches() {
  std::lock_guard guard(state_->mutex);
  ++state_->watch_epoch;
  state_->changed.notify_all();
}

std::vector<boost::json::value> FakeKubernetes::created_jobs() const {
  std::lock_guard guard(state_->mutex);
  return state_->created;
}

std::vector<std::string> FakeKubernetes::job_names() const {
  std::lock_guard guard(state_->mutex);
  std::vector<std::string> names;
  for (const auto& [key, job] : state_->jobs) names.push_back(key);
  return names;
}

std::size_t FakeKubernetes::pod_count() const {
  std::lock_guard guard(state_->mutex);
  return state_->pods.size();
}

std::size_t FakeKubernetes::running_containers() const {
  std::lock_guard guard(state_->mutex);
  std::size_t n = 0;
  for (const auto& [key, container] : state_->containers) n += container->exited ? 0 : 1;
  return n;
}

std::size_t FakeKubernetes::requests(const std::string& method) const {
  std::lock_guard guard(state_->mutex);
  auto it = state_->methods.find(method);
  return it == state_->methods.end() ? 0 : it->second;
}

std::size_t FakeKubernetes::answered(int status) const {
  std::lock_guard guard(state_->mutex);
  auto it = state_->statuses.find(status);
  return it == state_->statuses.end() ? 0 : it->second;
}

std::size_t FakeKubernetes::expired_watches() const {
  std::lock_guard guard(state_->mutex);
  return state_->expired;
}

std::size_t FakeKubernetes::log_streams() const {
  std::lock_guard guard(state_->mutex);
  return state_->log_streams;
}

std::string FakeKubernetes::last_authorization() const {
  std::lock_guard guard(state_->mutex);
  return state_->authorization;
}

}  // namespace calico::testkit
