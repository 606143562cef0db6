#include "builders/files.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <fstream>
#include <sstream>

namespace calico::builders {

std::optional<std::string> read_whole_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

bool replace_file(const std::filesystem::path& file, std::string_view text, FileAccess access) {
  const std::filesystem::path temporary = file.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (access == FileAccess::owner_only) {
      std::error_code error;
      std::filesystem::permissions(temporary, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, error);
      if (error) return false;
    }
    out << text;
    if (!out) return false;
  }
  std::error_code error;
  std::filesystem::rename(temporary, file, error);
  return !error;
}

void append_to_file(const std::filesystem::path& file, std::string_view text) {
  // Logs are created 0640: a job's log may quote what a build printed, never for every local user.
  const int fd = ::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return;
  const char* at = text.data();
  std::size_t left = text.size();
  while (left > 0) {
    const ssize_t written = ::write(fd, at, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      break;
    }
    at += written;
    left -= static_cast<std::size_t>(written);
  }
  ::close(fd);
}

std::string file_error(std::string_view verb, const std::filesystem::path& file) {
  std::string message = "cannot " + std::string(verb) + " " + file.string();
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(file, error);
  if (verb == "read" && !std::filesystem::exists(status)) return message + ": it does not exist";
  if (std::filesystem::is_directory(status)) return message + ": it is a directory";
  if (verb == "write" && !std::filesystem::is_directory(file.parent_path(), error)) {
    return message + ": " + file.parent_path().string() + " is not a directory";
  }
  return message;
}

}  // namespace calico::builders
