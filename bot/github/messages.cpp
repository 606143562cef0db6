#include "bot/github/messages.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdio>
#include <stdexcept>

namespace calico::github {

namespace json = boost::json;

namespace {

store::OutboxMessage make(std::string kind, std::string dedupe_key, std::string_view method, const std::string& path,
                          const json::object& body) {
  json::object payload;
  payload["method"] = method;
  payload["path"] = path;
  payload["body"] = json::serialize(body);
  return {std::move(kind), std::move(dedupe_key), json::serialize(payload)};
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
  return make("reaction", "reaction:" + repository + ":" + std::to_string(comment_id) + ":" + content, "POST",
              "/repos/" + repository + "/issues/comments/" + std::to_string(comment_id) + "/reactions", body);
}

store::OutboxMessage comment_message(const std::string& repository, std::int64_t issue_number, const std::string& body_text,
                                     const std::string& dedupe_key) {
  json::object body;
  body["body"] = body_text + "\n\n" + comment_marker(dedupe_key);
  return make("comment", dedupe_key, "POST", "/repos/" + repository + "/issues/" + std::to_string(issue_number) + "/comments",
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
  store::OutboxMessage message = make("summary", key + ":" + digest(body_text), "POST",
                                      "/repos/" + repository + "/issues/" + std::to_string(issue_number) + "/comments", body);
  message.replaces = key;
  return message;
}

Request summary_edit(const std::string& repository, std::int64_t comment_id, const std::string& body_json) {
  return {"PATCH", "/repos/" + repository + "/issues/comments/" + std::to_string(comment_id), body_json};
}

store::OutboxMessage status_message(const std::string& repository, const std::string& sha, const std::string& state,
                                    const std::string& context, const std::string& description,
                                    const std::string& target_url, const std::string& dedupe_key) {
  json::object body;
  body["state"] = state;
  body["target_url"] = target_url;
  body["description"] = truncate_characters(description, 140);
  body["context"] = context;
  store::OutboxMessage message = make("status", dedupe_key, "POST", "/repos/" + repository + "/statuses/" + sha, body);
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
