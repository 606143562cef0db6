#include "builders/publish/rpm_repository.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

namespace calico::builders::publish {

namespace {

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void run(exec::Command command, const std::filesystem::path& log_file, const exec::CancelToken& cancel) {
  const exec::CommandResult result = exec::run_command(command, log_file, cancel);
  if (!result.ok()) {
    throw PublishError(command.argv.front() + " failed (" + result.describe() + "); see " + log_file.string());
  }
}

// Name, epoch-version-release and arch of an RPM, from rpm itself (file names can lie).
struct RpmIdentity {
  std::string name;
  std::string evr;
};

RpmIdentity identify(const std::filesystem::path& file, const std::filesystem::path& log_file) {
  const std::filesystem::path out = log_file.parent_path() / ".rpm-query";
  std::filesystem::remove(out);
  exec::CancelToken never;
  const exec::CommandResult result = exec::run_command(
      {{"rpm", "-qp", "--nosignature", "--nodigest", "--queryformat", "%{NAME}\\n%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\n",
        file.string()}},
      out, never);
  const std::string text = read(out);
  std::filesystem::remove(out);
  if (!result.ok()) throw PublishError("cannot read " + file.string() + " with rpm");
  // The output file starts with the "$ rpm …" header line.
  std::istringstream lines(text);
  std::string header, name, evr;
  std::getline(lines, header);
  std::getline(lines, name);
  std::getline(lines, evr);
  return {name, evr};
}

// rpm's own ordering, through rpm --eval (the strings come from rpm -q of our own packages).
bool rpm_newer(const std::string& a, const std::string& b, const std::filesystem::path& log_file) {
  const std::filesystem::path out = log_file.parent_path() / ".rpm-vercmp";
  std::filesystem::remove(out);
  exec::CancelToken never;
  exec::run_command({{"rpm", "--eval", "%{lua: print(rpm.vercmp(\"" + a + "\", \"" + b + "\"))}"}}, out, never);
  const std::string text = read(out);
  std::filesystem::remove(out);
  return text.find("\n1") != std::string::npos;
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
  run({argv, {}, {"GNUPGHOME=" + keyring.home().string()}}, log_file, cancel);
}

LocalRpmRepository::LocalRpmRepository(std::filesystem::path root, std::string repo_name, int keep)
    : root_(std::move(root)), repo_name_(std::move(repo_name)), keep_(keep) {}

RpmPublishResult LocalRpmRepository::publish(const std::vector<std::filesystem::path>& rpms,
                                             const std::string& public_key, const std::filesystem::path& log_file,
                                             const exec::CancelToken& cancel) {
  RpmPublishResult result;
  const std::filesystem::path repo = repo_dir();
  for (const char* bucket : {"src", "noarch", "x86_64"}) std::filesystem::create_directories(repo / bucket);
  for (const auto& rpm : rpms) {
    const std::string bucket = rpm.parent_path().filename().string();
    if (bucket != "src" && bucket != "noarch" && bucket != "x86_64") {
      throw PublishError(rpm.string() + " is not in a src, noarch or x86_64 directory");
    }
    const std::filesystem::path target = repo / bucket / rpm.filename();
    // The file name is the package's name-version-release.arch: a package already published under
    // it is the same package (a rebuild differs only in build time and signature), so it stays.
    if (std::filesystem::exists(target)) {
      result.present.push_back(rpm.filename().string());
      continue;
    }
    const std::filesystem::path temporary = target.string() + ".part";
    std::filesystem::copy_file(rpm, temporary, std::filesystem::copy_options::overwrite_existing);
    std::filesystem::rename(temporary, target);
    result.added.push_back(rpm.filename().string());
  }

  // Keep the newest `keep_` versions of each package in each directory.
  for (const char* bucket : {"src", "noarch", "x86_64"}) {
    std::map<std::string, std::vector<std::pair<std::string, std::filesystem::path>>> by_name;
    for (const auto& entry : std::filesystem::directory_iterator(repo / bucket)) {
      if (!entry.path().string().ends_with(".rpm")) continue;
      const RpmIdentity id = identify(entry.path(), log_file);
      by_name[id.name].emplace_back(id.evr, entry.path());
    }
    for (auto& [name, versions] : by_name) {
      std::sort(versions.begin(), versions.end(),
                [&](const auto& a, const auto& b) { return rpm_newer(a.first, b.first, log_file); });
      for (std::size_t i = static_cast<std::size_t>(keep_); i < versions.size(); ++i) {
        std::filesystem::remove(versions[i].second);
        result.pruned.push_back(versions[i].second.filename().string());
      }
    }
  }

  {
    std::ofstream key(repo / "key", std::ios::binary | std::ios::trunc);
    key << public_key;
  }
  if (!result.added.empty() || !result.pruned.empty() ||
      !std::filesystem::exists(repo / "x86_64" / "repodata" / "repomd.xml")) {
    for (const char* bucket : {"src", "noarch", "x86_64"}) {
      run({{"createrepo_c", "--quiet", "--update", (repo / bucket).string()}}, log_file, cancel);
    }
  }
  return result;
}

}  // namespace calico::builders::publish
