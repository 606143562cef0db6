#include "builders/publish/deb_upload.hpp"

#include "builders/versions.hpp"

#include <sstream>
#include <thread>

#include "builders/files.hpp"
#include "builders/sign/changes.hpp"

namespace calico::builders::publish {

namespace {

std::string substitute(std::string text, const std::string& owner, const std::string& repo) {
  for (const auto& [placeholder, value] : {std::pair<std::string, std::string>{"{owner}", owner}, {"{repo}", repo}}) {
    for (std::size_t at = text.find(placeholder); at != std::string::npos; at = text.find(placeholder, at + value.size())) {
      text.replace(at, placeholder.size(), value);
    }
  }
  return text;
}

bool is_signed(const std::filesystem::path& file) {
  return read_whole_file(file).value_or("").starts_with("-----BEGIN PGP SIGNED MESSAGE-----\n");
}

}  // namespace

bool LocalIncomingArchive::has_source(const std::string& source, const std::string& version) {
  return std::filesystem::exists(incoming_ / (source + "_" + deb::without_epoch(version) + "_source.changes"));
}

std::optional<std::string> LocalIncomingArchive::later_build_of(const std::string& source, const std::string& version) {
  std::error_code ec;
  const std::string prefix = source + "_";
  const std::string suffix = "_source.changes";
  for (const auto& entry : std::filesystem::directory_iterator(incoming_, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix) || !name.ends_with(suffix) || name.size() <= prefix.size() + suffix.size()) continue;
    const std::string held = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    if (later_build_of_same_snapshot(held, deb::without_epoch(version))) return held;
  }
  return std::nullopt;
}

std::string dput_incoming(const config::PublishConfig& publish, const std::string& repo_name) {
  return substitute(publish.dput_incoming, publish.ppa_owner, repo_name);
}

std::string dput_config(const config::PublishConfig& publish, const std::string& repo_name) {
  std::ostringstream out;
  out << "[calico-release-bot]\n"
      << "method = " << publish.dput_method << "\n"
      << "incoming = " << dput_incoming(publish, repo_name) << "\n";
  if (publish.dput_method == "ftp") out << "fqdn = " << publish.dput_fqdn << "\nlogin = anonymous\n";
  out << "allow_unsigned_uploads = 0\nrun_lintian = 0\nrun_dinstall = 0\ncheck_version = 0\n";
  return out.str();
}

UploadResult upload_sources(const std::vector<deb::SourceArtifacts>& packages, const sign::Keyring& keyring,
                            const config::PublishConfig& publish, const std::string& repo_name, SourceArchive& archive,
                            const std::filesystem::path& job_dir, const std::filesystem::path& log_file,
                            const exec::CancelToken& cancel) {
  UploadResult result;
  std::filesystem::create_directories(job_dir);
  const std::filesystem::path dput_cf = job_dir / "dput.cf";
  write_text<PublishError>(dput_cf, dput_config(publish, repo_name));
  if (publish.dput_method == "local") {
    const std::filesystem::path incoming = dput_incoming(publish, repo_name);
    std::error_code error;
    std::filesystem::create_directories(incoming, error);
    if (error) throw PublishError("cannot create the dput incoming directory " + incoming.string() + ": " + error.message());
  }
  for (const deb::SourceArtifacts& package : packages) {
    const std::string name = package.changes.filename().string();
    if (archive.has_source(package.source, package.version)) {
      result.skipped.push_back(name);
      continue;
    }
    if (const std::optional<std::string> held = archive.later_build_of(package.source, package.version)) {
      append_to_file(log_file, "# " + name + ": not uploaded: the archive holds " + package.source + " " + *held +
                                   ", a later build of the same commit (the packaging scripts stamp a nightly with the time "
                                   "it was built); " + package.version + " would sort below it and be refused\n");
      result.skipped.push_back(name);
      result.held_as[name] = *held;
      continue;
    }
    if (!is_signed(package.changes)) sign::sign_changes(keyring, package.changes);
    // Signed just now with our own key: dput's check of it (--unchecked skips it) could only say
    // that key's trust is unknown in a throwaway keyring, on every upload. Launchpad checks the
    // signature against the PPA owner's keys, which is the check that counts.
    const exec::ProcessSpec command{
        {"dput", "--config", dput_cf.string(), "--force", "--unchecked", "calico-release-bot", package.changes.string()},
        {},
        {},
        std::chrono::seconds(1800)};
    exec::ProcessResult last;
    for (int attempt = 1; attempt <= publish.upload_attempts; ++attempt) {
      last = exec::run_process(command, log_file, cancel);
      if (last.ok() || last.cancelled) break;
      if (attempt < publish.upload_attempts) std::this_thread::sleep_for(std::chrono::seconds(attempt * attempt));
    }
    if (!last.ok()) {
      throw PublishError("dput of " + name + " failed after " + std::to_string(publish.upload_attempts) + " attempts (" +
                         last.describe() + "); see " + log_file.string());
    }
    // Said once the upload is complete: a dput cut short (the bot killed) leaves no such line.
    append_to_file(log_file, "# uploaded " + name + "\n");
    result.uploaded.push_back(name);
  }
  return result;
}

}  // namespace calico::builders::publish
