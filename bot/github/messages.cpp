#include "bot/github/messages.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <stdexcept>

namespace calico::github {

namespace json = boost::json;

namespace {

store::OutboxMessage make(store::MessageKind kind, std::string dedupe_key, std::string_view method, const std::string& path,
                          const json::object& body) {
  json::object payload;
  payload["method"] = method;
  payload["path"] = path;
  payload["body"] = json::serialize(body);
  return {kind, std::move(dedupe_key), json::serialize(payload)};
}

}  // namespace

std::string comment_marker(std::string_view dedupe_key) {
  // "--" would end the HTML comment early; keys never contain it, but be sure.
  std::string key(dedupe_key);
  for (std::size_t at = key.find("--"); at != std::string::npos; at = key.find("--")) key.replace(at, 2, "-");
  return "<!-- calico-release-bot:" + key + " -->";
}

store::OutboxMessage reaction_message(const std::string& repository, std::int64_t comment_id, const std::string& content) {
  json::object body;
  body["content"] = content;
  return make(store::MessageKind::reaction, "reaction:" + repository + ":" + std::to_string(comment_id) + ":" + content, "POST",
              "/repos/" + repository + "/issues/comments/" + std::to_string(comment_id) + "/reactions", body);
}

store::OutboxMessage comment_message(const std::string& repository, std::int64_t issue_number, const std::string& body_text,
                                     const std::string& dedupe_key) {
  json::object body;
  body["body"] = body_text + "\n\n" + comment_marker(dedupe_key);
  return make(store::MessageKind::comment, dedupe_key, "POST", "/repos/" + repository + "/issues/" + std::to_string(issue_number) + "/comments",
              body);
}

namespace {
// FNV-1a, 64 bits: a digest that is the same in every run (std::hash need not be), so that a
// restart recognises a summary it already queued.
std::string digest(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ull;
  for (const unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}
}  // namespace

store::OutboxMessage summary_message(const std::string& repository, std::int64_t issue_number, std::int64_t build_id,
                                     const std::string& body_text) {
  const std::string key = "summary:" + repository + "#" + std::to_string(issue_number) + ":build-" + std::to_string(build_id);
  json::object body;
  body["body"] = body_text + "\n\n" + comment_marker(key);
  store::OutboxMessage message = make(store::MessageKind::summary, key + ":" + digest(body_text), "POST",
                                      "/repos/" + repository + "/issues/" + std::to_string(issue_number) + "/comments", body);
  message.replaces = key;
  return message;
}

store::OutboxMessage check_run_message(const std::string& repository, const std::string& sha, std::int64_t build_id,
                                       const CheckRun& check) {
  const std::string key = "check:" + repository + ":" + sha + ":build-" + std::to_string(build_id);
  json::object body{{"name", check.name},
                    {"head_sha", sha},
                    {"status", check.status},
                    {"details_url", check.details_url},
                    {"external_id", key},
                    // GitHub's limits: a title of a line, a summary of at most 65535 characters.
                    {"output", json::object{{"title", truncate_characters(check.title, 200)},
                                            {"summary", truncate_characters(check.summary, 60000)}}}};
  if (check.status == "completed") body["conclusion"] = check.conclusion;
  store::OutboxMessage message = make(store::MessageKind::check, key + ":" + digest(json::serialize(body)), "POST",
                                      "/repos/" + repository + "/check-runs", body);
  message.replaces = key;
  return message;
}

store::OutboxMessage deployment_message(const std::string& repository, const std::string& sha, std::int64_t build_id,
                                        const DeploymentState& state) {
  const std::string key = "deployment:" + repository + ":" + sha + ":" + state.environment + ":build-" + std::to_string(build_id);
  json::object body{{"ref", sha},
                    {"task", "deploy"},
                    {"auto_merge", false},
                    {"required_contexts", json::array{}},
                    {"payload", json::object{{"key", key}, {"build", build_id}}},
                    {"environment", state.environment},
                    {"description", truncate_characters("build #" + std::to_string(build_id) + " publishes to " + state.environment, 140)},
                    {"transient_environment", false},
                    // Not "production": GitHub's auto_inactive retires only older deployments of
                    // non-production environments.
                    {"production_environment", false}};
  json::object status{{"state", state.state}, {"description", truncate_characters(state.description, 140)}, {"auto_inactive", true}};
  if (!state.log_url.empty()) status["log_url"] = state.log_url;
  if (!state.environment_url.empty()) status["environment_url"] = state.environment_url;
  store::OutboxMessage message = make(store::MessageKind::deployment, key + ":" + digest(json::serialize(status)), "POST",
                                      "/repos/" + repository + "/deployments", body);
  json::value payload = json::parse(message.payload);
  payload.as_object()["status"] = json::serialize(status);
  message.payload = json::serialize(payload);
  message.replaces = key;
  return message;
}

Request deployment_status_request(const std::string& payload, std::int64_t deployment_id) {
  const json::value parsed = json::parse(payload);
  const std::string path(parsed.at("path").as_string());
  return {"POST", path + "/" + std::to_string(deployment_id) + "/statuses", std::string(parsed.at("status").as_string())};
}

std::string repository_of_path(const std::string& path) {
  // "/repos/" owner "/" name "/" …
  const auto owner_end = path.find('/', 7);
  const auto name_end = owner_end == std::string::npos ? std::string::npos : path.find('/', owner_end + 1);
  if (!path.starts_with("/repos/") || name_end == std::string::npos) throw std::invalid_argument("not a repository path: " + path);
  return path.substr(7, name_end - 7);
}

Request edit_request(const Request& created, std::int64_t id) {
  const std::string repository = repository_of_path(created.path);
  if (created.path.ends_with("/check-runs")) {
    json::value body = json::parse(created.body);
    body.as_object().erase("head_sha");  // a check run stays on its commit
    return {"PATCH", "/repos/" + repository + "/check-runs/" + std::to_string(id), json::serialize(body)};
  }
  return {"PATCH", "/repos/" + repository + "/issues/comments/" + std::to_string(id), created.body};
}

store::OutboxMessage status_message(const std::string& repository, const std::string& sha, const std::string& state,
                                    const std::string& context, const std::string& description,
                                    const std::string& target_url, const std::string& dedupe_key) {
  json::object body;
  body["state"] = state;
  body["target_url"] = target_url;
  body["description"] = truncate_characters(description, 140);
  body["context"] = context;
  store::OutboxMessage message = make(store::MessageKind::status, dedupe_key, "POST", "/repos/" + repository + "/statuses/" + sha, body);
  message.replaces = "status:" + repository + ":" + sha + ":" + context;
  return message;
}

Request decode_payload(const std::string& payload) {
  const json::value parsed = json::parse(payload);
  const json::object& object = parsed.as_object();
  return {std::string(object.at("method").as_string()), std::string(object.at("path").as_string()),
          std::string(object.at("body").as_string())};
}

std::string truncate_characters(std::string_view text, std::size_t limit) {
  std::size_t characters = 0;
  std::size_t cut = std::string_view::npos;  // byte offset where character `limit - 1` starts
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (characters == limit - 1) cut = i;
    ++characters;
  }
  if (characters <= limit) return std::string(text);
  return std::string(text.substr(0, cut)) + "\u2026";
}

}  // namespace calico::github
