#pragma once

#include <filesystem>
#include <string_view>

#include "config/config.hpp"
#include "config/error.hpp"

namespace calico::config {

// Loads and validates a configuration file. Relative paths inside it (the store, secret files)
// are resolved against the file's own directory. Throws ConfigError.
Config load_config(const std::filesystem::path& file);

// Same, from text already in memory; `origin` names it in errors and anchors relative paths.
Config parse_config(std::string_view toml_text, const std::filesystem::path& origin);

}  // namespace calico::config
