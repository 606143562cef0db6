// Git sources through libgit2: one bare mirror per remote in a cache directory, fetched (never
// re-cloned) before each build, and exports of a resolved commit into a per-build work tree.
// Everything here blocks; callers keep it off I/O threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "builders/release_version.hpp"
#include "builders/versions.hpp"

struct git_repository;

namespace calico::builders::git {

class GitError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the version rules need to know about a commit (builders/versions.hpp).
struct CommitFacts {
  std::string sha;                        // full, 40 hex digits
  std::vector<std::string> tags_at;       // every tag pointing at exactly this commit
  std::optional<std::string> nearest_tag; // as `git describe --tags --abbrev=0` names it
  std::uint64_t commits_since = 0;        // non-merge commits since nearest_tag (`git cherry`)
  std::chrono::sys_seconds committed_at;  // committer time, UTC
  std::string subject;                    // first line of the message

  GitVersionFacts version_facts() const;
};

class Mirror {
 public:
  // The mirror of `remote_url` lives in `cache_root`/<name derived from the URL>.git.
  Mirror(const std::filesystem::path& cache_root, std::string remote_url);
  ~Mirror();
  Mirror(const Mirror&) = delete;
  Mirror& operator=(const Mirror&) = delete;

  // Creates the mirror on first use, then fetches every ref from the remote (pruning deleted
  // ones). The whole history: shallow clones made commit counts go down once.
  void fetch();

  // A branch, tag or commit id (full, or an abbreviation of at least 7 digits) → full sha.
  // Throws GitError naming what could not be found.
  std::string resolve(std::string_view checkout) const;

  CommitFacts facts(const std::string& sha) const;

  // Writes the commit's tree into `work_tree` (created; must not exist or be empty).
  void export_tree(const std::string& sha, const std::filesystem::path& work_tree) const;

  // One file of the commit's tree (a spec kept in another repository). Throws GitError.
  std::string read_file(const std::string& sha, const std::string& path) const;
  // Every file of one directory of the commit's tree, written into `target` (created).
  void export_directory(const std::string& sha, const std::string& path, const std::filesystem::path& target) const;

  const std::filesystem::path& path() const { return path_; }
  const std::string& remote_url() const { return remote_url_; }

 private:
  std::string remote_url_;
  std::filesystem::path path_;
  git_repository* repo_ = nullptr;
};

// Initialises libgit2 once per process (and frees its state at exit).
void init_libgit2();

// A stable directory name for a remote URL: readable part plus a hash, so that two URLs never
// share a mirror and a URL never escapes the cache directory.
std::string mirror_name(std::string_view remote_url);

}  // namespace calico::builders::git
