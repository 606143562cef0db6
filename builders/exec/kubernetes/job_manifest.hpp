// A build job as Kubernetes' batch/v1 Job: what the kubernetes executor sends. Pure: the object
// is made from values, so every production setting (deadline, no retries, clean-up after it
// finishes, resources, placement, the restricted security context, labels naming the build, job
// and replica) is tested, and validated against Kubernetes' published schema, without a cluster.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <boost/json/object.hpp>

namespace calico::builders::exec::kubernetes {

struct Toleration {
  std::string key;
  std::string op = "Equal";  // Equal | Exists
  std::string value;
  std::string effect;        // NoSchedule | PreferNoSchedule | NoExecute, or "" for all
};

struct Resources {
  std::string cpu_request = "1";
  std::string memory_request = "2Gi";
  std::string cpu_limit;  // "" : none (a build may use what the node has spare)
  std::string memory_limit = "8Gi";
};

struct JobManifest {
  std::string name_space;
  std::string name;                            // job_name(): DNS-1123, at most 63 characters
  std::map<std::string, std::string> labels;   // job_labels(): on the Job and its Pod
  std::string image;                           // the platform's build image
  std::vector<std::string> command;            // the container's argv
  std::vector<std::pair<std::string, std::string>> env;
  std::string workspace_claim;                 // a ReadWriteMany PersistentVolumeClaim
  std::string workspace_path;                  // mounted here, where the bot sees work_dir
  std::int64_t uid = 0;                        // the bot's own uid and gid: files stay the bot's
  std::int64_t gid = 0;
  std::chrono::seconds deadline{3600};         // activeDeadlineSeconds: the job's timeout
  std::chrono::seconds ttl_after_finished{3600};
  Resources resources;
  std::map<std::string, std::string> node_selector;
  std::vector<Toleration> tolerations;
};

// The Job object (apiVersion batch/v1): backoffLimit 0 (a failed build is the job's failure,
// never silently retried), restartPolicy Never, automountServiceAccountToken false (a build needs
// no API access), non-root with no privilege escalation, every capability dropped and the
// RuntimeDefault seccomp profile, HOME in the workspace.
boost::json::object job_object(const JobManifest& manifest);

// "calico-b<build>-<job>-<attempt>": lower case, [a-z0-9-], at most 63 characters (the
// job-name label carries it), unique per attempt so a rerun never meets its predecessor's name.
std::string job_name(std::int64_t build, const std::string& job, const std::string& attempt);

// The labels that find a build's Jobs again (after a restart, or on the replica that took the
// build over): component=build (the NetworkPolicy denying egress selects it), the build, the job
// and the replica that started it. Values are made valid label values.
std::map<std::string, std::string> job_labels(std::int64_t build, const std::string& job, const std::string& replica);

// A label selector for every Job of `build` ("calico-release-bot/build=12").
std::string build_selector(std::int64_t build);

// `text` as a label value: at most 63 of [A-Za-z0-9._-], starting and ending alphanumeric.
std::string label_value(const std::string& text);

}  // namespace calico::builders::exec::kubernetes
