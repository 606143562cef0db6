#include "builders/exec/process_identity.hpp"

#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace calico::builders::exec {

namespace {

struct StatFields {
  pid_t group = 0;
  std::uint64_t start_ticks = 0;
};

// /proc/<pid>/stat: "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses, so the
// fields are counted from the last ')'.
std::optional<StatFields> read_stat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  const std::size_t close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 1));
  std::vector<std::string> after;  // field 3 onwards
  for (std::string field; fields >> field;) after.push_back(field);
  if (after.size() < 20) return std::nullopt;
  StatFields stat;
  stat.group = static_cast<pid_t>(std::stol(after[2]));        // field 5
  stat.start_ticks = std::stoull(after[19]);                   // field 22
  return stat;
}

}  // namespace

std::string ProcessIdentity::to_text() const { return std::to_string(pid) + " " + std::to_string(start_ticks); }

std::optional<ProcessIdentity> ProcessIdentity::parse(const std::string& text) {
  std::istringstream in(text);
  long long pid = 0;
  unsigned long long start = 0;
  if (!(in >> pid >> start) || pid <= 0) return std::nullopt;
  return ProcessIdentity{static_cast<pid_t>(pid), start};
}

bool ProcessIdentity::alive() const {
  const std::optional<ProcessIdentity> now = identity_of(pid);
  return now && now->start_ticks == start_ticks;
}

ProcessIdentity self_identity() {
  static const ProcessIdentity self = identity_of(::getpid()).value_or(ProcessIdentity{::getpid(), 0});
  return self;
}

std::optional<ProcessIdentity> identity_of(pid_t pid) {
  const std::optional<StatFields> stat = read_stat(pid);
  if (!stat) return std::nullopt;
  return ProcessIdentity{pid, stat->start_ticks};
}

std::vector<pid_t> group_members(pid_t group, std::uint64_t not_before) {
  std::vector<pid_t> members;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    pid_t pid = 0;
    if (std::from_chars(name.data(), name.data() + name.size(), pid).ec != std::errc{} || pid <= 0) continue;
    const std::optional<StatFields> stat = read_stat(pid);
    if (stat && stat->group == group && stat->start_ticks >= not_before) members.push_back(pid);
  }
  return members;
}

}  // namespace calico::builders::exec
