// The generic half of the configuration loader: one TOML table read key by key, typed, with every
// error in one shape — "<file>:<line>: <key>: <what is wrong>" — and every key not consumed
// refused. The section readers (loader.cpp) say which keys there are. toml++ is a heavy header:
// only the loader's two files include this one.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include <toml++/toml.h>

#include "config/config.hpp"
#include "config/error.hpp"

namespace calico::config {

// Throws ConfigError "<origin>[:<line>]: <key>: <message>" (no line when 0; no key when empty).
[[noreturn]] void throw_config_error(const std::filesystem::path& origin, std::uint32_t line, std::string_view key,
                                     const std::string& message);

// Reads one TOML table, remembering which keys it consumed so that anything left over (a typo,
// a key from a newer version) is refused instead of silently ignored.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string prefix, const std::filesystem::path& origin)
      : table_(table), prefix_(std::move(prefix)), origin_(origin) {}

  std::optional<std::string> string(std::string_view key) {
    const toml::node* node = take(key);
    if (!node) return std::nullopt;
    if (!node->is_string()) fail(*node, key, "expected a string, got " + type_name(*node));
    return node->value<std::string>();
  }

  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max) {
    const toml::node* node = take(key);
    if (!node) return std::nullopt;
    if (!node->is_integer()) fail(*node, key, "expected an integer, got " + type_name(*node));
    const std::int64_t value = *node->value<std::int64_t>();
    if (value < min || value > max) {
      fail(*node, key, "expected an integer in " + std::to_string(min) + ".." + std::to_string(max) +
                           ", got " + std::to_string(value));
    }
    return value;
  }

  std::optional<bool> boolean(std::string_view key) {
    const toml::node* node = take(key);
    if (!node) return std::nullopt;
    if (!node->is_boolean()) fail(*node, key, "expected true or false, got " + type_name(*node));
    return node->value<bool>();
  }

  // One of `choices`, e.g. log.level.
  std::optional<std::string> choice(std::string_view key, std::initializer_list<std::string_view> choices) {
    const toml::node* node = peek(key);
    std::optional<std::string> value = string(key);
    if (!value) return std::nullopt;
    if (std::find(choices.begin(), choices.end(), *value) == choices.end()) {
      std::string list;
      for (std::string_view c : choices) list += (list.empty() ? "" : ", ") + std::string(c);
      fail(*node, key, "expected one of " + list + ", got \"" + *value + "\"");
    }
    return value;
  }

  const toml::table* table(std::string_view key) {
    const toml::node* node = take(key);
    if (!node) return nullptr;
    if (!node->is_table()) fail(*node, key, "expected a table, got " + type_name(*node));
    return node->as_table();
  }

  const toml::array* array(std::string_view key) {
    const toml::node* node = take(key);
    if (!node) return nullptr;
    if (!node->is_array()) fail(*node, key, "expected an array, got " + type_name(*node));
    return node->as_array();
  }

  // Secrets are tables { env = "VAR" } or { file = "path" }; a plain string would put the secret
  // itself in the file, which is refused without echoing it.
  SecretSource secret(std::string_view key);

  std::filesystem::path resolve(const std::string& path) const {
    std::filesystem::path p(path);
    if (p.is_relative()) p = origin_.parent_path() / p;
    return p.lexically_normal();
  }

  void finish() const {
    for (auto&& [key, node] : table_) {
      if (!consumed_.count(std::string(key.str()))) {
        fail(node, key.str(), "unknown key (see config/bot.example.toml for the keys there are)");
      }
    }
  }

  [[noreturn]] void fail(const toml::node& node, std::string_view key, const std::string& message) const {
    throw_at(node.source().begin.line, qualified(key), message);
  }

  [[noreturn]] void throw_at(std::uint32_t line, const std::string& key, const std::string& message) const {
    throw_config_error(origin_, line, key, message);
  }

  std::string qualified(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }

  std::uint32_t line() const { return table_.source().begin.line; }
  const std::filesystem::path& origin() const { return origin_; }

  // The line of `key` where it is present, else the table's own line.
  std::uint32_t line_of(std::string_view key) const {
    const toml::node* node = table_.get(key);
    return node ? node->source().begin.line : line();
  }

 private:
  const toml::node* peek(std::string_view key) const { return table_.get(key); }

  const toml::node* take(std::string_view key) {
    consumed_.insert(std::string(key));
    return table_.get(key);
  }

  static std::string type_name(const toml::node& node) {
    switch (node.type()) {
      case toml::node_type::string: return "a string";
      case toml::node_type::integer: return "an integer";
      case toml::node_type::floating_point: return "a number with a fraction";
      case toml::node_type::boolean: return "a boolean";
      case toml::node_type::table: return "a table";
      case toml::node_type::array: return "an array";
      default: return "a date or time";
    }
  }

  const toml::table& table_;
  std::string prefix_;
  const std::filesystem::path& origin_;
  std::set<std::string> consumed_;
};

}  // namespace calico::config
