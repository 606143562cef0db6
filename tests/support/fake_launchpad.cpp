#include "tests/support/fake_launchpad.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>

#include "tests/support/loopback_server.hpp"

namespace calico::testkit {

namespace json = boost::json;

class FakeLaunchpad::Handler : public http::Handler {
 public:
  explicit Handler(FakeLaunchpad& owner) : owner_(owner) {}

  void handle(http::Request request, http::Respond respond) override {
    ++owner_.requests_;
    std::chrono::milliseconds delay;
    int failure = 0;
    int retry_after = 0;
    {
      std::lock_guard lock(mutex);
      delay = this->delay;
      if (failures > 0) {
        --failures;
        failure = failure_status;
        retry_after = failure_retry_after;
      }
    }
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    if (failure) {
      http::Response response = http::text_response(failure, "Service Unavailable");
      // Launchpad's own timeout answer: 503 with Retry-After: 900.
      if (retry_after > 0) response.headers.emplace_back("Retry-After", std::to_string(retry_after));
      return respond(std::move(response));
    }
    respond(answer(request.target));
  }

  http::Response answer(const std::string& target) {
    auto parsed = boost::urls::parse_origin_form(target);
    if (!parsed) return http::text_response(400, "bad target");
    const std::string path(parsed->path());
    std::string op, source_name, version;
    int start = 0;
    // As lazr.restful: '+' is a space, and a value is read as JSON first (a JSON string gives its
    // text), else taken raw.
    auto value_of = [](const std::string& raw) {
      boost::system::error_code error;
      const json::value value = json::parse(raw, error);
      if (!error && value.is_string()) return std::string(value.as_string());
      return raw;
    };
    for (const auto& param : parsed->params()) {
      if (param.key == "ws.op") op = param.value;
      if (param.key == "source_name") source_name = value_of(param.value);
      if (param.key == "version") version = value_of(param.value);
      if (param.key == "ws.start") start = std::stoi(param.value);
      if (param.key == "exact_match" && param.value != "true" && param.value != "false") {
        return http::text_response(400, "exact_match: Invalid boolean value: " + std::string(param.value));
      }
    }
    // /1.0/~owner/+archive/ubuntu/ppa
    const std::string prefix = "/1.0/~";
    const auto archive = path.find("/+archive/ubuntu/");
    if (path.rfind(prefix, 0) != 0 || archive == std::string::npos) return http::text_response(404, "Object: None, name: 'x'");
    const std::string owner = path.substr(prefix.size(), archive - prefix.size());
    std::string ppa = path.substr(archive + std::string("/+archive/ubuntu/").size());
    const std::string archive_link = owner_.api_root() + "/~" + owner + "/+archive/ubuntu/";
    if (const auto pub = ppa.find("/+sourcepub/"); pub != std::string::npos) {
      if (op != "getBuilds") return http::text_response(400, "No such operation: " + op);
      const std::size_t index = std::stoul(ppa.substr(pub + 12));
      ppa = ppa.substr(0, pub);
      json::array entries;
      std::lock_guard lock(mutex);
      if (index >= sources.size()) return http::text_response(404, "Object: None");
      const FakeSource& s = sources[index];
      for (const FakeBuild& b : s.builds) {
        entries.push_back(json::object{{"self_link", build_link(owner, ppa, index, b.arch)},
                                       {"resource_type_link", "https://api.launchpad.net/1.0/#build"},
                                       {"arch_tag", b.arch},
                                       {"buildstate", b.buildstate},
                                       {"build_log_url", b.build_log_url.empty() ? json::value(nullptr) : json::value(b.build_log_url)},
                                       {"title", b.arch + " build of " + s.name + " " + s.version + " in ubuntu " + s.series + " RELEASE"}});
      }
      return http::json_response(200, json::serialize(json::object{{"total_size", entries.size()}, {"start", 0}, {"entries", entries}}));
    }
    if (op == "getPublishedBinaries") {
      json::array entries;
      std::lock_guard lock(mutex);
      for (std::size_t index = 0; index < sources.size(); ++index) {
        const FakeSource& s = sources[index];
        if (s.owner != owner || s.ppa != ppa) continue;
        for (const FakeBinary& b : s.binaries) {
          entries.push_back(json::object{
              {"self_link", archive_link + ppa + "/+binarypub/" + std::to_string(index) + "-" + b.arch},
              {"resource_type_link", "https://api.launchpad.net/1.0/#binary_package_publishing_history"},
              {"binary_package_name", s.name + "-bin"},
              {"binary_package_version", s.version},
              {"source_package_name", s.name},
              {"source_package_version", s.version},
              {"status", b.status},
              {"date_published", b.status == "Published" ? json::value("2020-12-01T03:00:00+00:00") : json::value(nullptr)},
              {"distro_arch_series_link", "https://api.launchpad.net/1.0/ubuntu/" + s.series + "/" + b.arch},
              {"build_link", build_link(owner, ppa, index, b.arch)}});
        }
      }
      return http::json_response(200, json::serialize(json::object{{"total_size", entries.size()}, {"start", 0}, {"entries", entries}}));
    }
    if (op != "getPublishedSources") return http::text_response(400, "No such operation: " + op);

    std::vector<std::pair<std::size_t, FakeSource>> matching;
    {
      std::lock_guard lock(mutex);
      for (std::size_t index = 0; index < sources.size(); ++index) {
        const FakeSource& source = sources[index];
        if (source.owner == owner && source.ppa == ppa && (source_name.empty() || source.name == source_name) &&
            (version.empty() || source.version == version)) {
          matching.emplace_back(index, source);
        }
      }
    }
    const std::string root = "http://launchpad.test/1.0";
    json::array entries;
    for (int i = start; i < static_cast<int>(matching.size()) && i < start + page_size; ++i) {
      const auto& [index, s] = matching[static_cast<std::size_t>(i)];
      json::object entry;
      entry["self_link"] = archive_link + ppa + "/+sourcepub/" + std::to_string(index);
      entry["resource_type_link"] = root + "/#source_package_publishing_history";
      entry["source_package_name"] = s.name;
      entry["source_package_version"] = s.version;
      entry["status"] = s.status;
      entry["date_published"] = s.status == "Pending" ? json::value(nullptr) : json::value("2020-12-01T01:02:03.123456+00:00");
      entry["distro_series_link"] = root + "/ubuntu/" + s.series;
      entry["pocket"] = "Release";
      entry["component_name"] = "main";
      entries.push_back(std::move(entry));
    }
    json::object body;
    body["total_size"] = matching.size();
    body["start"] = start;
    body["entries"] = std::move(entries);
    if (start + page_size < static_cast<int>(matching.size())) {
      // Launchpad's next link repeats the query with the next ws.start.
      body["next_collection_link"] = owner_.api_root() + "/~" + owner + "/+archive/ubuntu/" + ppa +
                                     "?ws.op=getPublishedSources&source_name=" + source_name +
                                     (version.empty() ? "" : "&version=" + version) + "&exact_match=true&ws.size=" +
                                     std::to_string(page_size) + "&ws.start=" + std::to_string(start + page_size);
    }
    return http::json_response(200, json::serialize(body));
  }

  std::string build_link(const std::string& owner, const std::string& ppa, std::size_t index, const std::string& arch) {
    return owner_.api_root() + "/~" + owner + "/+archive/ubuntu/" + ppa + "/+build/" + std::to_string(index) + "-" + arch;
  }

  FakeSource* find(const std::string& name, const std::string& version, const std::string& ppa) {
    for (FakeSource& source : sources) {
      if (source.name == name && source.version == version && (ppa.empty() || source.ppa == ppa)) return &source;
    }
    return nullptr;
  }

  FakeLaunchpad& owner_;
  std::mutex mutex;
  std::vector<FakeSource> sources;
  int page_size = 75;
  int failures = 0;
  int failure_status = 503;
  int failure_retry_after = 0;
  std::chrono::milliseconds delay{0};
};

FakeLaunchpad::FakeLaunchpad(std::uint16_t port)
    : handler_(std::make_unique<Handler>(*this)), server_(std::make_unique<LoopbackServer>(*handler_, port)) {
  api_root_ = "http://127.0.0.1:" + std::to_string(server_->port()) + "/1.0";
}

FakeLaunchpad::~FakeLaunchpad() { server_.reset(); }

std::string FakeLaunchpad::api_root() const { return api_root_; }

void FakeLaunchpad::add_source(FakeSource source) {
  std::lock_guard lock(handler_->mutex);
  handler_->sources.push_back(std::move(source));
}

void FakeLaunchpad::set_source_status(const std::string& name, const std::string& version, const std::string& status,
                                      const std::string& ppa) {
  std::lock_guard lock(handler_->mutex);
  if (FakeSource* source = handler_->find(name, version, ppa)) source->status = status;
}

void FakeLaunchpad::set_build(const std::string& name, const std::string& version, const FakeBuild& build,
                              const std::string& ppa) {
  std::lock_guard lock(handler_->mutex);
  FakeSource* source = handler_->find(name, version, ppa);
  if (!source) return;
  for (FakeBuild& existing : source->builds) {
    if (existing.arch == build.arch) {
      existing = build;
      return;
    }
  }
  source->builds.push_back(build);
}

void FakeLaunchpad::set_binary(const std::string& name, const std::string& version, const FakeBinary& binary,
                               const std::string& ppa) {
  std::lock_guard lock(handler_->mutex);
  FakeSource* source = handler_->find(name, version, ppa);
  if (!source) return;
  for (FakeBinary& existing : source->binaries) {
    if (existing.arch == binary.arch) {
      existing = binary;
      return;
    }
  }
  source->binaries.push_back(binary);
}

void FakeLaunchpad::set_page_size(int size) {
  std::lock_guard lock(handler_->mutex);
  handler_->page_size = size;
}

void FakeLaunchpad::fail_next(int count, int status, int retry_after_seconds) {
  std::lock_guard lock(handler_->mutex);
  handler_->failures = count;
  handler_->failure_status = status;
  handler_->failure_retry_after = retry_after_seconds;
}

void FakeLaunchpad::hang_for(std::chrono::milliseconds delay) {
  std::lock_guard lock(handler_->mutex);
  handler_->delay = delay;
}

}  // namespace calico::testkit
