// Small real git repositories for tests, made with the git command line (argv vectors), with
// fixed author and commit dates so that commit ids and versions are reproducible.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace calico::testkit {

class GitFixture {
 public:
  // Creates an empty repository (branch master) at `path`.
  explicit GitFixture(std::filesystem::path path);

  // Writes `content` to `file` (relative to the repository) and commits it; returns the sha.
  std::string commit(const std::string& file, const std::string& content, const std::string& message);
  void tag(const std::string& name, bool annotated = true);
  void branch(const std::string& name);
  void delete_branch(const std::string& name);
  void checkout(const std::string& name);
  std::string head() const;
  const std::filesystem::path& path() const { return path_; }
  // Runs git in the repository (with the fixture's clock) and returns what it printed.
  std::string git(const std::vector<std::string>& args) const;

 private:
  std::filesystem::path path_;
  int clock_ = 0;  // commit dates advance one minute per commit
};

}  // namespace calico::testkit
