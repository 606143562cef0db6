#include "bot/github/own_account.hpp"

#include <stdexcept>

#include <boost/algorithm/string/predicate.hpp>
#include <boost/json/parse.hpp>

#include "bot/log/log.hpp"

namespace calico::github {

namespace json = boost::json;

namespace {

std::string string_at(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(key);
  return value && value->is_string() ? std::string(value->as_string()) : std::string();
}

}  // namespace

const std::string& OwnAccount::login() {
  if (login_) return *login_;
  if (!config_.bot_login.empty() || !client_ || !config_.app_id.empty()) return *(login_ = config_.bot_login);
  const http::ClientResponse response = client_->call("GET", "/user");
  if (response.status == 403 || response.status == 404) return *(login_ = std::string());  // not a user's token
  if (response.status != 200) {
    throw std::runtime_error("GitHub answered HTTP " + std::to_string(response.status) + " for the bot's own account (/user)");
  }
  const json::value parsed = json::parse(response.body);
  const std::string found = parsed.is_object() ? string_at(parsed.as_object(), "login") : std::string();
  if (found.empty()) throw std::runtime_error("GitHub's /user answer has no login");
  log::info("github.own_login", {{"login", found}});
  return *(login_ = found);
}

bool OwnAccount::is(const std::string& author) {
  const std::string& own = login();
  return !own.empty() && boost::algorithm::iequals(author, own);
}

bool OwnAccount::wrote(const json::object& comment) {
  if (!config_.app_id.empty()) {
    const json::value* app = comment.if_contains("performed_via_github_app");
    const json::value* id = app && app->is_object() ? app->as_object().if_contains("id") : nullptr;
    return id && ((id->is_int64() && std::to_string(id->as_int64()) == config_.app_id) ||
                  (id->is_string() && std::string(id->as_string()) == config_.app_id));
  }
  const json::value* user = comment.if_contains("user");
  return is(user && user->is_object() ? string_at(user->as_object(), "login") : std::string());
}

}  // namespace calico::github
