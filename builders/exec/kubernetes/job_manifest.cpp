#include "builders/exec/kubernetes/job_manifest.hpp"

#include <boost/json/array.hpp>

namespace calico::builders::exec::kubernetes {

namespace {

constexpr const char* kBuildLabel = "calico-release-bot/build";
constexpr std::size_t kMaxName = 63;

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

std::string trim_to_alnum(std::string text) {
  while (!text.empty() && !alnum(text.back())) text.pop_back();
  std::size_t first = 0;
  while (first < text.size() && !alnum(text[first])) ++first;
  return text.substr(first);
}

boost::json::object string_map(const std::map<std::string, std::string>& values) {
  boost::json::object out;
  for (const auto& [key, value] : values) out[key] = value;
  return out;
}

boost::json::object resources(const Resources& r) {
  boost::json::object requests;
  if (!r.cpu_request.empty()) requests["cpu"] = r.cpu_request;
  if (!r.memory_request.empty()) requests["memory"] = r.memory_request;
  boost::json::object limits;
  if (!r.cpu_limit.empty()) limits["cpu"] = r.cpu_limit;
  if (!r.memory_limit.empty()) limits["memory"] = r.memory_limit;
  boost::json::object out;
  if (!requests.empty()) out["requests"] = std::move(requests);
  if (!limits.empty()) out["limits"] = std::move(limits);
  return out;
}

}  // namespace

std::string label_value(const std::string& text) {
  std::string out;
  for (char c : text) out += alnum(c) || c == '.' || c == '_' || c == '-' ? c : '-';
  out = trim_to_alnum(out);
  if (out.size() > kMaxName) out.resize(kMaxName);
  return trim_to_alnum(out);
}

std::string job_name(std::int64_t build, const std::string& job, const std::string& attempt) {
  std::string part;
  for (char c : job) {
    const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    part += (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') ? lower : '-';
  }
  std::string suffix;
  for (char c : attempt) {
    const char lower = c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    if ((lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9')) suffix += lower;
  }
  const std::string head = "calico-b" + std::to_string(build) + "-";
  const std::string tail = suffix.empty() ? "" : "-" + suffix;
  // The job's part is what gives way: the build number and the attempt keep the name unique.
  const std::size_t room = kMaxName > head.size() + tail.size() ? kMaxName - head.size() - tail.size() : 0;
  if (part.size() > room) part.resize(room);
  part = trim_to_alnum(part);
  return head + (part.empty() ? "job" : part) + tail;
}

std::map<std::string, std::string> job_labels(std::int64_t build, const std::string& job, const std::string& replica) {
  return {{"app.kubernetes.io/name", "calico-release-bot"},
          {"app.kubernetes.io/component", "build"},
          {kBuildLabel, std::to_string(build)},
          {"calico-release-bot/job", label_value(job)},
          {"calico-release-bot/replica", label_value(replica)}};
}

std::string build_selector(std::int64_t build) { return std::string(kBuildLabel) + "=" + std::to_string(build); }

boost::json::object job_object(const JobManifest& m) {
  boost::json::array command;
  for (const std::string& arg : m.command) command.emplace_back(arg);
  boost::json::array env;
  env.push_back(boost::json::object{{"name", "HOME"}, {"value", m.workspace_path + "/.home"}});
  for (const auto& [name, value] : m.env) env.push_back(boost::json::object{{"name", name}, {"value", value}});

  boost::json::object container{
      {"name", "build"},
      {"image", m.image},
      {"command", std::move(command)},
      {"env", std::move(env)},
      {"workingDir", m.workspace_path},
      {"resources", resources(m.resources)},
      {"volumeMounts", boost::json::array{boost::json::object{{"name", "workspace"}, {"mountPath", m.workspace_path}}}},
      {"securityContext",
       boost::json::object{{"allowPrivilegeEscalation", false},
                           {"capabilities", boost::json::object{{"drop", boost::json::array{"ALL"}}}}}},
  };

  boost::json::object pod_spec{
      {"restartPolicy", "Never"},
      {"automountServiceAccountToken", false},
      {"enableServiceLinks", false},
      {"securityContext",
       boost::json::object{{"runAsNonRoot", true},
                           {"runAsUser", m.uid},
                           {"runAsGroup", m.gid},
                           {"seccompProfile", boost::json::object{{"type", "RuntimeDefault"}}}}},
      {"containers", boost::json::array{std::move(container)}},
      {"volumes", boost::json::array{boost::json::object{
                      {"name", "workspace"},
                      {"persistentVolumeClaim", boost::json::object{{"claimName", m.workspace_claim}}}}}},
  };
  if (!m.node_selector.empty()) pod_spec["nodeSelector"] = string_map(m.node_selector);
  if (!m.tolerations.empty()) {
    boost::json::array tolerations;
    for (const Toleration& t : m.tolerations) {
      boost::json::object one{{"key", t.key}, {"operator", t.op}};
      if (t.op != "Exists") one["value"] = t.value;
      if (!t.effect.empty()) one["effect"] = t.effect;
      tolerations.push_back(std::move(one));
    }
    pod_spec["tolerations"] = std::move(tolerations);
  }

  return boost::json::object{
      {"apiVersion", "batch/v1"},
      {"kind", "Job"},
      {"metadata", boost::json::object{{"name", m.name}, {"namespace", m.name_space}, {"labels", string_map(m.labels)}}},
      {"spec",
       boost::json::object{
           {"backoffLimit", 0},
           {"activeDeadlineSeconds", static_cast<std::int64_t>(m.deadline.count())},
           {"ttlSecondsAfterFinished", static_cast<std::int64_t>(m.ttl_after_finished.count())},
           {"template", boost::json::object{{"metadata", boost::json::object{{"labels", string_map(m.labels)}}},
                                            {"spec", std::move(pod_spec)}}},
       }},
  };
}

}  // namespace calico::builders::exec::kubernetes
