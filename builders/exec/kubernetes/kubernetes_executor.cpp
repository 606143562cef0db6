#include "builders/exec/kubernetes/kubernetes_executor.hpp"

#include <unistd.h>

#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "builders/exec/kubernetes/pod_runner.hpp"
#include "builders/files.hpp"
#include "builders/text.hpp"

namespace calico::builders::exec::kubernetes {

namespace {

std::string text_at(const boost::json::value& value, std::initializer_list<std::string_view> path) {
  const boost::json::value* at = &value;
  for (std::string_view key : path) {
    const boost::json::object* object = at->if_object();
    if (!object) return {};
    at = object->if_contains(key);
    if (!at) return {};
  }
  if (at->is_string()) return std::string(at->as_string());
  if (at->is_int64()) return std::to_string(at->as_int64());
  return {};
}

std::string pods_path(const std::string& name_space) { return "/api/v1/namespaces/" + name_space + "/pods"; }
std::string jobs_path(const std::string& name_space) { return "/apis/batch/v1/namespaces/" + name_space + "/jobs"; }

// What the bot knows of a Job's Pod, from its watch.
struct PodView {
  std::string name;
  std::string phase;            // Pending, Running, Succeeded, Failed, Unknown
  std::string waiting;          // a container's waiting reason and message
  bool terminated = false;
  int exit_code = 0;
  std::string reason;           // the Pod's or its container's (DeadlineExceeded, Error, OOMKilled)
  bool deleted = false;
};

PodView view_of(const boost::json::value& pod) {
  PodView view;
  view.name = text_at(pod, {"metadata", "name"});
  view.phase = text_at(pod, {"status", "phase"});
  view.reason = text_at(pod, {"status", "reason"});
  const boost::json::value* statuses = nullptr;
  if (const auto* status = pod.as_object().if_contains("status"); status && status->is_object()) {
    statuses = status->as_object().if_contains("containerStatuses");
  }
  if (statuses && statuses->is_array()) {
    for (const boost::json::value& one : statuses->as_array()) {
      if (const std::string reason = text_at(one, {"state", "waiting", "reason"}); !reason.empty()) {
        const std::string message = text_at(one, {"state", "waiting", "message"});
        view.waiting = reason + (message.empty() ? "" : ": " + message);
      }
      const boost::json::object* state = one.is_object() && one.as_object().if_contains("state")
                                             ? one.as_object().at("state").if_object() : nullptr;
      if (state && state->if_contains("terminated")) {
        view.terminated = true;
        const auto& terminated = state->at("terminated");
        if (const auto* code = terminated.as_object().if_contains("exitCode"); code && code->is_int64()) {
          view.exit_code = static_cast<int>(code->as_int64());
        }
        if (view.reason.empty()) view.reason = text_at(terminated, {"reason"});
      }
    }
  }
  if (view.phase == "Failed" || view.phase == "Succeeded") view.terminated = true;
  return view;
}

// Follows the Pods of one Job: a list, then a watch from its resourceVersion, listed again when
// the server answers 410 Gone (the version is too old) or the watch breaks.
class PodWatch {
 public:
  PodWatch(ApiClient& api, std::string name_space, std::string job) : api_(api), name_space_(std::move(name_space)), job_(std::move(job)) {
    thread_ = std::thread([this] { run(); });
  }
  ~PodWatch() {
    {
      std::lock_guard guard(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  PodView current() {
    std::lock_guard guard(mutex_);
    return pod_;
  }
  // Waits until `ready` holds of the Pod, `timeout` passes or `interrupt` says so.
  template <class Ready>
  PodView wait(Ready ready, std::chrono::milliseconds timeout, const std::function<bool()>& interrupt) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mutex_);
    while (!ready(pod_) && std::chrono::steady_clock::now() < until && !(interrupt && interrupt())) {
      changed_.wait_for(lock, std::chrono::milliseconds(100));
    }
    return pod_;
  }
  void notify() { changed_.notify_all(); }

 private:
  bool stopping() {
    std::lock_guard guard(mutex_);
    return stopping_;
  }
  void update(const boost::json::value& object, bool deleted) {
    std::lock_guard guard(mutex_);
    if (deleted) {
      pod_.deleted = true;
    } else {
      const bool was_deleted = pod_.deleted;
      pod_ = view_of(object);
      pod_.deleted = was_deleted;
    }
    changed_.notify_all();
  }
  std::string list() {
    const ApiReply reply = api_.call("GET", pods_path(name_space_) + "?labelSelector=" + query_value("job-name=" + job_), {},
                                     [this] { return stopping(); });
    if (!reply.ok()) throw ApiError("listing the Pods of Job " + job_ + ": " + reply.describe());
    const boost::json::value list = reply.json();
    if (const auto* items = list.is_object() ? list.as_object().if_contains("items") : nullptr; items && items->is_array()) {
      for (const boost::json::value& pod : items->as_array()) update(pod, false);
    }
    return text_at(list, {"metadata", "resourceVersion"});
  }
  void run() {
    std::string version;
    bool relist = true;
    while (!stopping()) {
      try {
        if (relist) {
          version = list();
          relist = false;
        }
        std::string partial;
        const ApiReply reply = api_.stream(
            pods_path(name_space_) + "?labelSelector=" + query_value("job-name=" + job_) + "&watch=true&allowWatchBookmarks=true" +
                "&timeoutSeconds=300&resourceVersion=" + query_value(version),
            [&](std::string_view data) {
              partial.append(data);
              std::size_t newline;
              while ((newline = partial.find('\n')) != std::string::npos) {
                const std::string line = partial.substr(0, newline);
                partial.erase(0, newline + 1);
                boost::system::error_code ec;
                const boost::json::value event = boost::json::parse(line, ec);
                if (ec || !event.is_object()) continue;
                const std::string type = text_at(event, {"type"});
                const boost::json::value* object = event.as_object().if_contains("object");
                if (!object || !object->is_object()) continue;
                if (type == "ERROR") {
                  relist = true;  // 410 Expired, or another error: start again from a list
                  return false;
                }
                if (const std::string seen = text_at(*object, {"metadata", "resourceVersion"}); !seen.empty()) version = seen;
                if (type == "ADDED" || type == "MODIFIED") update(*object, false);
                if (type == "DELETED") update(*object, true);
              }
              return !stopping();
            },
            [this] { return stopping(); });
        if (reply.status == 410) relist = true;
        else if (reply.status != 200 && reply.status != 0) pause();
      } catch (const ApiError&) {
        relist = true;
        pause();
      }
    }
  }
  void pause() {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; });
  }

  ApiClient& api_;
  std::string name_space_;
  std::string job_;
  std::mutex mutex_;
  std::condition_variable changed_;
  PodView pod_;
  bool stopping_ = false;
  std::thread thread_;
};

// Follows a Pod's log into the job log, through the splitter that finds the runner's markers.
// A dropped stream is resumed from the last line's time (timestamps=true); lines seen already
// at that time are skipped.
class LogFollow {
 public:
  LogFollow(ApiClient& api, std::string name_space, std::string pod, OutputSplitter& splitter)
      : api_(api), name_space_(std::move(name_space)), pod_(std::move(pod)), splitter_(splitter) {
    thread_ = std::thread([this] { run(); });
  }
  ~LogFollow() {
    stopping_ = true;
    thread_.join();
  }
  bool ended() const { return ended_; }

 private:
  void line(const std::string& raw) {
    const std::size_t space = raw.find(' ');
    const std::string stamp = space == std::string::npos ? std::string() : raw.substr(0, space);
    const std::string content = space == std::string::npos ? raw : raw.substr(space + 1);
    if (stamp.size() >= 19) {
      // RFC 3339 with trimmed nanoseconds compares as text only to the second: a resumed stream
      // starts at the last second seen, and lines of that second seen already are skipped.
      const std::string second = stamp.substr(0, 19);
      if (second < last_second_) return;
      if (second > last_second_) {
        last_second_ = second;
        seen_in_second_.clear();
      }
      if (!seen_in_second_.insert(raw).second) return;
    }
    splitter_.feed(content);
  }
  void run() {
    int quiet = 0;
    while (!stopping_) {
      std::string target = pods_path(name_space_) + "/" + pod_ + "/log?container=build&follow=true&timestamps=true";
      if (!last_second_.empty()) target += "&sinceTime=" + query_value(last_second_ + "Z");
      std::string partial;
      try {
        const ApiReply reply = api_.stream(
            target,
            [&](std::string_view data) {
              partial.append(data);
              std::size_t newline;
              while ((newline = partial.find('\n')) != std::string::npos) {
                line(partial.substr(0, newline + 1));
                partial.erase(0, newline + 1);
              }
              return true;
            },
            [this] { return stopping_.load(); });
        if (!partial.empty()) line(partial);
        if (reply.status == 200) {
          // The stream ended: the container has, unless the connection dropped; the Pod's own
          // state decides (the session stops this follower once the Pod is done).
          if (++quiet > 2) {
            ended_ = true;
            return;
          }
        } else if (reply.status == 404) {
          ended_ = true;
          return;
        }
      } catch (const ApiError&) {
        // dropped: resumed below
      }
      for (int i = 0; i < 5 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  ApiClient& api_;
  std::string name_space_;
  std::string pod_;
  OutputSplitter& splitter_;
  std::string last_second_;
  std::set<std::string> seen_in_second_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> ended_{false};
  std::thread thread_;
};

class KubernetesSession final : public Session {
 public:
  KubernetesSession(KubernetesExecutor& executor, JobSpec job) : executor_(executor), job_(std::move(job)) {
    attempt_ = random_hex(3);
    name_ = job_name(executor_.settings().build, job_.id, attempt_);
    mark_ = "@@calico-job-" + random_hex(12) + "@@";
    dir_ = executor_.settings().workspace / ".kubernetes" / name_;
  }

  ~KubernetesSession() override {
    if (!created_) return;
    // No more commands: the runner exits, the Pod ends; then the Job goes, with its Pod.
    finish_session(dir_);
    if (watch_ && watch_->current().phase == "Running") {
      watch_->wait([](const PodView& pod) { return pod.terminated || pod.deleted; }, std::chrono::seconds(10), {});
    }
    follow_.reset();
    try {
      if (!delete_job(executor_.api(), executor_.name_space(), name_, std::chrono::seconds(120))) {
        append_to_file(log_file_, "# Job " + name_ + " was still there 120 s after its deletion\n");
      }
    } catch (const std::exception& e) {
      // The API is unreachable: the next resume of this build removes the Job by its labels.
      append_to_file(log_file_, "# Job " + name_ + " could not be deleted: " + std::string(e.what()) + "\n");
    }
    watch_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  ProcessResult run(const ProcessSpec& command, const std::filesystem::path& log_file, const CancelToken& cancel) override {
    ProcessResult result;
    const auto started = std::chrono::steady_clock::now();
    auto finish = [&]() -> ProcessResult {
      result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
      if (!result.ok()) append_to_file(log_file, "# " + result.describe() + "\n");
      return result;
    };
    append_to_file(log_file, "$ " + quote_for_log(command.argv) + (command.cwd.empty() ? "" : "    (in " + command.cwd.string() + ")") +
                         "    [pod of job " + name_ + "]\n");
    {
      std::lock_guard guard(log_mutex_);
      log_file_ = log_file;
    }
    if (cancel.cancelled()) {
      result.cancelled = true;
      return finish();
    }
    if (broken_) {
      result.failed_to_start = true;
      result.start_error = broken_reason_;
      return finish();
    }
    try {
      if (!created_) start(log_file, cancel, command.timeout);
    } catch (const std::exception& e) {
      broken_ = true;
      broken_reason_ = e.what();
      result.failed_to_start = cancel.cancelled() ? false : true;
      result.cancelled = cancel.cancelled();
      result.start_error = e.what();
      return finish();
    }
    const int n = ++commands_;
    std::vector<std::string> env = command.env;
    if (!command.path_first.empty()) env.push_back("PATH=" + path_in_image(command.path_first));
    hand_over(dir_, n, command.argv, env, command.cwd.empty() ? executor_.settings().workspace : command.cwd);

    const auto deadline = command.timeout.count() > 0 ? started + command.timeout : std::chrono::steady_clock::time_point::max();
    for (;;) {
      if (const std::optional<int> status = exit_status(dir_, n)) {
        // The log's end: the marker passes the follower just after the status file is written.
        std::unique_lock lock(log_mutex_);
        marker_seen_.wait_for(lock, std::chrono::seconds(5), [&] { return last_marker_ >= n; });
        result.exit_code = *status;
        return finish();
      }
      if (cancel.cancelled()) {
        result.cancelled = true;
        stop_job(log_file, "cancelled");
        return finish();
      }
      if (std::chrono::steady_clock::now() > deadline) {
        result.timed_out = true;
        result.exit_code = -1;
        stop_job(log_file, "timed out");
        return finish();
      }
      const PodView pod = watch_->wait([](const PodView& p) { return p.terminated || p.deleted; }, std::chrono::milliseconds(200), {});
      if ((pod.terminated || pod.deleted) && !exit_status(dir_, n)) {
        // The Pod ended under the command: its deadline, an eviction, a deletion by someone else.
        broken_ = true;
        broken_reason_ = "the Pod " + pod.name + " of Job " + name_ + " ended" +
                         (pod.reason.empty() ? "" : " (" + pod.reason + ")") + (pod.deleted ? ", deleted" : "");
        if (pod.reason == "DeadlineExceeded") result.timed_out = true;
        else result.exit_code = pod.terminated && pod.exit_code != 0 ? pod.exit_code : 137;
        append_to_file(log_file, "# " + broken_reason_ + "\n");
        return finish();
      }
    }
  }

 private:
  void start(const std::filesystem::path& log_file, const CancelToken& cancel, std::chrono::seconds command_timeout) {
    const KubernetesSettings& s = executor_.settings();
    std::filesystem::create_directories(dir_);
    const std::filesystem::path mount = s.mount_path.empty() ? s.workspace : s.mount_path;
    std::filesystem::create_directories(mount / ".home");
    JobManifest manifest;
    manifest.name_space = executor_.name_space();
    manifest.name = name_;
    manifest.labels = job_labels(s.build, job_.id, s.replica);
    manifest.image = s.image_prefix + job_.platform;
    manifest.command = runner_command(dir_);
    manifest.env = {{kMarkVariable, mark_}};
    manifest.workspace_claim = s.workspace_claim;
    manifest.workspace_path = mount.string();
    manifest.uid = executor_.uid();
    manifest.gid = executor_.gid();
    manifest.deadline = s.deadline;
    manifest.ttl_after_finished = s.ttl_after_finished;
    manifest.resources = s.resources;
    manifest.node_selector = s.node_selector;
    manifest.tolerations = s.tolerations;
    const auto stop = [&cancel] { return cancel.cancelled(); };
    const ApiReply created = executor_.api().call("POST", jobs_path(manifest.name_space), boost::json::serialize(job_object(manifest)), stop);
    // A 409 after a retried POST is this session's own Job: its first attempt did arrive.
    if (!created.ok() && !(created.status == 409 && created.attempts > 1)) {
      throw ApiError("creating Job " + name_ + " in namespace " + manifest.name_space + ": " + created.describe());
    }
    created_ = true;
    append_to_file(log_file, "# Job " + manifest.name_space + "/" + name_ + " created (image " + manifest.image + ")\n");
    watch_ = std::make_unique<PodWatch>(executor_.api(), manifest.name_space, name_);
    const auto start_limit = std::min<std::chrono::seconds>(s.start_timeout, command_timeout.count() > 0 ? command_timeout : s.start_timeout);
    const PodView pod = watch_->wait([](const PodView& p) { return p.phase == "Running" || p.terminated || p.deleted; },
                                     start_limit, stop);
    if (cancel.cancelled()) throw ApiError("cancelled while Job " + name_ + " started");
    if (pod.phase != "Running" && !pod.terminated) {
      throw ApiError("the Pod of Job " + name_ + " did not start within " + std::to_string(start_limit.count()) + " s" +
                     (pod.name.empty() ? " (no Pod was created)" : " (" + pod.name + ": " + (pod.waiting.empty() ? pod.phase : pod.waiting) + ")"));
    }
    append_to_file(log_file, "# Pod " + pod.name + " " + pod.phase + "\n");
    splitter_ = std::make_unique<OutputSplitter>(
        mark_,
        [this](std::string_view data) {
          std::lock_guard guard(log_mutex_);
          append_to_file(log_file_, data);
        },
        [this](int n, int) {
          {
            std::lock_guard guard(log_mutex_);
            last_marker_ = std::max(last_marker_, n);
          }
          marker_seen_.notify_all();
        });
    follow_ = std::make_unique<LogFollow>(executor_.api(), manifest.name_space, pod.name, *splitter_);
  }

  void stop_job(const std::filesystem::path& log_file, const std::string& why) {
    broken_ = true;
    broken_reason_ = "the job's Pod was stopped earlier (" + why + ")";
    follow_.reset();
    bool gone = false;
    try {
      gone = delete_job(executor_.api(), executor_.name_space(), name_, std::chrono::seconds(120));
    } catch (const std::exception& e) {
      append_to_file(log_file, "# deleting Job " + name_ + ": " + e.what() + "\n");
    }
    append_to_file(log_file, "# " + why + ": Job " + name_ + (gone ? " deleted, its Pod gone" : " deleted, but its Pod was still there after 120 s") + "\n");
    created_ = gone ? false : created_;
    if (gone) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  KubernetesExecutor& executor_;
  JobSpec job_;
  std::string attempt_;
  std::string name_;
  std::string mark_;
  std::filesystem::path dir_;
  bool created_ = false;
  bool broken_ = false;
  std::string broken_reason_;
  int commands_ = 0;
  std::unique_ptr<PodWatch> watch_;
  std::unique_ptr<OutputSplitter> splitter_;
  std::unique_ptr<LogFollow> follow_;
  std::mutex log_mutex_;
  std::condition_variable marker_seen_;
  int last_marker_ = 0;
  std::filesystem::path log_file_;
};

// The names of the Pods that `selector` finds, and the list's version.
std::vector<std::string> names_of(const ApiReply& reply) {
  std::vector<std::string> names;
  const boost::json::value list = reply.json();
  if (const auto* items = list.is_object() ? list.as_object().if_contains("items") : nullptr; items && items->is_array()) {
    for (const boost::json::value& item : items->as_array()) names.push_back(text_at(item, {"metadata", "name"}));
  }
  return names;
}

}  // namespace

bool delete_job(ApiClient& api, const std::string& name_space, const std::string& name, std::chrono::seconds wait) {
  const ApiReply deleted = api.call("DELETE", jobs_path(name_space) + "/" + name,
                                    R"({"apiVersion":"v1","kind":"DeleteOptions","propagationPolicy":"Background"})");
  if (!deleted.ok() && deleted.status != 404) return false;
  const auto until = std::chrono::steady_clock::now() + wait;
  for (;;) {
    const ApiReply job = api.call("GET", jobs_path(name_space) + "/" + name);
    const ApiReply pods = api.call("GET", pods_path(name_space) + "?labelSelector=" + query_value("job-name=" + name));
    if (job.status == 404 && pods.ok() && names_of(pods).empty()) return true;
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

KubernetesExecutor::KubernetesExecutor(std::shared_ptr<ApiClient> api, KubernetesSettings settings)
    : api_(std::move(api)), settings_(std::move(settings)) {
  name_space_ = !settings_.name_space.empty() ? settings_.name_space
                : !api_->access().name_space.empty() ? api_->access().name_space : "default";
  uid_ = settings_.run_as_user.value_or(::getuid());
  gid_ = settings_.run_as_group.value_or(::getgid());
  if (uid_ == 0) {
    throw std::invalid_argument(
        "build Pods run as a non-root user (the restricted Pod Security Standard), and the bot runs as root: "
        "set publish.kubernetes.run_as_user and run_as_group to the ids that own work_dir on the workspace volume");
  }
}

std::unique_ptr<Session> KubernetesExecutor::open(const JobSpec& job) { return std::make_unique<KubernetesSession>(*this, job); }

std::size_t KubernetesExecutor::remove_leftovers() {
  const ApiReply jobs = api_->call("GET", jobs_path(name_space_) + "?labelSelector=" + query_value(build_selector(settings_.build)));
  if (!jobs.ok()) throw ApiError("listing the Jobs of build " + std::to_string(settings_.build) + ": " + jobs.describe());
  const std::vector<std::string> names = names_of(jobs);
  for (const std::string& name : names) {
    if (!delete_job(*api_, name_space_, name, std::chrono::seconds(120))) {
      throw ApiError("Job " + name + " of build " + std::to_string(settings_.build) + " was still there 120 s after its deletion");
    }
  }
  return names.size();
}

}  // namespace calico::builders::exec::kubernetes
