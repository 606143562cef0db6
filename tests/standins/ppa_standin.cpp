#include "tests/standins/ppa_standin.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

#include "builders/exec/process.hpp"

namespace calico::testkit {

namespace fs = std::filesystem;
namespace exec = builders::exec;

namespace {

constexpr const char* kArch = "amd64";

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

void must(const exec::ProcessResult& result, const std::string& what, const fs::path& log) {
  if (!result.ok()) throw std::runtime_error(what + " failed (" + result.describe() + "); see " + log.string());
}

// capture_process returns stdout and stderr together; these tools prefix their own messages
// ("dpkg-scanpackages: info: …", "W: …"), which must not end up in an index.
std::string without_messages(const std::string& output, const std::string& program) {
  std::istringstream in(output);
  std::string kept;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with(program + ": ") || line.starts_with("W: ") || line.starts_with("E: ")) continue;
    kept += line + "\n";
  }
  return kept;
}

}  // namespace

ChangesFile read_changes(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  ChangesFile changes;
  std::string line;
  bool in_files = false;
  while (std::getline(in, line)) {
    if (line.starts_with("-----BEGIN PGP SIGNATURE")) break;
    if (in_files && line.starts_with(" ")) {
      std::istringstream fields(line);
      std::string md5, size, section, priority, name;
      if (fields >> md5 >> size >> section >> priority >> name) changes.files.push_back(name);
      continue;
    }
    in_files = false;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    if (key == "Source") changes.source = value;
    if (key == "Version") changes.version = value;
    if (key == "Distribution") changes.distribution = value;
    if (key == "Files") in_files = true;
  }
  for (const auto& [field, value] : {std::pair{"Source", &changes.source}, std::pair{"Version", &changes.version},
                                     std::pair{"Distribution", &changes.distribution}}) {
    if (value->empty()) throw std::runtime_error(path.string() + ": no " + field + " field");
  }
  if (changes.files.empty()) throw std::runtime_error(path.string() + ": no Files");
  return changes;
}

PpaStandin::PpaStandin(PpaStandinSettings settings) : settings_(std::move(settings)), launchpad_(settings_.port) {
  if (settings_.token) launchpad_.accept_token(*settings_.token);
  fs::create_directories(settings_.incoming);
  fs::create_directories(settings_.archive);
  fs::create_directories(settings_.work);
}

PpaStandin::~PpaStandin() { stop(); }

void PpaStandin::start() {
  thread_ = std::thread([this] {
    for (;;) {
      {
        std::unique_lock lock(mutex_);
        if (wake_.wait_for(lock, settings_.scan_interval, [&] { return stopping_; })) return;
      }
      try {
        scan_once();
      } catch (const std::exception& e) {
        std::cerr << "ppa-standin: " << e.what() << "\n";
      }
    }
  });
}

void PpaStandin::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void PpaStandin::publish_due() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = unpublished_.begin(); it != unpublished_.end();) {
    if (it->publish_at > now) {
      ++it;
      continue;
    }
    launchpad_.publish_binaries(it->source, it->version, it->ppa);
    ++published_;
    std::cerr << "ppa-standin: published " << it->source << " " << it->version << " in " << it->ppa << "\n";
    it = unpublished_.erase(it);
  }
}

void PpaStandin::run_copies() {
  for (const FakeCopyJob& job : launchpad_.run_copy_jobs()) {
    if (job.state != "done") {
      std::cerr << "ppa-standin: copy of " << job.source_name << " " << job.version << " from " << job.from_ppa << " to " << job.to_ppa
                << " failed: " << job.reason << "\n";
      continue;
    }
    const std::string owner = job.to_ppa.substr(0, job.to_ppa.find('/'));
    const std::string from = job.from_ppa.substr(job.from_ppa.find('/') + 1);
    const std::string to = job.to_ppa.substr(job.to_ppa.find('/') + 1);
    const fs::path built = settings_.work / owner / from / (job.source_name + "_" + job.version);
    const fs::path repository = settings_.archive / owner / to / job.to_series;
    fs::create_directories(repository);
    const fs::path log = settings_.work / owner / to / ("copy-" + job.source_name + "_" + job.version + ".log");
    fs::create_directories(log.parent_path());
    try {
      int debs = 0;
      if (job.include_binaries && fs::is_directory(built)) {
        for (const auto& entry : fs::directory_iterator(built)) {
          if (entry.path().extension() != ".deb") continue;
          fs::copy_file(entry.path(), repository / entry.path().filename(), fs::copy_options::overwrite_existing);
          ++debs;
        }
      }
      index(repository, job.to_series, log);
      // The copy's source is published at once; its binaries with the publisher's next run.
      launchpad_.set_source_status(job.source_name, job.version, "Published", to);
      unpublished_.push_back({job.source_name, job.version, to, std::chrono::steady_clock::now() + settings_.publish_delay});
      std::cerr << "ppa-standin: copied " << job.source_name << " " << job.version << " from " << job.from_ppa << " to " << job.to_ppa
                << " (" << debs << " .deb, not rebuilt); publishing in "
                << std::chrono::duration_cast<std::chrono::seconds>(settings_.publish_delay).count() << " s\n";
    } catch (const std::exception& e) {
      std::cerr << "ppa-standin: copying " << job.source_name << " " << job.version << " failed: " << e.what() << "\n";
    }
  }
}

void PpaStandin::index(const fs::path& repository, const std::string& series, const fs::path& log) {
  exec::CancelToken cancel;
  // A flat apt repository per series: Packages and Release next to the .debs.
  std::string packages;
  must(exec::capture_process({{"dpkg-scanpackages", "--multiversion", ".", "/dev/null"}, repository}, log, cancel, packages),
       "dpkg-scanpackages", log);
  write_text(repository / "Packages", without_messages(packages, "dpkg-scanpackages"));
  std::string release;
  must(exec::capture_process({{"apt-ftparchive", "-o", "APT::FTPArchive::Release::Suite=" + series, "release", "."}, repository}, log,
                             cancel, release),
       "apt-ftparchive release", log);
  write_text(repository / "Release", without_messages(release, "apt-ftparchive"));
}

std::size_t PpaStandin::scan_once() {
  publish_due();
  run_copies();
  std::size_t taken = 0;
  if (!fs::exists(settings_.incoming)) return 0;
  for (const auto& owner : fs::directory_iterator(settings_.incoming)) {
    if (!owner.is_directory()) continue;
    for (const auto& ppa : fs::directory_iterator(owner.path())) {
      if (!ppa.is_directory()) continue;
      for (const auto& entry : fs::directory_iterator(ppa.path())) {
        if (entry.path().extension() != ".changes" || seen_.contains(entry.path())) continue;
        seen_.insert(entry.path());
        ++taken;
        build(entry.path(), owner.path().filename().string(), ppa.path().filename().string());
      }
    }
  }
  return taken;
}

void PpaStandin::build(const fs::path& changes_path, const std::string& owner, const std::string& ppa) {
  const ChangesFile changes = read_changes(changes_path);
  // Launchpad shows an accepted upload as a Pending source publication with a build to do.
  FakeSource source{owner, ppa, changes.source, changes.version, changes.distribution, "Pending",
                    {FakeBuild{kArch, "Currently building"}}, {}};
  launchpad_.add_source(source);
  const fs::path dir = settings_.work / owner / ppa / (changes.source + "_" + changes.version);
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path log = dir / "build.log";
  exec::CancelToken cancel;
  std::string dsc;
  try {
    for (const std::string& name : changes.files) {
      if (name.find('/') != std::string::npos) throw std::runtime_error("a file name with a slash in " + changes_path.string());
      fs::copy_file(changes_path.parent_path() / name, dir / name, fs::copy_options::overwrite_existing);
      if (name.ends_with(".dsc")) dsc = name;
    }
    if (dsc.empty()) throw std::runtime_error(changes_path.string() + " lists no .dsc");
    launchpad_.set_source_status(changes.source, changes.version, "Published", ppa);
    must(exec::run_process({{"dpkg-source", "-x", dsc, "src"}, dir}, log, cancel), "dpkg-source -x", log);
    must(exec::run_process({{"dpkg-buildpackage", "-b", "-us", "-uc", "-d"}, dir / "src", {}, std::chrono::seconds(1800)}, log, cancel),
         "dpkg-buildpackage -b", log);
    const fs::path repository = settings_.archive / owner / ppa / changes.distribution;
    fs::create_directories(repository);
    int debs = 0;
    for (const auto& entry : fs::directory_iterator(dir)) {
      if (entry.path().extension() != ".deb") continue;
      fs::copy_file(entry.path(), repository / entry.path().filename(), fs::copy_options::overwrite_existing);
      ++debs;
    }
    if (debs == 0) throw std::runtime_error("dpkg-buildpackage made no .deb; see " + log.string());
    index(repository, changes.distribution, log);
    // Built: the binaries wait for the publisher's next run (Launchpad: FULLYBUILT_PENDING).
    launchpad_.set_build(changes.source, changes.version, {kArch, "Successfully built", "file://" + log.string()}, ppa);
    unpublished_.push_back({changes.source, changes.version, ppa, std::chrono::steady_clock::now() + settings_.publish_delay});
    std::cerr << "ppa-standin: built " << changes.source << " " << changes.version << " in ~" << owner << "/" << ppa << " ("
              << changes.distribution << ", " << debs << " .deb); publishing in "
              << std::chrono::duration_cast<std::chrono::seconds>(settings_.publish_delay).count() << " s\n";
  } catch (const std::exception& e) {
    launchpad_.set_build(changes.source, changes.version, {kArch, "Failed to build", "file://" + log.string()}, ppa);
    ++failed_;
    std::cerr << "ppa-standin: " << changes.source << " " << changes.version << " failed: " << e.what() << "\n";
  }
}

}  // namespace calico::testkit
