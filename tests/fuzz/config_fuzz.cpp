// libFuzzer harness for the configuration loader: any text must either load or be refused with a
// ConfigError that names the file; nothing else may escape.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/loader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    calico::config::parse_config(text, "/fuzz/bot.toml");
  } catch (const calico::config::ConfigError& error) {
    if (std::string_view(error.what()).rfind("/fuzz/bot.toml", 0) != 0) __builtin_trap();
  }
  return 0;
}
