// Who the bot is on GitHub, so that it never obeys itself and never takes someone else's comment
// for its own: github.bot_login, else the token's account (GET /user, asked once; a token's
// account is a plain User); as a GitHub App, comments it wrote name the App
// (performed_via_github_app.id = github.app_id).
#pragma once

#include <optional>
#include <string>

#include <boost/json/object.hpp>

#include "bot/github/client.hpp"
#include "config/config.hpp"

namespace calico::github {

class OwnAccount {
 public:
  // `client` may be null: then only github.bot_login is known.
  OwnAccount(const config::GitHubConfig& config, Client* client) : config_(config), client_(client) {}

  // The login, or "" when running as an App (its comments come from a Bot account) or unknown.
  // Throws when GitHub could not be asked (the caller tries again later).
  const std::string& login();

  // True when `author` is the bot's own login (GitHub logins compare without case).
  bool is(const std::string& author);

  // True when `comment` (a GitHub issue comment object) was written by the bot.
  bool wrote(const boost::json::object& comment);

 private:
  const config::GitHubConfig& config_;
  Client* client_;
  std::optional<std::string> login_;
};

}  // namespace calico::github
