#include "config/config.hpp"

#include <algorithm>
#include <cctype>

namespace calico::config {

namespace {
bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}
}  // namespace

const RepositoryConfig* Config::find_repository(std::string_view full_name) const {
  for (const RepositoryConfig& repo : repositories) {
    if (iequals(repo.github, full_name)) return &repo;
  }
  return nullptr;
}

std::string_view to_string(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

std::string_view to_string(LogFormat format) { return format == LogFormat::json ? "json" : "logfmt"; }

}  // namespace calico::config
