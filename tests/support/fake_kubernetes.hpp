// A stand-in for a Kubernetes API server on loopback (plain HTTP), written from the API reference
// (../shared/reference/kubernetes.md) so that the kubernetes executor meets what a cluster does:
// - batch/v1 Jobs: create (201; 409 AlreadyExists; 422 Invalid for a bad name, a restartPolicy
//   other than Never/OnFailure, no container or image), get, list by labelSelector, delete with
//   DeleteOptions — Background/Foreground delete the Pods, no policy (or Orphan) leaves them
//   running, as the REST API does;
// - the Job controller and a kubelet: each Job gets one Pod (labels job-name and
//   batch.kubernetes.io/job-name), Pending (ContainerCreating) for a while, then Running: its
//   container's command really runs here, as this user, with the spec's env and workingDir
//   (the image is this host); Succeeded/Failed with the exit code, the Job's Complete/Failed
//   conditions; activeDeadlineSeconds kills it (DeadlineExceeded); an image marked unpullable
//   stays Pending (ErrImagePull); runAsNonRoot with uid 0 never starts;
// - Pod lists and watches (`watch=true`, resourceVersion, one JSON event per line, timeoutSeconds;
//   ERROR 410 Expired for a version older than the retained history), pods/log with follow,
//   timestamps and sinceTime (400 while the container waits to start);
// - discovery (/api, /apis, /api/v1, /apis/batch/v1, /version) as kubectl reads it;
// - failures: the next N requests answered 429 with Retry-After, or 5xx; watch history expired;
//   log streams dropped mid-way.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <boost/json/value.hpp>

namespace calico::testkit {

class FakeKubernetes {
 public:
  FakeKubernetes();
  ~FakeKubernetes();
  FakeKubernetes(const FakeKubernetes&) = delete;
  FakeKubernetes& operator=(const FakeKubernetes&) = delete;

  std::string server() const;  // http://127.0.0.1:<port>
  // A kubeconfig naming this server, a token user and `name_space`, written to `path`.
  void write_kubeconfig(const std::filesystem::path& path, const std::string& name_space, const std::string& token = "t0ken") const;

  // How long a Pod stays Pending (ContainerCreating) before its container starts.
  void set_pending_time(std::chrono::milliseconds time);
  // Images that cannot be pulled: their Pods stay Pending with ErrImagePull.
  void make_unpullable(const std::string& image);
  // The next `count` requests for Jobs (not watches or logs) are answered `status`
  // (429 carries Retry-After: `retry_after`).
  void fail_next(int status, int count, int retry_after = 1);
  // Forgets the event history: a watch from an older resourceVersion gets ERROR 410 Expired.
  void expire_history();
  // Ends every log stream open now, as a lost connection would.
  void drop_log_streams();
  // Ends every watch open now, as the server does after timeoutSeconds.
  void end_watches();

  // What was asked and what there is.
  std::vector<boost::json::value> created_jobs() const;  // as POSTed, in order
  std::vector<std::string> job_names() const;
  std::size_t pod_count() const;
  std::size_t running_containers() const;
  std::size_t requests(const std::string& method) const;
  std::size_t answered(int status) const;
  std::size_t expired_watches() const;  // watches answered 410
  std::size_t log_streams() const;      // log requests answered 200 (resumes included)
  std::string last_authorization() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace calico::testkit
