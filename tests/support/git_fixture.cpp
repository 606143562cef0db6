#include "tests/support/git_fixture.hpp"

#include <stdexcept>
#include <vector>

#include "tests/support/fixtures.hpp"
#include "tests/support/process.hpp"

namespace calico::testkit {

GitFixture::GitFixture(std::filesystem::path path) : path_(std::move(path)) {
  std::filesystem::create_directories(path_);
  git({"init", "-q", "-b", "master"});
}

std::string GitFixture::git(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{"/usr/bin/git", "-c", "user.name=Calico Test", "-c", "user.email=test@example.org",
                                "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"};
  argv.insert(argv.end(), args.begin(), args.end());
  // 2020-12-01 00:00 UTC plus one minute per commit.
  const std::string date = std::to_string(1606780800 + 60 * clock_) + " +0000";
  const RunResult result =
      run_process(argv, path_.parent_path(), {"GIT_AUTHOR_DATE=" + date, "GIT_COMMITTER_DATE=" + date}, path_);
  if (result.exit_code != 0) throw std::runtime_error("git " + args.at(0) + " failed: " + result.output);
  return result.output;
}

std::string GitFixture::commit(const std::string& file, const std::string& content, const std::string& message) {
  write_file(path_ / file, content);
  git({"add", "--", file});
  ++clock_;
  git({"commit", "-q", "-m", message});
  return head();
}

void GitFixture::tag(const std::string& name, bool annotated) {
  if (annotated) git({"tag", "-a", "-m", "Release " + name, name});
  else git({"tag", name});
}

void GitFixture::branch(const std::string& name) { git({"branch", name}); }

void GitFixture::delete_branch(const std::string& name) { git({"branch", "-D", name}); }

void GitFixture::checkout(const std::string& name) { git({"checkout", "-q", name}); }

std::string GitFixture::head() const {
  std::string sha = git({"rev-parse", "HEAD"});
  while (!sha.empty() && (sha.back() == '\n' || sha.back() == '\r')) sha.pop_back();
  return sha;
}

}  // namespace calico::testkit
