#include "builders/publish/rpm_repository.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "builders/files.hpp"
#include "builders/text.hpp"

namespace calico::builders::publish {

namespace {

constexpr const char* kBuckets[] = {"src", "noarch", "x86_64"};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

// rpm's own ordering of two [epoch:]version-release strings, by this machine's rpm. The strings
// come from rpm -q on the host; quotes, braces and backslashes (which could break out of the Lua
// string) are refused rather than passed on.
bool rpm_newer(const std::string& a, const std::string& b, const std::filesystem::path& log_file) {
  for (const std::string& s : {a, b}) {
    if (s.find_first_of("\"'\\{}()%") != std::string::npos) throw PublishError("unexpected RPM version \"" + s + "\"");
  }
  exec::CancelToken never;
  std::string output;
  exec::capture_process({{"rpm", "--eval", "%{lua: print(rpm.vercmp(\"" + a + "\", \"" + b + "\"))}"}}, log_file, never,
                        output);
  return output.rfind("1", 0) == 0;
}

}  // namespace

void sign_rpms(const sign::Keyring& keyring, const std::vector<std::filesystem::path>& rpms,
               const std::filesystem::path& log_file, const exec::CancelToken& cancel) {
  if (rpms.empty()) return;
  // Debian's rpm points %__gpg at gpg2, which Debian does not ship: name gpg explicitly.
  std::vector<std::string> argv{"rpmsign", "--addsign", "--define", "__gpg /usr/bin/gpg", "--define",
                                "_gpg_name " + keyring.fingerprint(), "--define", "_gpg_path " + keyring.home().string()};
  std::string extra = "--batch --pinentry-mode loopback";
  if (!keyring.passphrase_file().empty()) extra += " --passphrase-file " + keyring.passphrase_file().string();
  argv.insert(argv.end(), {"--define", "_gpg_sign_cmd_extra_args " + extra});
  for (const auto& rpm : rpms) argv.push_back(rpm.string());
  const exec::ProcessResult result =
      exec::run_process({argv, {}, {"GNUPGHOME=" + keyring.home().string()}}, log_file, cancel);
  if (!result.ok()) throw PublishError("rpmsign failed (" + result.describe() + "); see " + log_file.string());
}

RpmRepository::RpmRepository(const RpmHost& host, std::string root, std::string repo_name, int keep)
    : host_(host), root_(std::move(root)), repo_name_(std::move(repo_name)), keep_(keep) {}

void RpmRepository::run(const exec::ProcessSpec& command, const std::filesystem::path& log_file,
                        const exec::CancelToken& cancel, const std::string& what) const {
  const exec::ProcessResult result = exec::run_process(command, log_file, cancel);
  if (!result.ok()) {
    throw PublishError((what.empty() ? command.argv.front() : what) + " on " + host_.describe() + " failed (" + result.describe() + "); see " +
                       log_file.string());
  }
}

std::string RpmRepository::capture(const exec::ProcessSpec& command, const std::filesystem::path& log_file,
                                   const exec::CancelToken& cancel) const {
  std::string output;
  const exec::ProcessResult result = exec::capture_process(command, log_file, cancel, output);
  if (!result.ok()) {
    throw PublishError(command.argv.front() + " on " + host_.describe() + " failed (" + result.describe() + "); see " +
                       log_file.string());
  }
  return output;
}

std::vector<std::string> RpmRepository::rpm_files(const std::string& dir, const std::filesystem::path& log_file,
                                                  const exec::CancelToken& cancel) const {
  return lines_of(capture(host_.on_host({"find", dir, "-maxdepth", "1", "-name", "*.rpm", "-printf", "%f\\n"}), log_file, cancel));
}

bool RpmRepository::holds_source_rpm(const std::string& srpm, const std::filesystem::path& log_file,
                                     const exec::CancelToken& cancel) const {
  // Created as publishing would create it: a repository not made yet holds nothing.
  const std::string dir = repo_dir() + "/src";
  run(host_.on_host({"mkdir", "-p", dir}), log_file, cancel);
  const std::vector<std::string> listed = rpm_files(dir, log_file, cancel);
  return std::find(listed.begin(), listed.end(), srpm) != listed.end() && whole_on_host(dir, {srpm}, log_file, cancel).count(srpm);
}

bool RpmRepository::has_source_rpm(const std::string& srpm, const std::filesystem::path& log_file,
                                   const exec::CancelToken& cancel) const {
  std::string output;
  const exec::ProcessResult result =
      exec::capture_process(host_.on_host({"test", "-f", repo_dir() + "/src/" + srpm}), log_file, cancel, output);
  if (result.ok()) return true;
  if (result.exit_code == 1 && !result.timed_out && !result.cancelled) return false;  // test's "no"
  throw PublishError("test -f on " + host_.describe() + " failed (" + result.describe() + "); see " + log_file.string());
}

std::vector<std::string> RpmRepository::copy_build_from(const RpmRepository& from, const std::string& srpm,
                                                        const std::filesystem::path& log_file, const exec::CancelToken& cancel) {
  // One check when all is well; which of the two is wrong is asked only when it is not.
  if (!from.whole_on_host(from.repo_dir() + "/src", {srpm}, log_file, cancel).count(srpm)) {
    if (!from.has_source_rpm(srpm, log_file, cancel)) throw PublishError(from.repo_dir() + " holds no " + srpm);
    throw PublishError(from.repo_dir() + "/src/" + srpm + " on " + host_.describe() +
                       " is not a whole RPM (rpm -K --nosignature fails): publish it to " + from.repo_name_ + " again first");
  }
  const std::string repo = repo_dir();
  const std::string stage = open_stage(log_file, cancel);
  std::vector<std::string> copied{srpm};
  run(host_.on_host({"cp", "-p", "--", from.repo_dir() + "/src/" + srpm, stage + "/src/"}), log_file, cancel);
  move_in(stage, "src", {srpm}, log_file, cancel);
  for (const char* bucket : kBuckets) {
    if (std::string_view(bucket) == "src") continue;
    const std::string dir = from.repo_dir() + "/" + bucket;
    std::string missing;
    if (!exec::capture_process(host_.on_host({"test", "-d", dir}), log_file, cancel, missing).ok()) continue;
    const std::vector<std::string> files = rpm_files(dir, log_file, cancel);
    if (files.empty()) continue;
    std::vector<std::string> query{"rpm", "-qp", "--nosignature", "--nodigest", "--queryformat", "%{SOURCERPM}\\n"};
    for (const std::string& file : files) query.push_back(dir + "/" + file);
    const std::vector<std::string> sources = lines_of(capture(host_.on_host(query), log_file, cancel));
    if (sources.size() != files.size()) throw PublishError("rpm -qp on " + host_.describe() + " did not describe every RPM in " + dir);
    std::vector<std::string> copy{"cp", "-p", "--"};
    std::vector<std::string> names;
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (sources[i] != srpm) continue;
      copy.push_back(dir + "/" + files[i]);
      names.push_back(files[i]);
    }
    if (names.empty()) continue;
    copy.push_back(stage + "/" + bucket + "/");
    run(host_.on_host(copy), log_file, cancel);
    move_in(stage, bucket, names, log_file, cancel);
    copied.insert(copied.end(), names.begin(), names.end());
  }
  close_stage(stage, log_file, cancel);
  return copied;
}

RpmPublishResult RpmRepository::publish(const std::vector<std::filesystem::path>& rpms, const std::string& public_key,
                                        const std::filesystem::path& log_file, const exec::CancelToken& cancel,
                                        bool copied_in) {
  RpmPublishResult result;
  const std::string repo = repo_dir();
  for (const auto& rpm : rpms) {
    const std::string bucket = rpm.parent_path().filename().string();
    if (bucket != "src" && bucket != "noarch" && bucket != "x86_64") {
      throw PublishError(rpm.string() + " is not in a src, noarch or x86_64 directory");
    }
  }
  const std::string stage = open_stage(log_file, cancel);

  for (const char* bucket : kBuckets) {
    const std::string dir = repo + "/" + bucket;
    const std::vector<std::string> listed = rpm_files(dir, log_file, cancel);
    const std::set<std::string> existing(listed.begin(), listed.end());
    std::vector<std::string> already;
    for (const auto& rpm : rpms) {
      if (rpm.parent_path().filename() == bucket && existing.count(rpm.filename().string())) already.push_back(rpm.filename().string());
    }
    const std::set<std::string> whole = whole_on_host(dir, already, log_file, cancel);
    std::vector<std::filesystem::path> to_copy;
    std::vector<std::string> names;
    for (const auto& rpm : rpms) {
      if (rpm.parent_path().filename() != bucket) continue;
      // The file name is the package's name-version-release.arch: a package already published
      // under it is the same package (a rebuild differs only in build time and signature) —
      // when it is whole (a file an older bot's cut-short copy left is copied again).
      if (whole.count(rpm.filename().string())) {
        result.present.push_back(rpm.filename().string());
      } else {
        to_copy.push_back(rpm);
        names.push_back(rpm.filename().string());
        result.added.push_back(rpm.filename().string());
      }
    }
    if (to_copy.empty()) continue;
    run(host_.copy_to_host(to_copy, stage + "/" + bucket), log_file, cancel);
    move_in(stage, bucket, names, log_file, cancel);
  }

  // Keep the newest `keep_` versions of each package in each directory, by rpm's ordering.
  for (const char* bucket : kBuckets) {
    const std::string dir = repo + "/" + bucket;
    const std::vector<std::string> files = rpm_files(dir, log_file, cancel);
    if (files.size() <= static_cast<std::size_t>(keep_)) continue;
    std::vector<std::string> query{"rpm", "-qp", "--nosignature", "--nodigest", "--queryformat",
                                   "%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n"};
    for (const std::string& file : files) query.push_back(dir + "/" + file);
    const std::vector<std::string> identities = lines_of(capture(host_.on_host(query), log_file, cancel));
    if (identities.size() != files.size()) throw PublishError("rpm -qp on " + host_.describe() + " did not describe every RPM in " + dir);
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> by_name;  // name → (evr, file)
    for (std::size_t i = 0; i < files.size(); ++i) {
      const std::string& line = identities[i];
      by_name[line.substr(0, line.find(' '))].emplace_back(line.substr(line.find(' ') + 1), files[i]);
    }
    std::vector<std::string> remove{"rm", "-f", "--"};
    for (auto& [name, versions] : by_name) {
      std::sort(versions.begin(), versions.end(),
                [&](const auto& a, const auto& b) { return rpm_newer(a.first, b.first, log_file); });
      for (std::size_t i = static_cast<std::size_t>(keep_); i < versions.size(); ++i) {
        remove.push_back(dir + "/" + versions[i].second);
        result.pruned.push_back(versions[i].second);
      }
    }
    if (remove.size() > 3) run(host_.on_host(remove), log_file, cancel);
  }

  // The public key, as <repo>/key.
  const std::filesystem::path key_dir = log_file.parent_path() / ("key-" + repo_name_);
  std::filesystem::create_directories(key_dir);
  write_text<PublishError>(key_dir / "key", public_key);
  run(host_.copy_to_host({key_dir / "key"}, stage), log_file, cancel);
  std::filesystem::remove_all(key_dir);
  run(host_.on_host({"mv", "-f", "--", stage + "/key", repo + "/key"}), log_file, cancel);
  close_stage(stage, log_file, cancel);

  std::string indexed;
  const exec::ProcessResult has_index =
      exec::capture_process(host_.on_host({"test", "-e", repo + "/repodata/repomd.xml"}), log_file, cancel, indexed);
  // One index for the whole repository, as the scripts' `createrepo <repo>`: a yum
  // baseurl=…/rpm/<REPO_NAME>/ finds <REPO_NAME>/repodata/repomd.xml and every architecture.
  if (copied_in || !result.added.empty() || !result.pruned.empty() || !has_index.ok()) reindex(log_file, cancel);
  return result;
}

// Files reach the repository through a staging directory of their own and are renamed in (mv
// within one file system), so a copy cut short (its job killed mid-copy, its replica dead) leaves
// nothing under a published name. The staging directories are outside <repo>, which createrepo_c
// indexes whole (hidden directories included), and one per publish: two publishers of one
// repository (two rpm platforms, two replicas) never write or move each other's files. What a
// killed publish left is removed by the next one after kStaleStageMinutes.
constexpr const char* kStaleStageMinutes = "+720";

std::string RpmRepository::open_stage(const std::filesystem::path& log_file, const exec::CancelToken& cancel) const {
  const std::string stages = root_ + "/rpm/.incoming/" + repo_name_;
  const std::string stage = stages + "/" + random_hex(8);
  const std::string repo = repo_dir();
  run(host_.on_host({"mkdir", "-p", repo + "/src", repo + "/noarch", repo + "/x86_64", stage + "/src", stage + "/noarch",
                     stage + "/x86_64"}),
      log_file, cancel);
  run(host_.on_host({"find", stages, "-mindepth", "1", "-maxdepth", "1", "-type", "d", "-mmin", kStaleStageMinutes, "-exec",
                     "rm", "-rf", "--", "{}", "+"}),
      log_file, cancel, "removing staging directories older than 12 hours in " + stages);
  return stage;
}

void RpmRepository::move_in(const std::string& stage, const std::string& bucket, const std::vector<std::string>& names,
                            const std::filesystem::path& log_file, const exec::CancelToken& cancel) const {
  if (names.empty()) return;
  std::vector<std::string> move{"mv", "-f", "--"};
  for (const std::string& name : names) move.push_back(stage + "/" + bucket + "/" + name);
  move.push_back(repo_dir() + "/" + bucket + "/");
  run(host_.on_host(move), log_file, cancel);
}

void RpmRepository::close_stage(const std::string& stage, const std::filesystem::path& log_file,
                                const exec::CancelToken& cancel) const {
  run(host_.on_host({"rm", "-rf", "--", stage}), log_file, cancel);
}

// rpm's digest check (header and payload; signatures are not asked: the host need not hold the
// key) on every file in one command; only when some fail is each asked alone, to tell which.
std::set<std::string> RpmRepository::whole_on_host(const std::string& dir, const std::vector<std::string>& names,
                                                   const std::filesystem::path& log_file, const exec::CancelToken& cancel) const {
  auto check = [&](const std::vector<std::string>& which) {
    std::vector<std::string> argv{"rpm", "-K", "--nosignature", "--"};
    for (const std::string& name : which) argv.push_back(dir + "/" + name);
    std::string output;
    const exec::ProcessResult result = exec::capture_process(host_.on_host(argv), log_file, cancel, output);
    if (result.cancelled) throw PublishError("checking the RPMs in " + dir + " on " + host_.describe() + " was cancelled");
    // Anything else but a pass (a part of a file, an unreadable one) is copied again: the copy then
    // says what is wrong with the host, if anything is.
    return result.ok();
  };
  std::set<std::string> whole;
  if (names.empty()) return whole;
  if (check(names)) return {names.begin(), names.end()};
  if (names.size() == 1) return whole;
  for (const std::string& name : names) {
    if (check({name})) whole.insert(name);
  }
  return whole;
}

// createrepo_c works in <repo>/.repodata/ and takes one that exists for another createrepo_c at
// work: it refuses (exit 1), and a run that was killed (its replica died, its job was cancelled)
// leaves one behind that would refuse every later run for good. So the index is made under a lock
// on the host (flock on <repo>/.index.lock, which the kernel releases when its holder dies, however
// it dies): holding it, any .repodata/ is a dead run's and is removed. It also keeps two publishers
// of one repository (two rpm platforms, two replicas) from indexing it at once.
void RpmRepository::reindex(const std::filesystem::path& log_file, const exec::CancelToken& cancel) const {
  const std::string repo = repo_dir();
  const std::string lock = repo + "/.index.lock";
  run(host_.on_host({"flock", lock, "rm", "-rf", "--", repo + "/.repodata"}), log_file, cancel,
      "removing a dead createrepo_c's .repodata/ (under flock " + lock + ")");
  run(host_.on_host({"flock", lock, "createrepo_c", "--quiet", "--update", repo}), log_file, cancel, "createrepo_c");
}

}  // namespace calico::builders::publish
