#pragma once

#include <stdexcept>
#include <string>

namespace calico::config {

// A configuration problem. The message names the file, the line where known, and the key:
//   "config/bot.toml:12: server.port: expected an integer in 1..65535, got 70000"
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace calico::config
