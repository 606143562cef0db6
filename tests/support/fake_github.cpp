#include "tests/support/fake_github.hpp"

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "bot/github/app_jwt.hpp"
#include "bot/util/time_format.hpp"
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

}  // namespace

class FakeGitHub::Handler : public http::Handler {
 public:
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
      comments.push_back(comment);
      return http::json_response(201, json::serialize(comment_json(comment)));
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
      statuses.push_back(status);
      return http::json_response(201, json::serialize(json::object{
                                          {"url", api_root + "/repos/" + status.repository + "/statuses/" + status.sha},
                                          {"state", status.state}, {"context", status.context}}));
    }
    problems.push_back("unexpected request " + record.method + " " + record.path);
    return github_error(404, "Not Found");
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

  json::object comment_json(const GitHubComment& comment) const {
    return {{"id", comment.id},
            {"body", comment.body},
            {"html_url", "https://github.com/" + comment.repository + "/pull/" + std::to_string(comment.issue_number) +
                             "#issuecomment-" + std::to_string(comment.id)},
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
  handler_->comments.push_back({handler_->next_comment_id++, repository, issue_number, body, author, app_id});
}

void FakeGitHub::set_comments_page_size(int size) {
  std::lock_guard lock(handler_->mutex);
  handler_->page_size = size;
}

void FakeGitHub::fail_next(int count, int status) {
  std::lock_guard lock(handler_->mutex);
  handler_->scripted.push_back({count, github_error(status, "Server Error")});
}

void FakeGitHub::secondary_limit_next(int count, int retry_after_seconds) {
  http::Response response = github_error(403, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.");
  response.headers.emplace_back("retry-after", std::to_string(retry_after_seconds));
  std::lock_guard lock(handler_->mutex);
  handler_->scripted.push_back({count, response});
}

void FakeGitHub::primary_limit_next(int count, std::chrono::seconds resets_in) {
  http::Response response = github_error(403, "API rate limit exceeded for installation ID 1.");
  const auto reset = std::chrono::system_clock::now().time_since_epoch() / std::chrono::seconds(1) + resets_in.count();
  response.headers.emplace_back("x-ratelimit-limit", "5000");
  response.headers.emplace_back("x-ratelimit-remaining", "0");
  response.headers.emplace_back("x-ratelimit-used", "5000");
  response.headers.emplace_back("x-ratelimit-reset", std::to_string(reset));
  std::lock_guard lock(handler_->mutex);
  handler_->scripted.push_back({count, response});
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
