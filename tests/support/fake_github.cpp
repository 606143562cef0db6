#include "tests/support/fake_github.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <regex>
#include <set>
#include <thread>
#include <utility>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "bot/github/app_jwt.hpp"
#include "bot/util/time_format.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/loopback_server.hpp"

namespace calico::testkit {

namespace json = boost::json;

namespace {

struct Scripted {
  int count = 0;
  http::Response response;
};

http::Response github_error(int status, const std::string& message) {
  json::object body{{"message", message}, {"documentation_url", "https://docs.github.com/rest"}};
  return http::json_response(status, json::serialize(body));
}

// GitHub's time format: to the second, "2026-12-01T23:00:00Z".
std::string github_time() { return util::iso8601(util::system_now()).substr(0, 19) + "Z"; }

struct Hook {
  std::int64_t id = 0;
  std::string repository;  // "" for the App's
  std::string url;
  std::string secret;
};

struct StoredHookDelivery {
  GitHubHookDelivery record;
  std::string payload;
  std::string repository;
};

}  // namespace

class FakeGitHub::Handler : public http::Handler {
 public:
  Handler() : sender([this] { send_deliveries(); }) {}
  ~Handler() override {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    sender.join();
  }

  void handle(http::Request request, http::Respond respond) override {
    std::chrono::milliseconds delay;
    {
      std::lock_guard lock(mutex);
      delay = this->delay;
    }
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    std::lock_guard lock(mutex);
    const std::string target = request.target;
    const auto question = target.find('?');
    GitHubRequest record{request.method, target.substr(0, question),
                         question == std::string::npos ? "" : target.substr(question + 1), request.body, 0};
    http::Response response = answer(request, record);
    record.status = response.status;
    recorded.push_back(std::move(record));
    respond(std::move(response));
  }

  http::Response answer(const http::Request& request, const GitHubRequest& record) {
    // A rate limit holds every request until it lifts, as GitHub's does; asking again before
    // then is what GitHub warns may get an integration banned.
    if (limit && clock() < limit->until) {
      // The first request to meet it could not have known.
      if (limit->met) problems.push_back(record.method + " " + record.path + " again while the " + limit->what + " holds");
      limit->met = true;
      return limit->response;
    }
    limit.reset();
    if (!scripted.empty()) {
      Scripted& next = scripted.front();
      http::Response response = next.response;
      if (--next.count == 0) scripted.erase(scripted.begin());
      return response;
    }
    for (const auto& [from, to] : moved) {
      const std::string prefix = "/repos/" + from + "/";
      if (record.path.starts_with(prefix)) {
        // GitHub: 301 for a GET, 307 for every other method (the client must keep method and body).
        http::Response moved_permanently =
            record.method == "GET" ? github_error(301, "Moved Permanently") : github_error(307, "Temporary Redirect");
        moved_permanently.headers.emplace_back("Location", api_root + "/repos/" + to + "/" + record.path.substr(prefix.size()) +
                                                               (record.query.empty() ? "" : "?" + record.query));
        return moved_permanently;
      }
    }
    // GitHub's required headers (REST API docs: "Getting started", "API versions").
    if (request.header("user-agent").value_or("").empty()) {
      problems.push_back(record.method + " " + record.path + " without User-Agent");
      return github_error(403, "Request forbidden by administrative rules. Please make sure your request has a User-Agent header");
    }
    if (request.header("accept").value_or("") != "application/vnd.github+json") {
      problems.push_back(record.method + " " + record.path + " without Accept: application/vnd.github+json");
    }
    if (request.header("x-github-api-version").value_or("") != "2022-11-28") {
      problems.push_back(record.method + " " + record.path + " without X-GitHub-Api-Version: 2022-11-28");
      return github_error(400, "Invalid API version");
    }
    if (!request.body.empty() && request.header("content-type").value_or("").find("application/json") == std::string::npos) {
      problems.push_back(record.method + " " + record.path + " with a body that is not application/json");
      return github_error(415, "Unsupported Media Type");
    }
    const std::string authorization(request.header("authorization").value_or(""));
    std::smatch match;
    static const std::regex token_route("/app/installations/([0-9]+)/access_tokens");
    if (std::regex_match(record.path, match, token_route)) return issue_token(record, match[1], authorization);
    if (record.path.starts_with("/app/hook/")) {
      if (!authorization.starts_with("Bearer ") || verify_jwt(authorization.substr(7), app_public_key).empty()) {
        problems.push_back(record.method + " " + record.path + " without the App's JWT");
        return github_error(401, "A JSON web token could not be decoded");
      }
      if (hook_reads_denied) return github_error(403, "Resource not accessible by integration");
      return hook_route(record, "", "/app/hook/deliveries");
    }
    if (!authorization.starts_with("Bearer ") || !tokens.contains(authorization.substr(7))) {
      problems.push_back(record.method + " " + record.path + " with a missing or unknown token");
      return github_error(401, "Bad credentials");
    }
    json::value body;
    if (!record.body.empty()) {
      boost::system::error_code error;
      body = json::parse(record.body, error);
      if (error || !body.is_object()) {
        problems.push_back(record.method + " " + record.path + " with a body that is not a JSON object");
        return github_error(400, "Problems parsing JSON");
      }
    }
    if (record.method == "GET" && record.path == "/user") {
      const auto login = token_logins.find(authorization.substr(7));
      if (login == token_logins.end()) return github_error(403, "Resource not accessible by integration");
      return http::json_response(200, json::serialize(json::object{{"login", login->second}, {"type", "User"}}));
    }
    static const std::regex permission_route("/repos/([^/]+/[^/]+)/collaborators/([^/]+)/permission");
    static const std::regex pull_route("/repos/([^/]+/[^/]+)/pulls/([0-9]+)");
    static const std::regex reaction_route("/repos/([^/]+/[^/]+)/issues/comments/([0-9]+)/reactions");
    static const std::regex comments_route("/repos/([^/]+/[^/]+)/issues/([0-9]+)/comments");
    static const std::regex status_route("/repos/([^/]+/[^/]+)/statuses/([^/]+)");
    static const std::regex hooks_route("/repos/([^/]+/[^/]+)/hooks(/.*)?");
    if (std::regex_match(record.path, match, hooks_route)) {
      const std::string repository = match[1];
      if (hook_reads_denied) return github_error(404, "Not Found");
      if (record.method == "GET" && record.path == "/repos/" + repository + "/hooks") return list_hooks(repository);
      static const std::regex deliveries_prefix("/repos/[^/]+/[^/]+/hooks/([0-9]+)/deliveries");
      std::smatch hook_match;
      if (!std::regex_search(record.path, hook_match, deliveries_prefix)) return github_error(404, "Not Found");
      return hook_route(record, repository, hook_match[0]);
    }
    static const std::regex check_runs_route("/repos/([^/]+/[^/]+)/check-runs(/([0-9]+))?");
    static const std::regex commit_checks_route("/repos/([^/]+/[^/]+)/commits/([0-9a-f]{40})/check-runs");
    if (std::regex_match(record.path, match, check_runs_route)) {
      if (token_logins.contains(authorization.substr(7))) {
        problems.push_back(record.method + " " + record.path + " with a token: check runs are for GitHub Apps");
        return github_error(403, "Resource not accessible by personal access token");
      }
      return check_run(record, match[1], match[3].matched ? std::stoll(match[3]) : 0, body);
    }
    if (record.method == "GET" && std::regex_match(record.path, match, commit_checks_route)) {
      std::smatch name_match;
      static const std::regex name_param("(^|&)check_name=([^&]+)");
      const std::string name = std::regex_search(record.query, name_match, name_param) ? percent_decode(name_match[2]) : "";
      json::array runs;
      for (const GitHubCheckRun& run : check_runs) {
        if (run.repository == match[1].str() && run.head_sha == match[2].str() && (name.empty() || run.name == name)) {
          runs.push_back(check_run_json(run));
        }
      }
      return http::json_response(200, json::serialize(json::object{{"total_count", runs.size()}, {"check_runs", runs}}));
    }
    static const std::regex edit_route("/repos/([^/]+/[^/]+)/issues/comments/([0-9]+)");
    if (record.method == "PATCH" && std::regex_match(record.path, match, edit_route)) {
      const std::int64_t id = std::stoll(match[2]);
      const auto found = std::find_if(comments.begin(), comments.end(), [&](const GitHubComment& c) {
        return c.id == id && c.repository == match[1].str();
      });
      if (found == comments.end()) return github_error(404, "Not Found");
      const json::value* text = body.is_object() ? body.as_object().if_contains("body") : nullptr;
      if (!text || !text->is_string() || text->as_string().empty() || text->as_string().size() > 65536) {
        problems.push_back("comment edit with a missing, empty or too long body");
        return github_error(422, "Validation Failed");
      }
      // A token may edit its own account's comments; an App, the comments it wrote.
      const auto login = token_logins.find(authorization.substr(7));
      const std::string editor = login != token_logins.end() ? login->second : "calico-release-bot[bot]";
      if (found->author != editor) {
        problems.push_back("PATCH of a comment by " + found->author + " as " + editor);
        return github_error(403, "Resource not accessible by integration");
      }
      found->body = std::string(text->as_string());
      ++found->edits;
      return http::json_response(200, json::serialize(comment_json(*found)));
    }
    static const std::regex repo_comments_route("/repos/([^/]+/[^/]+)/issues/comments");
    if (record.method == "GET" && std::regex_match(record.path, match, repo_comments_route)) {
      return list_repository_comments(match[1], record.query);
    }
    if (record.method == "GET" && std::regex_match(record.path, match, permission_route)) {
      const auto found = permissions.find({match[1], match[2]});
      if (found == permissions.end()) return github_error(404, "Not Found");
      json::object user{{"login", match[2].str()}, {"type", "User"}};
      return http::json_response(200, json::serialize(json::object{
                                          {"permission", found->second}, {"role_name", found->second}, {"user", user}}));
    }
    if (record.method == "GET" && std::regex_match(record.path, match, pull_route)) {
      const auto found = pulls.find({match[1], std::stoll(match[2])});
      if (found == pulls.end()) return github_error(404, "Not Found");
      json::object head{{"sha", found->second}, {"ref", "feature"}};
      return http::json_response(200, json::serialize(json::object{{"number", found->first.second}, {"state", "open"}, {"head", head}}));
    }
    if (record.method == "POST" && std::regex_match(record.path, match, reaction_route)) {
      static const std::set<std::string> contents = {"+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"};
      const json::value* content = body.is_object() ? body.as_object().if_contains("content") : nullptr;
      if (!content || !content->is_string() || !contents.contains(std::string(content->as_string()))) {
        problems.push_back("reaction with an invalid content: " + record.body);
        return github_error(422, "Validation Failed");
      }
      GitHubReaction reaction{match[1], std::stoll(match[2]), std::string(content->as_string())};
      const bool existed = std::any_of(reactions.begin(), reactions.end(), [&](const GitHubReaction& r) {
        return r.repository == reaction.repository && r.comment_id == reaction.comment_id && r.content == reaction.content;
      });
      if (!existed) reactions.push_back(reaction);
      return http::json_response(existed ? 200 : 201, json::serialize(json::object{{"id", reactions.size()}, {"content", reaction.content}}));
    }
    if (std::regex_match(record.path, match, comments_route)) {
      const std::string repository = match[1];
      const std::int64_t issue = std::stoll(match[2]);
      if (record.method == "GET") return list_comments(repository, issue, record.query);
      if (record.method != "POST") return github_error(404, "Not Found");
      const json::value* text = body.is_object() ? body.as_object().if_contains("body") : nullptr;
      if (!text || !text->is_string() || text->as_string().empty() || text->as_string().size() > 65536) {
        problems.push_back("comment with a missing, empty or too long body");
        return github_error(422, "Validation Failed");
      }
      // Written by the token's account, or by the App whose installation token this is.
      const std::string token = authorization.substr(7);
      const auto login = token_logins.find(token);
      GitHubComment comment{next_comment_id++, repository, issue, std::string(text->as_string()),
                            login != token_logins.end() ? login->second : "calico-release-bot[bot]",
                            login != token_logins.end() ? std::string() : app_id};
      const GitHubComment& added = store_comment(std::move(comment));
      return http::json_response(201, json::serialize(comment_json(added)));
    }
    if (record.method == "POST" && std::regex_match(record.path, match, status_route)) {
      static const std::regex sha_shape("[0-9a-f]{40}");
      const json::object* object = body.if_object();
      auto text = [&](const char* key) -> std::string {
        const json::value* value = object ? object->if_contains(key) : nullptr;
        return value && value->is_string() ? std::string(value->as_string()) : std::string();
      };
      GitHubStatus status{match[1], match[2], text("state"), text("context"), text("description"), text("target_url")};
      static const std::set<std::string> states = {"error", "failure", "pending", "success"};
      std::size_t characters = 0;
      for (unsigned char c : status.description) characters += (c & 0xC0) != 0x80;
      if (!std::regex_match(status.sha, sha_shape)) return github_error(422, "No commit found for SHA: " + status.sha);
      if (!states.contains(status.state) || characters > 140 || status.context.empty()) {
        problems.push_back("status that GitHub refuses: " + record.body);
        return github_error(422, "Validation Failed");
      }
      // GitHub keeps at most 1000 statuses per commit and context.
      const auto same = std::count_if(statuses.begin(), statuses.end(), [&](const GitHubStatus& s) {
        return s.repository == status.repository && s.sha == status.sha && s.context == status.context;
      });
      if (same >= status_limit) {
        return github_error(422, "Validation Failed: This SHA and context has reached the maximum number of statuses.");
      }
      statuses.push_back(status);
      return http::json_response(201, json::serialize(json::object{
                                          {"url", api_root + "/repos/" + status.repository + "/statuses/" + status.sha},
                                          {"state", status.state}, {"context", status.context}}));
    }
    static const std::regex deployments_route("/repos/([^/]+/[^/]+)/deployments");
    static const std::regex deployment_statuses_route("/repos/([^/]+/[^/]+)/deployments/([0-9]+)/statuses");
    if (std::regex_match(record.path, match, deployments_route)) return deployment(record, match[1], body);
    if (std::regex_match(record.path, match, deployment_statuses_route)) {
      return deployment_status(record, match[1], std::stoll(match[2]), body);
    }
    problems.push_back("unexpected request " + record.method + " " + record.path);
    return github_error(404, "Not Found");
  }

  json::object deployment_json(const GitHubDeployment& deployment) const {
    const std::string url = api_root + "/repos/" + deployment.repository + "/deployments/" + std::to_string(deployment.id);
    return {{"id", deployment.id},
            {"url", url},
            {"sha", deployment.sha},
            {"ref", deployment.sha},
            {"task", "deploy"},
            {"environment", deployment.environment},
            {"payload", json::parse(deployment.payload)},
            {"transient_environment", deployment.transient},
            {"production_environment", deployment.production},
            {"statuses_url", url + "/statuses"}};
  }

  // GET (listed newest first, filtered by sha and environment, paged) or POST …/deployments.
  http::Response deployment(const GitHubRequest& record, const std::string& repository, const json::value& body) {
    if (record.method == "GET") {
      std::smatch found;
      static const std::regex sha_param("(^|&)sha=([^&]+)"), environment_param("(^|&)environment=([^&]+)"), page_param("(^|&)page=([0-9]+)");
      const std::string sha = std::regex_search(record.query, found, sha_param) ? percent_decode(found[2]) : "";
      const std::string environment = std::regex_search(record.query, found, environment_param) ? percent_decode(found[2]) : "";
      const std::size_t page = std::regex_search(record.query, found, page_param) ? std::stoul(found[2]) : 1;
      std::vector<const GitHubDeployment*> listed;
      for (auto it = deployments.rbegin(); it != deployments.rend(); ++it) {
        if (it->repository == repository && (sha.empty() || it->sha == sha) && (environment.empty() || it->environment == environment)) {
          listed.push_back(&*it);
        }
      }
      json::array out;
      const std::size_t size = static_cast<std::size_t>(page_size);
      for (std::size_t i = (page - 1) * size; i < listed.size() && i < page * size; ++i) out.push_back(deployment_json(*listed[i]));
      http::Response response = http::json_response(200, json::serialize(out));
      if (page * size < listed.size()) {
        const std::string query = query_without_page(record.query);
        response.headers.emplace_back("Link", "<" + api_root + record.path + "?" + query + (query.empty() ? "" : "&") + "page=" +
                                                  std::to_string(page + 1) + ">; rel=\"next\"");
      }
      return response;
    }
    if (record.method != "POST") return github_error(404, "Not Found");
    const json::object* object = body.if_object();
    const json::value* ref = object ? object->if_contains("ref") : nullptr;
    const json::value* environment = object ? object->if_contains("environment") : nullptr;
    const json::value* payload = object ? object->if_contains("payload") : nullptr;
    const json::value* contexts = object ? object->if_contains("required_contexts") : nullptr;
    const json::value* description = object ? object->if_contains("description") : nullptr;
    static const std::regex sha_shape("[0-9a-f]{40}");
    if (!ref || !ref->is_string() || (environment && !environment->is_string()) || (contexts && !contexts->is_array()) ||
        (payload && !payload->is_object() && !payload->is_string()) || (description && !description->is_string() && !description->is_null())) {
      problems.push_back("deployment that GitHub refuses: " + record.body);
      return github_error(422, "Validation Failed");
    }
    const std::string sha(ref->as_string());
    if (!std::regex_match(sha, sha_shape)) return github_error(422, "No ref found for: " + sha);
    if (!contexts) {
      // Every status context of the commit must be success, or GitHub will not deploy it.
      for (const GitHubStatus& status : statuses) {
        if (status.repository == repository && status.sha == sha && status.state != "success") {
          return github_error(409, "Conflict: Commit status checks failed for " + sha + ".");
        }
      }
    }
    auto flag = [&](const char* key, bool otherwise) {
      const json::value* value = object->if_contains(key);
      return value && value->is_bool() ? value->as_bool() : otherwise;
    };
    GitHubDeployment created;
    created.id = next_deployment_id++;
    created.repository = repository;
    created.sha = sha;
    created.environment = environment ? std::string(environment->as_string()) : "production";
    created.payload = payload ? (payload->is_string() ? std::string(payload->as_string()) : json::serialize(*payload)) : "{}";
    created.transient = flag("transient_environment", false);
    created.production = flag("production_environment", created.environment == "production");
    deployments.push_back(created);
    return http::json_response(201, json::serialize(deployment_json(created)));
  }

  // POST …/deployments/{id}/statuses (GET lists them, newest first).
  http::Response deployment_status(const GitHubRequest& record, const std::string& repository, std::int64_t id, const json::value& body) {
    const auto found = std::find_if(deployments.begin(), deployments.end(),
                                    [&](const GitHubDeployment& d) { return d.id == id && d.repository == repository; });
    if (found == deployments.end()) return github_error(404, "Not Found");
    if (record.method == "GET") {
      json::array out;
      for (auto it = found->statuses.rbegin(); it != found->statuses.rend(); ++it) out.push_back(json::object{{"state", it->state}});
      return http::json_response(200, json::serialize(out));
    }
    if (record.method != "POST") return github_error(404, "Not Found");
    const json::object* object = body.if_object();
    auto text = [&](const char* key) -> std::optional<std::string> {
      const json::value* value = object ? object->if_contains(key) : nullptr;
      return value && value->is_string() ? std::optional(std::string(value->as_string())) : std::nullopt;
    };
    static const std::set<std::string> states = {"error", "failure", "inactive", "in_progress", "queued", "pending", "success"};
    GitHubDeploymentStatus status{text("state").value_or(""), text("description").value_or(""), text("log_url").value_or(""),
                                  text("environment_url").value_or("")};
    std::size_t characters = 0;
    for (unsigned char c : status.description) characters += (c & 0xC0) != 0x80;
    const json::value* auto_inactive = object ? object->if_contains("auto_inactive") : nullptr;
    if (!states.contains(status.state) || characters > 140 || (auto_inactive && !auto_inactive->is_bool())) {
      problems.push_back("deployment status that GitHub refuses: " + record.body);
      return github_error(422, "Validation Failed");
    }
    found->statuses.push_back(status);
    const GitHubDeployment& deployed = *found;
    if (status.state == "success" && (!auto_inactive || auto_inactive->as_bool())) {
      for (GitHubDeployment& older : deployments) {
        if (older.id < deployed.id && older.repository == deployed.repository && older.environment == deployed.environment &&
            !older.transient && !older.production && older.state() == "success") {
          older.statuses.push_back({"inactive", "replaced by deployment " + std::to_string(deployed.id), "", ""});
        }
      }
    }
    return http::json_response(201, json::serialize(json::object{
                                        {"id", static_cast<std::int64_t>(deployed.statuses.size())},
                                        {"state", status.state},
                                        {"url", api_root + record.path}}));
  }

  static std::string percent_decode(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '%' && i + 2 < text.size()) {
        out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        out += text[i] == '+' ? ' ' : text[i];
      }
    }
    return out;
  }

  json::object check_run_json(const GitHubCheckRun& run) const {
    return {{"id", run.id},           {"name", run.name},         {"head_sha", run.head_sha},
            {"status", run.status},   {"conclusion", run.conclusion.empty() ? json::value(nullptr) : json::value(run.conclusion)},
            {"external_id", run.external_id}, {"details_url", run.details_url},
            {"output", json::object{{"title", run.title}, {"summary", run.summary}}}};
  }

  // POST …/check-runs (id 0) or PATCH …/check-runs/{id}, checked as GitHub checks them.
  http::Response check_run(const GitHubRequest& record, const std::string& repository, std::int64_t id, const json::value& body) {
    const json::object* object = body.if_object();
    auto text = [&](const char* key) -> std::optional<std::string> {
      const json::value* value = object ? object->if_contains(key) : nullptr;
      return value && value->is_string() ? std::optional(std::string(value->as_string())) : std::nullopt;
    };
    GitHubCheckRun* run = nullptr;
    GitHubCheckRun created;
    if (record.method == "POST" && id == 0) {
      static const std::regex sha_shape("[0-9a-f]{40}");
      created.repository = repository;
      created.head_sha = text("head_sha").value_or("");
      created.name = text("name").value_or("");
      if (!std::regex_match(created.head_sha, sha_shape) || created.name.empty()) {
        problems.push_back("check run without a name or head_sha: " + record.body);
        return github_error(422, "Validation Failed");
      }
      run = &created;
    } else if (record.method == "PATCH" && id > 0) {
      const auto found = std::find_if(check_runs.begin(), check_runs.end(), [&](const GitHubCheckRun& r) { return r.id == id && r.repository == repository; });
      if (found == check_runs.end()) return github_error(404, "Not Found");
      if (text("head_sha")) problems.push_back("PATCH of a check run with head_sha (a check run stays on its commit)");
      run = &*found;
      ++run->updates;
    } else {
      problems.push_back("unexpected request " + record.method + " " + record.path);
      return github_error(404, "Not Found");
    }
    static const std::set<std::string> statuses = {"queued", "in_progress", "completed"};
    static const std::set<std::string> conclusions = {"action_required", "cancelled", "failure", "neutral", "success", "skipped", "stale", "timed_out"};
    GitHubCheckRun next = *run;
    if (auto v = text("status")) next.status = *v;
    if (auto v = text("conclusion")) next.conclusion = *v;
    if (auto v = text("external_id")) next.external_id = *v;
    if (auto v = text("details_url")) next.details_url = *v;
    if (const json::value* output = object ? object->if_contains("output") : nullptr) {
      const json::object* o = output->if_object();
      const json::value* title = o ? o->if_contains("title") : nullptr;
      const json::value* summary = o ? o->if_contains("summary") : nullptr;
      if (!title || !title->is_string() || !summary || !summary->is_string() || summary->as_string().size() > 65535) {
        problems.push_back("check run output without a title and a summary of at most 65535 characters");
        return github_error(422, "Validation Failed");
      }
      next.title = std::string(title->as_string());
      next.summary = std::string(summary->as_string());
    }
    if (!statuses.contains(next.status) || (next.status == "completed") != !next.conclusion.empty() ||
        (!next.conclusion.empty() && !conclusions.contains(next.conclusion))) {
      problems.push_back("check run with a status and conclusion GitHub refuses: " + record.body);
      return github_error(422, "Validation Failed");
    }
    if (id == 0) {
      next.id = next_check_run_id++;
      check_runs.push_back(next);
      return http::json_response(201, json::serialize(check_run_json(next)));
    }
    *run = next;
    return http::json_response(200, json::serialize(check_run_json(next)));
  }

  http::Response issue_token(const GitHubRequest& record, const std::string& installation, const std::string& authorization) {
    if (record.method != "POST" || installation != app_installation || !authorization.starts_with("Bearer ")) {
      return github_error(401, "A JSON web token could not be decoded");
    }
    const std::string claims_text = verify_jwt(authorization.substr(7), app_public_key);
    if (claims_text.empty()) {
      problems.push_back("installation token asked with a JWT that does not verify");
      return github_error(401, "A JSON web token could not be decoded");
    }
    const json::value claims = json::parse(claims_text);
    const auto now = std::chrono::system_clock::now().time_since_epoch() / std::chrono::seconds(1);
    const std::int64_t iat = claims.at("iat").as_int64();
    const std::int64_t exp = claims.at("exp").as_int64();
    if (std::string(claims.at("iss").as_string()) != app_id || iat > now || exp <= now || exp - iat > 600) {
      problems.push_back("JWT with wrong claims: " + claims_text);
      return github_error(401, "'Expiration time' claim ('exp') is too far in the future");
    }
    const std::string token = "ghs_installation" + std::to_string(++tokens_issued);
    tokens.insert(token);
    const auto expires = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now()) + token_lifetime;
    return http::json_response(201, json::serialize(json::object{{"token", token}, {"expires_at", util::iso8601(expires)}}));
  }

  // Keeps a new comment and delivers it to the hooks that cover its repository.
  const GitHubComment& store_comment(GitHubComment comment) {
    comment.created_at = github_time();
    comments.push_back(std::move(comment));
    const GitHubComment& added = comments.back();
    const bool pull = pulls.contains({added.repository, added.issue_number});
    json::object issue{{"number", added.issue_number}};
    if (pull) issue["pull_request"] = json::object{{"url", api_root + "/repos/" + added.repository + "/pulls/" + std::to_string(added.issue_number)}};
    const json::object payload{{"action", "created"},
                               {"issue", issue},
                               {"comment", comment_json(added)},
                               {"repository", json::object{{"full_name", added.repository}}},
                               {"sender", comment_json(added).at("user")}};
    for (const Hook& hook : hooks) {
      if (hook.repository.empty() || hook.repository == added.repository) {
        outgoing.push_back({GitHubHookDelivery{0, hook.id, "guid-" + std::to_string(++next_guid), "issue_comment", "created", 0, "", "", false},
                            json::serialize(payload), added.repository});
      }
    }
    wake.notify_all();
    return added;
  }

  // The sender: one delivery at a time, as GitHub's are independent of the API's answers.
  void send_deliveries() {
    std::unique_lock lock(mutex);
    while (true) {
      wake.wait(lock, [this] { return stopping || !outgoing.empty(); });
      if (stopping) return;
      StoredHookDelivery next = std::move(outgoing.front());
      outgoing.pop_front();
      const auto hook = std::find_if(hooks.begin(), hooks.end(), [&](const Hook& h) { return h.id == next.record.hook_id; });
      if (hook == hooks.end()) continue;
      const Hook target = *hook;
      lock.unlock();
      int status_code = 0;
      std::string status = "failed to connect to host";
      try {
        static const std::regex url_shape("http://([^:/]+):([0-9]+)(/.*)");
        std::smatch parts;
        if (!std::regex_match(target.url, parts, url_shape)) throw std::runtime_error("unsupported hook URL");
        testkit::HttpClient client(parts[1], static_cast<std::uint16_t>(std::stoi(parts[2])));
        auto headers = testkit::github_headers(next.record.event, next.record.guid, target.secret, next.payload);
        std::erase_if(headers, [](const auto& header) { return header.first == "X-GitHub-Hook-ID"; });
        headers.emplace_back("X-GitHub-Hook-ID", std::to_string(target.id));
        headers.emplace_back("X-GitHub-Hook-Installation-Target-Type", target.repository.empty() ? "integration" : "repository");
        headers.emplace_back("X-GitHub-Hook-Installation-Target-ID", "1");
        const HttpResult answer = client.request("POST", parts[3], headers, next.payload);
        status_code = answer.status;
        status = status_code >= 200 && status_code < 300 ? "OK" : "Invalid HTTP Response: " + std::to_string(status_code);
      } catch (const std::exception&) {
      }
      lock.lock();
      next.record.id = next_delivery_id++;
      next.record.status_code = status_code;
      next.record.status = status;
      next.record.delivered_at = github_time();
      delivered.push_back(std::move(next));
    }
  }

  json::object delivery_json(const GitHubHookDelivery& d) const {
    return {{"id", d.id},         {"guid", d.guid},         {"delivered_at", d.delivered_at}, {"redelivery", d.redelivery},
            {"duration", 0.05},   {"status", d.status},     {"status_code", d.status_code},   {"event", d.event},
            {"action", d.action}, {"installation_id", nullptr}, {"repository_id", 1}};
  }

  http::Response list_hooks(const std::string& repository) const {
    json::array entries;
    for (const Hook& hook : hooks) {
      if (hook.repository != repository) continue;
      entries.push_back(json::object{{"id", hook.id}, {"type", "Repository"}, {"name", "web"}, {"active", true},
                                     {"events", json::array{"push", "create", "issue_comment"}},
                                     {"config", json::object{{"url", hook.url}, {"content_type", "json"}, {"insecure_ssl", "0"}}}});
    }
    return http::json_response(200, json::serialize(entries));
  }

  // GET <prefix> (newest first, paged by cursor) and POST <prefix>/<id>/attempts.
  http::Response hook_route(const GitHubRequest& record, const std::string& repository, const std::string& prefix) {
    auto covered = [&](const StoredHookDelivery& d) {
      const auto hook = std::find_if(hooks.begin(), hooks.end(), [&](const Hook& h) { return h.id == d.record.hook_id; });
      if (hook == hooks.end()) return false;
      return repository.empty() ? hook->repository.empty() : hook->repository == repository && prefix.find("/hooks/" + std::to_string(hook->id) + "/") != std::string::npos;
    };
    if (record.method == "GET" && record.path == prefix) {
      std::smatch match;
      static const std::regex per_page_param("(^|&)per_page=([0-9]+)");
      static const std::regex cursor_param("(^|&)cursor=([0-9]+)");
      const std::size_t per_page = std::regex_search(record.query, match, per_page_param) ? std::stoul(match[2]) : 30;
      const std::size_t skip = std::regex_search(record.query, match, cursor_param) ? std::stoul(match[2]) : 0;
      std::vector<const StoredHookDelivery*> listed;
      for (auto d = delivered.rbegin(); d != delivered.rend(); ++d) {
        if (covered(*d)) listed.push_back(&*d);
      }
      json::array entries;
      for (std::size_t i = skip; i < listed.size() && i < skip + per_page; ++i) entries.push_back(delivery_json(listed[i]->record));
      http::Response response = http::json_response(200, json::serialize(entries));
      if (skip + per_page < listed.size()) {
        response.headers.emplace_back("Link", "<" + api_root + prefix + "?per_page=" + std::to_string(per_page) + "&cursor=" +
                                                  std::to_string(skip + per_page) + ">; rel=\"next\"");
      }
      return response;
    }
    static const std::regex attempt_route("/([0-9]+)/attempts");
    std::smatch match;
    const std::string rest = record.path.substr(std::min(prefix.size(), record.path.size()));
    if (record.method == "POST" && record.path.starts_with(prefix) && std::regex_match(rest, match, attempt_route)) {
      const std::int64_t id = std::stoll(match[1]);
      const auto found = std::find_if(delivered.begin(), delivered.end(),
                                      [&](const StoredHookDelivery& d) { return d.record.id == id && covered(d); });
      if (found == delivered.end()) return github_error(404, "Not Found");
      StoredHookDelivery again = *found;
      again.record.redelivery = true;
      outgoing.push_back(std::move(again));
      redelivery_requests.push_back(found->record.guid);
      wake.notify_all();
      return http::json_response(202, "{}");
    }
    problems.push_back("unexpected request " + record.method + " " + record.path);
    return github_error(404, "Not Found");
  }

  http::Response list_repository_comments(const std::string& repository, const std::string& query) {
    std::smatch match;
    static const std::regex since_param("(^|&)since=([^&]+)");
    static const std::regex page_param("(^|&)page=([0-9]+)");
    static const std::regex per_page_param("(^|&)per_page=([0-9]+)");
    std::optional<std::chrono::sys_seconds> since;
    if (std::regex_search(query, match, since_param)) {
      since = util::parse_iso8601(match[2].str());
      if (!since) return github_error(422, "Validation Failed: since is not an ISO 8601 time");
    }
    const int page = std::regex_search(query, match, page_param) ? std::stoi(match[2]) : 1;
    const std::size_t per_page = std::regex_search(query, match, per_page_param) ? std::stoul(match[2]) : 30;
    std::vector<const GitHubComment*> listed;
    for (const GitHubComment& comment : comments) {
      if (comment.repository != repository) continue;
      if (since && *util::parse_iso8601(comment.created_at) < *since) continue;  // never edited: updated = created
      listed.push_back(&comment);
    }
    json::array entries;
    const std::size_t first = static_cast<std::size_t>(page - 1) * per_page;
    for (std::size_t i = first; i < listed.size() && i < first + per_page; ++i) entries.push_back(comment_json(*listed[i]));
    http::Response response = http::json_response(200, json::serialize(entries));
    if (first + per_page < listed.size()) {
      response.headers.emplace_back("Link", "<" + api_root + "/repos/" + repository + "/issues/comments?" + query_without_page(query) +
                                                "&page=" + std::to_string(page + 1) + ">; rel=\"next\"");
    }
    return response;
  }

  static std::string query_without_page(const std::string& query) {
    static const std::regex page_param("(^|&)page=[0-9]+");
    std::string rest = std::regex_replace(query, page_param, "");
    return rest.starts_with("&") ? rest.substr(1) : rest;
  }

  json::object comment_json(const GitHubComment& comment) const {
    const bool pull = pulls.contains({comment.repository, comment.issue_number});
    return {{"id", comment.id},
            {"body", comment.body},
            {"html_url", "https://github.com/" + comment.repository + (pull ? "/pull/" : "/issues/") +
                             std::to_string(comment.issue_number) + "#issuecomment-" + std::to_string(comment.id)},
            {"issue_url", api_root + "/repos/" + comment.repository + "/issues/" + std::to_string(comment.issue_number)},
            {"created_at", comment.created_at},
            {"updated_at", comment.created_at},
            {"user", json::object{{"login", comment.author}, {"type", comment.app_id.empty() ? "User" : "Bot"}}},
            {"performed_via_github_app",
             comment.app_id.empty() ? json::value(nullptr) : json::value(json::object{{"id", std::stoll(comment.app_id)}, {"slug", "calico-release-bot"}})}};
  }

  http::Response list_comments(const std::string& repository, std::int64_t issue, const std::string& query) {
    int page = 1;
    std::smatch match;
    static const std::regex page_param("(^|&)page=([0-9]+)");
    if (std::regex_search(query, match, page_param)) page = std::stoi(match[2]);
    std::vector<const GitHubComment*> on_issue;
    for (const GitHubComment& comment : comments) {
      if (comment.repository == repository && comment.issue_number == issue) on_issue.push_back(&comment);
    }
    json::array entries;
    const std::size_t first = static_cast<std::size_t>(page - 1) * static_cast<std::size_t>(page_size);
    for (std::size_t i = first; i < on_issue.size() && i < first + static_cast<std::size_t>(page_size); ++i) {
      entries.push_back(comment_json(*on_issue[i]));
    }
    http::Response response = http::json_response(200, json::serialize(entries));
    if (first + static_cast<std::size_t>(page_size) < on_issue.size()) {
      response.headers.emplace_back("Link", "<" + api_root + "/repos/" + repository + "/issues/" + std::to_string(issue) +
                                                "/comments?per_page=" + std::to_string(page_size) + "&page=" +
                                                std::to_string(page + 1) + ">; rel=\"next\"");
    }
    return response;
  }

  mutable std::mutex mutex;
  std::string api_root;
  std::vector<Scripted> scripted;
  struct Limit {
    http::Response response;
    std::chrono::system_clock::time_point until;
    std::string what;
    bool met = false;  // a request has been refused by it
  };
  std::optional<Limit> limit;  // in force: every request until `until` is refused
  FakeGitHub::Clock clock = [] { return std::chrono::system_clock::now(); };
  std::chrono::milliseconds delay{0};
  std::set<std::string> tokens;
  std::map<std::string, std::string> token_logins;  // personal tokens' accounts
  std::map<std::string, std::string> moved;          // renamed repositories: old → new
  std::string app_id, app_installation, app_public_key;
  std::chrono::seconds token_lifetime{3600};
  int tokens_issued = 0;
  std::map<std::pair<std::string, std::string>, std::string> permissions;
  std::map<std::pair<std::string, std::int64_t>, std::string> pulls;
  std::vector<GitHubComment> comments;
  std::int64_t next_comment_id = 1000;
  int page_size = 30;
  std::vector<GitHubStatus> statuses;
  std::vector<GitHubReaction> reactions;
  std::vector<GitHubRequest> recorded;
  std::vector<std::string> problems;
  std::vector<GitHubCheckRun> check_runs;
  std::int64_t next_check_run_id = 7000;
  std::vector<GitHubDeployment> deployments;
  std::int64_t next_deployment_id = 30000;
  long status_limit = 1000;
  std::vector<Hook> hooks;
  std::int64_t next_hook_id = 500;
  bool hook_reads_denied = false;
  std::deque<StoredHookDelivery> outgoing;
  std::vector<StoredHookDelivery> delivered;
  std::vector<std::string> redelivery_requests;
  std::int64_t next_delivery_id = 90000;
  int next_guid = 0;
  bool stopping = false;
  std::condition_variable wake;
  std::thread sender;  // last: started once everything it uses exists
};

FakeGitHub::FakeGitHub() : handler_(std::make_unique<Handler>()), server_(std::make_unique<LoopbackServer>(*handler_)) {
  api_root_ = "http://127.0.0.1:" + std::to_string(server_->port());
  std::lock_guard lock(handler_->mutex);
  handler_->api_root = api_root_;
}

FakeGitHub::~FakeGitHub() { server_.reset(); }

std::string FakeGitHub::api_root() const { return api_root_; }

void FakeGitHub::accept_token(const std::string& token, const std::string& login) {
  std::lock_guard lock(handler_->mutex);
  handler_->tokens.insert(token);
  handler_->token_logins[token] = login;
}

void FakeGitHub::set_app(const std::string& app_id, const std::string& installation_id, const std::string& public_key_pem,
                         std::chrono::seconds token_lifetime) {
  std::lock_guard lock(handler_->mutex);
  handler_->app_id = app_id;
  handler_->app_installation = installation_id;
  handler_->app_public_key = public_key_pem;
  handler_->token_lifetime = token_lifetime;
}

int FakeGitHub::installation_tokens_issued() const {
  std::lock_guard lock(handler_->mutex);
  return handler_->tokens_issued;
}

void FakeGitHub::set_permission(const std::string& repository, const std::string& login, const std::string& permission) {
  std::lock_guard lock(handler_->mutex);
  handler_->permissions[{repository, login}] = permission;
}

void FakeGitHub::set_pull(const std::string& repository, std::int64_t number, const std::string& head_sha) {
  std::lock_guard lock(handler_->mutex);
  handler_->pulls[{repository, number}] = head_sha;
}

void FakeGitHub::move_repository(const std::string& from, const std::string& to) {
  std::lock_guard lock(handler_->mutex);
  handler_->moved[from] = to;
}

void FakeGitHub::add_comment(const std::string& repository, std::int64_t issue_number, const std::string& body,
                             const std::string& author, const std::string& app_id) {
  std::lock_guard lock(handler_->mutex);
  handler_->store_comment({handler_->next_comment_id++, repository, issue_number, body, author, app_id});
}

std::int64_t FakeGitHub::post_comment(const std::string& repository, std::int64_t issue_number, const std::string& body,
                                      const std::string& author) {
  std::lock_guard lock(handler_->mutex);
  return handler_->store_comment({handler_->next_comment_id++, repository, issue_number, body, author}).id;
}

std::int64_t FakeGitHub::add_hook(const std::string& repository, const std::string& url, const std::string& secret) {
  std::lock_guard lock(handler_->mutex);
  handler_->hooks.push_back({handler_->next_hook_id++, repository, url, secret});
  return handler_->hooks.back().id;
}

void FakeGitHub::deny_hook_reads() {
  std::lock_guard lock(handler_->mutex);
  handler_->hook_reads_denied = true;
}

std::vector<GitHubHookDelivery> FakeGitHub::hook_deliveries() const {
  std::lock_guard lock(handler_->mutex);
  std::vector<GitHubHookDelivery> records;
  for (const auto& d : handler_->delivered) records.push_back(d.record);
  return records;
}

void FakeGitHub::delete_comment(std::int64_t id) {
  std::lock_guard lock(handler_->mutex);
  std::erase_if(handler_->comments, [&](const GitHubComment& c) { return c.id == id; });
}

void FakeGitHub::set_comments_page_size(int size) {
  std::lock_guard lock(handler_->mutex);
  handler_->page_size = size;
}

void FakeGitHub::fail_next(int count, int status) {
  std::lock_guard lock(handler_->mutex);
  handler_->scripted.push_back({count, github_error(status, "Server Error")});
}

void FakeGitHub::set_clock(Clock clock) {
  std::lock_guard lock(handler_->mutex);
  handler_->clock = std::move(clock);
}

void FakeGitHub::secondary_limit(std::optional<int> retry_after_seconds) {
  http::Response response = github_error(403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.");
  if (retry_after_seconds) response.headers.emplace_back("retry-after", std::to_string(*retry_after_seconds));
  std::lock_guard lock(handler_->mutex);
  // Without a retry-after GitHub does not say how long; a minute is what its documentation
  // tells integrations to wait at least.
  handler_->limit = Handler::Limit{response, handler_->clock() + std::chrono::seconds(retry_after_seconds.value_or(60)),
                                   "secondary rate limit"};
}

void FakeGitHub::primary_limit(std::chrono::seconds resets_in) {
  std::lock_guard lock(handler_->mutex);
  const auto reset = std::chrono::ceil<std::chrono::seconds>(handler_->clock() + resets_in);
  http::Response response = github_error(403, "API rate limit exceeded for installation ID 1.");
  response.headers.emplace_back("x-ratelimit-limit", "5000");
  response.headers.emplace_back("x-ratelimit-remaining", "0");
  response.headers.emplace_back("x-ratelimit-used", "5000");
  response.headers.emplace_back("x-ratelimit-reset", std::to_string(reset.time_since_epoch().count()));
  handler_->limit = Handler::Limit{response, reset, "primary rate limit"};
}

void FakeGitHub::delay_answers(std::chrono::milliseconds delay) {
  std::lock_guard lock(handler_->mutex);
  handler_->delay = delay;
}

std::vector<GitHubRequest> FakeGitHub::requests() const {
  std::lock_guard lock(handler_->mutex);
  return handler_->recorded;
}

std::vector<GitHubComment> FakeGitHub::comments() const {
  std::lock_guard lock(handler_->mutex);
  return handler_->comments;
}

std::vector<GitHubStatus> FakeGitHub::statuses() const {
  std::lock_guard lock(handler_->mutex);
  return handler_->statuses;
}

std::vector<GitHubReaction> FakeGitHub::reactions() const {
  std::lock_guard lock(handler_->mutex);
  return handler_->reactions;
}

std::map<std::string, GitHubStatus> FakeGitHub::latest_statuses(const std::string& repository, const std::string& sha) const {
  std::lock_guard lock(handler_->mutex);
  std::map<std::string, GitHubStatus> latest;
  for (const GitHubStatus& status : handler_->statuses) {
    if (status.repository == repository && status.sha == sha) latest[status.context] = status;  // newest wins
  }
  return latest;
}

void FakeGitHub::set_status_limit(long limit) {
  std::lock_guard lock(handler_->mutex);
  handler_->status_limit = limit;
}

std::vector<GitHubCheckRun> FakeGitHub::check_runs() const {
  std::lock_guard lock(handler_->mutex);
  return handler_->check_runs;
}

std::vector<GitHubDeployment> FakeGitHub::deployments() const {
  std::lock_guard lock(handler_->mutex);
  return handler_->deployments;
}

std::vector<std::string> FakeGitHub::take_problems() {
  std::lock_guard lock(handler_->mutex);
  return std::exchange(handler_->problems, {});
}

std::vector<std::string> FakeGitHub::problems() const {
  std::lock_guard lock(handler_->mutex);
  return handler_->problems;
}

RsaKeyPair generate_rsa_key() {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  RsaKeyPair pair;
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long length = BIO_get_mem_data(out, &data);
  pair.private_pem.assign(data, static_cast<std::size_t>(length));
  BIO_free(out);
  out = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(out, key);
  length = BIO_get_mem_data(out, &data);
  pair.public_pem.assign(data, static_cast<std::size_t>(length));
  BIO_free(out);
  EVP_PKEY_free(key);
  return pair;
}

const RsaKeyPair& test_rsa_key() {
  static const RsaKeyPair pair = generate_rsa_key();
  return pair;
}

std::string verify_jwt(const std::string& jwt, const std::string& public_key_pem) {
  const auto first = jwt.find('.');
  const auto second = jwt.find('.', first == std::string::npos ? 0 : first + 1);
  if (first == std::string::npos || second == std::string::npos) return {};
  try {
    const std::string header = github::base64url_decode(std::string_view(jwt).substr(0, first));
    if (json::parse(header).at("alg").as_string() != "RS256") return {};
    const std::string claims = github::base64url_decode(std::string_view(jwt).substr(first + 1, second - first - 1));
    const std::string signature = github::base64url_decode(std::string_view(jwt).substr(second + 1));
    BIO* bio = BIO_new_mem_buf(public_key_pem.data(), static_cast<int>(public_key_pem.size()));
    EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!key) return {};
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    const std::string signed_part = jwt.substr(0, second);
    const bool ok = EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
                    EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                     reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size()) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(key);
    return ok ? claims : std::string();
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace calico::testkit
