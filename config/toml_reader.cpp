#include "config/toml_reader.hpp"

#include <regex>
#include <sstream>

namespace calico::config {

void throw_config_error(const std::filesystem::path& origin, std::uint32_t line, std::string_view key,
                        const std::string& message) {
  std::ostringstream out;
  out << origin.string();
  if (line > 0) out << ':' << line;
  out << ": ";
  if (!key.empty()) out << key << ": ";
  out << message;
  throw ConfigError(out.str());
}

SecretSource TableReader::secret(std::string_view key) {
  const toml::node* node = take(key);
  SecretSource source;
  if (!node) return source;
  if (!node->is_table()) {
    fail(*node, key,
         "a secret may not be written in the configuration; use { env = \"VARIABLE\" } or "
         "{ file = \"path\" }");
  }
  source.declared_at = origin_.string() + ":" + std::to_string(node->source().begin.line);
  TableReader inner(*node->as_table(), qualified(key), origin_);
  std::optional<std::string> env = inner.string("env");
  std::optional<std::string> file = inner.string("file");
  inner.finish();
  if (env.has_value() == file.has_value()) {
    fail(*node, key, "give exactly one of env = \"VARIABLE\" or file = \"path\"");
  }
  if (env) {
    static const std::regex env_name("[A-Za-z_][A-Za-z0-9_]*");
    if (!std::regex_match(*env, env_name)) fail(*node, key, "\"" + *env + "\" is not an environment variable name");
    source.kind = SecretSource::Kind::env;
    source.env = *env;
  } else {
    if (file->empty()) fail(*node, key, "file must not be empty");
    source.kind = SecretSource::Kind::file;
    source.file = resolve(*file);
  }
  return source;
}

}  // namespace calico::config
