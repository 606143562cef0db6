#include "tests/support/fake_launchpad.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include "bot/util/time_format.hpp"
#include "tests/support/loopback_server.hpp"

namespace calico::testkit {

namespace json = boost::json;

namespace {

constexpr int kMaxPageSize = 300;
const std::set<std::string> kPublicationStatuses{"Pending", "Published", "Superseded", "Deleted", "Obsolete"};

// A 400 with Launchpad's kind of message.
struct BadRequest {
  std::string message;
};

bool failed_to_build(const std::string& state) {
  return state == "Failed to build" || state == "Dependency wait" || state == "Chroot problem" || state == "Failed to upload";
}
bool in_progress(const std::string& state) {
  return state == "Currently building" || state == "Gathering build output" || state == "Uploading build" ||
         state == "Cancelling build";
}
bool active(const std::string& status) { return status == "Pending" || status == "Published"; }

std::string now_text() { return util::iso8601(std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now())); }

// The query as lazr.restful reads it: each value JSON first, else the raw text.
class Query {
 public:
  explicit Query(const boost::urls::url_view& url) {
    for (const auto& param : url.params()) values_[std::string(param.key)] = std::string(param.value);
  }
  const std::map<std::string, std::string>& raw() const { return values_; }
  std::optional<std::string> raw(const std::string& key) const {
    auto found = values_.find(key);
    if (found == values_.end()) return std::nullopt;
    return found->second;
  }
  // A text filter: a JSON string gives its text, JSON null drops the filter, a JSON number
  // becomes that number's own spelling ("3.10" is 3.1), anything else is taken raw.
  std::optional<std::string> text(const std::string& key) const {
    const auto value = raw(key);
    if (!value) return std::nullopt;
    boost::system::error_code error;
    const json::value parsed = json::parse(*value, error);
    if (error) return value;
    if (parsed.is_null()) return std::nullopt;
    if (parsed.is_string()) return std::string(parsed.as_string());
    return json::serialize(parsed);
  }
  std::optional<bool> boolean(const std::string& key) const {
    const auto value = raw(key);
    if (!value) return std::nullopt;
    if (*value == "true") return true;
    if (*value == "false") return false;
    throw BadRequest{key + ": Invalid boolean value: '" + *value + "'"};
  }
  std::optional<int> integer(const std::string& key) const {
    const auto value = raw(key);
    if (!value) return std::nullopt;
    int number = 0;
    const auto [end, error] = std::from_chars(value->data(), value->data() + value->size(), number);
    if (error != std::errc() || end != value->data() + value->size() || number < 0) {
      throw BadRequest{key + ": Invalid integer data: '" + *value + "'"};
    }
    return number;
  }

 private:
  std::map<std::string, std::string> values_;
};

}  // namespace

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
      if (auto parsed = boost::urls::parse_origin_form(request.target)) {
        std::string op;
        for (const auto& param : parsed->params()) {
          if (param.key == "ws.op") op = param.value;
        }
        if (request.method == "POST") {
          // A named POST carries ws.op in its form body.
          boost::urls::url form;
          form.set_encoded_query(request.body);
          for (const auto& param : form.params()) {
            if (param.key == "ws.op") op = param.value;
          }
        }
        ++by_operation[op];
      }
    }
    if (delay.count() > 0) std::this_thread::sleep_for(delay);
    if (failure) {
      http::Response response = http::text_response(failure, "Service Unavailable");
      // Launchpad's own timeout answer: 503 with Retry-After: 900.
      if (retry_after > 0) response.headers.emplace_back("Retry-After", std::to_string(retry_after));
      return respond(std::move(response));
    }
    try {
      respond(request.method == "POST" ? write(request) : answer(request.target));
    } catch (const BadRequest& bad) {
      respond(http::text_response(400, bad.message));
    }
  }

  http::Response answer(const std::string& target) {
    auto parsed = boost::urls::parse_origin_form(target);
    if (!parsed) return http::text_response(400, "bad target");
    const Query query(*parsed);
    const std::string path(parsed->path());
    const std::string op = query.raw("ws.op").value_or("");
    // /1.0/~owner/+archive/ubuntu/ppa[/+sourcepub/<id>]
    const std::string prefix = "/1.0/~";
    const auto archive = path.find("/+archive/ubuntu/");
    if (path.rfind(prefix, 0) != 0 || archive == std::string::npos) return http::text_response(404, "Object: None, name: 'x'");
    const std::string owner = path.substr(prefix.size(), archive - prefix.size());
    std::string ppa = path.substr(archive + std::string("/+archive/ubuntu/").size());
    std::lock_guard lock(mutex);
    if (const auto pub = ppa.find("/+sourcepub/"); pub != std::string::npos) {
      const auto id = parse_id(ppa.substr(pub + 12));
      ppa = ppa.substr(0, pub);
      if (!id || *id == 0 || *id > sources.size() || sources[*id - 1].owner != owner || sources[*id - 1].ppa != ppa) {
        return http::text_response(404, "Object: None");
      }
      if (op != "getBuilds") return http::text_response(400, "No such operation: " + op);
      return page(*parsed, query, builds_of(*id - 1));
    }
    if (op == "getPublishedSources") return page(*parsed, query, published_sources(query, owner, ppa));
    if (op == "getPublishedBinaries") return page(*parsed, query, published_binaries(query, owner, ppa));
    if (op == "getBuildSummariesForSourceIds") return http::json_response(200, json::serialize(summaries(query, owner, ppa)));
    if (op.empty()) {
      return http::json_response(200, json::serialize(json::object{{"self_link", archive_link(owner, ppa)}, {"name", ppa}}));
    }
    return http::text_response(400, "No such operation: " + op);
  }

  // OAuth 1.0 PLAINTEXT as Launchpad checks it: the header's parameters percent-decoded, the
  // consumer and token known, the signature "&" + the token secret, a fresh nonce.
  std::string unauthorized_because(const http::Request& request) {
    const auto header = request.header("authorization");
    if (!header) return "Unauthorized: no OAuth header";
    std::string_view text = *header;
    if (!text.starts_with("OAuth ")) return "Unauthorized: not OAuth";
    text.remove_prefix(6);
    std::map<std::string, std::string> params;
    while (!text.empty()) {
      const auto equals = text.find("=\"");
      if (equals == std::string_view::npos) return "Unauthorized: malformed OAuth header";
      std::string key(text.substr(0, equals));
      while (!key.empty() && (key.front() == ' ' || key.front() == ',')) key.erase(0, 1);
      const auto close = text.find('"', equals + 2);
      if (close == std::string_view::npos) return "Unauthorized: malformed OAuth header";
      const auto decoded = boost::urls::make_pct_string_view(text.substr(equals + 2, close - equals - 2));
      if (!decoded) return "Unauthorized: malformed OAuth value";
      params[key] = decoded->decode();
      text.remove_prefix(close + 1);
    }
    if (!token) return "Unauthorized: unknown access token";
    if (params["oauth_signature_method"] != "PLAINTEXT") return "Unauthorized: unsupported signature method";
    if (params["oauth_consumer_key"] != token->consumer_key || params["oauth_token"] != token->token) return "Unauthorized: Unknown access token";
    // The signature is encode(consumer secret) "&" encode(token secret), the consumer secret empty.
    const auto signature = boost::urls::make_pct_string_view(params["oauth_signature"]);
    if (!signature || params["oauth_signature"].find('&') != 0 || signature->decode() != "&" + token->token_secret) {
      return "Unauthorized: Invalid signature";
    }
    if (params["oauth_nonce"].empty() || params["oauth_timestamp"].empty()) return "Unauthorized: no nonce or timestamp";
    if (!nonces.insert(params["oauth_timestamp"] + " " + params["oauth_nonce"]).second) return "Unauthorized: Nonce already used";
    return "";
  }

  http::Response write(const http::Request& request) {
    auto parsed = boost::urls::parse_origin_form(request.target);
    if (!parsed) return http::text_response(400, "bad target");
    std::lock_guard lock(mutex);
    if (const std::string why = unauthorized_because(request); !why.empty()) {
      ++unauthorized;
      return http::text_response(401, why);
    }
    boost::urls::url form;
    form.set_encoded_query(request.body);
    const Query query(form);
    const std::string op = query.raw("ws.op").value_or("");
    const std::string path(parsed->path());
    const std::string prefix = "/1.0/~";
    const auto archive = path.find("/+archive/ubuntu/");
    if (path.rfind(prefix, 0) != 0 || archive == std::string::npos || path.find('/', archive + 17) != std::string::npos) {
      return http::text_response(404, "Object: None");
    }
    const std::string to = path.substr(prefix.size(), archive - prefix.size()) + "/" + path.substr(archive + 17);
    if (op != "copyPackage") return http::text_response(400, "No such operation: " + op);
    FakeCopyJob job;
    job.source_name = query.text("source_name").value_or("");
    job.version = query.text("version").value_or("");
    if (job.source_name.empty()) throw BadRequest{"source_name: Required input is missing."};
    if (job.version.empty()) throw BadRequest{"version: Required input is missing."};
    const std::string pocket = query.text("to_pocket").value_or("");
    if (pocket.empty()) throw BadRequest{"to_pocket: Required input is missing."};
    if (pocket != "Release") throw BadRequest{"to_pocket: Invalid value \"" + pocket + "\". PPAs only have the Release pocket"};
    job.to_series = query.text("to_series").value_or("");
    job.include_binaries = query.boolean("include_binaries").value_or(false);
    const std::string from = query.text("from_archive").value_or("");
    const std::string archive_prefix = owner_.api_root_ + "/~";
    const auto from_archive = from.find("/+archive/ubuntu/");
    if (from.rfind(archive_prefix, 0) != 0 || from_archive == std::string::npos) {
      throw BadRequest{"from_archive: No such archive: '" + from + "'"};
    }
    job.from_ppa = from.substr(archive_prefix.size(), from_archive - archive_prefix.size()) + "/" + from.substr(from_archive + 17);
    job.to_ppa = to;
    copy_jobs.push_back(job);
    return http::json_response(200, "null");
  }

  // One copy job, run as Launchpad's PlainPackageCopyJob does.
  void run_copy(FakeCopyJob& job) {
    const auto split = [](const std::string& owner_ppa) {
      const auto slash = owner_ppa.find('/');
      return std::make_pair(owner_ppa.substr(0, slash), owner_ppa.substr(slash + 1));
    };
    const auto [from_owner, from_ppa] = split(job.from_ppa);
    const auto [to_owner, to_ppa] = split(job.to_ppa);
    const FakeSource* original = nullptr;
    for (const FakeSource& source : sources) {
      if (source.owner == from_owner && source.ppa == from_ppa && source.name == job.source_name && source.version == job.version &&
          source.status == "Published" && (job.to_series.empty() || source.series == job.to_series)) {
        original = &source;
      }
    }
    job.state = "failed";
    if (!original) {
      job.reason = job.source_name + " " + job.version + " is not published in ppa:" + job.from_ppa +
                   (job.to_series.empty() ? "" : " in " + job.to_series);
      return;
    }
    for (const FakeSource& source : sources) {
      if (source.owner == to_owner && source.ppa == to_ppa && source.name == job.source_name && source.version == job.version) {
        job.reason = job.source_name + " " + job.version + " in " + source.series +
                     " (same version already has published binaries in the destination archive)";
        return;
      }
    }
    if (denied.count(job.to_ppa)) {
      job.reason = "The signer of this package has no upload rights to this PPA.";
      return;
    }
    FakeSource copy;
    copy.owner = to_owner;
    copy.ppa = to_ppa;
    copy.name = original->name;
    copy.version = original->version;
    copy.series = original->series;
    copy.status = "Pending";
    copy.created = now_text();
    const std::vector<FakeBuild> builds = original->builds;
    std::vector<FakeBinary> binaries;
    if (job.include_binaries) {
      for (FakeBinary binary : original->binaries) {
        binary.status = "Pending";
        binary.date_published.clear();
        binaries.push_back(binary);
      }
    }
    sources.push_back(std::move(copy));
    dates_published.emplace_back();
    const std::size_t index = sources.size() - 1;
    set_status(index, "Pending");
    // The copy's builds are the original's (a binary copy builds nothing); without binaries
    // Launchpad builds again, from "Needs building".
    for (FakeBuild build : builds) {
      if (!job.include_binaries) build = {build.arch};
      sources[index].builds.push_back(build);
    }
    sources[index].binaries = binaries;
    job.state = "done";
  }

  static std::optional<std::size_t> parse_id(const std::string& text) {
    std::size_t id = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return id;
  }

  // One page of a collection, as Launchpad pages: ws.start, ws.size (at most 300), and a next link
  // repeating the query.
  http::Response page(const boost::urls::url_view& url, const Query& query, const json::array& all) {
    const int size = query.integer("ws.size").value_or(page_size);
    if (size > kMaxPageSize) throw BadRequest{"ws.size: Maximum for this parameter is " + std::to_string(kMaxPageSize)};
    if (size == 0) throw BadRequest{"ws.size: must be positive"};
    const int start = query.integer("ws.start").value_or(0);
    json::array entries;
    for (int i = start; i < static_cast<int>(all.size()) && i < start + size; ++i) entries.push_back(all[static_cast<std::size_t>(i)]);
    json::object body{{"total_size", all.size()}, {"start", start}, {"entries", std::move(entries)}};
    if (start + size < static_cast<int>(all.size())) {
      boost::urls::url next(owner_.api_root_ + std::string(url.encoded_path().substr(4)));  // drop "/1.0"
      next.set_encoded_query(url.encoded_query());
      next.params().set("ws.size", std::to_string(size));
      next.params().set("ws.start", std::to_string(start + size));
      body["next_collection_link"] = std::string(next.buffer());
    }
    return http::json_response(200, json::serialize(body));
  }

  std::string archive_link(const std::string& owner, const std::string& ppa) const {
    return owner_.api_root_ + "/~" + owner + "/+archive/ubuntu/" + ppa;
  }
  std::string source_link(std::size_t index) const {
    return archive_link(sources[index].owner, sources[index].ppa) + "/+sourcepub/" + std::to_string(index + 1);
  }
  std::string build_link(std::size_t index, const std::string& arch) const {
    return archive_link(sources[index].owner, sources[index].ppa) + "/+build/" + std::to_string(index + 1) + "-" + arch;
  }

  std::optional<std::chrono::sys_seconds> since(const Query& query) {
    const auto text = query.text("created_since_date");
    if (!text) return std::nullopt;
    const auto time = util::parse_iso8601(*text);
    if (!time) throw BadRequest{"created_since_date: Value doesn't look like a date: '" + *text + "'"};
    return time;
  }
  std::optional<std::string> status_filter(const Query& query) {
    const auto status = query.text("status");
    if (status && !kPublicationStatuses.contains(*status)) throw BadRequest{"status: Invalid value \"" + *status + "\""};
    return status;
  }
  bool created_since(const FakeSource& source, const std::optional<std::chrono::sys_seconds>& since) {
    return !since || util::parse_iso8601(source.created).value_or(std::chrono::sys_seconds{}) >= *since;
  }

  json::array published_sources(const Query& query, const std::string& owner, const std::string& ppa) {
    const auto name = query.text("source_name");
    const auto version = query.text("version");
    const bool exact = query.boolean("exact_match").value_or(false);
    query.boolean("order_by_date");
    if (version && !name) throw BadRequest{"version: A version filter requires a source_name"};
    const auto status = status_filter(query);
    const auto after = since(query);
    std::vector<std::size_t> matching;
    for (std::size_t index = 0; index < sources.size(); ++index) {
      const FakeSource& s = sources[index];
      if (s.owner != owner || s.ppa != ppa) continue;
      if (name && (exact ? s.name != *name : s.name.find(*name) == std::string::npos)) continue;
      if (version && s.version != *version) continue;
      if (status && s.status != *status) continue;
      if (!created_since(s, after)) continue;
      matching.push_back(index);
    }
    // Launchpad's order: name, then newest first.
    std::stable_sort(matching.begin(), matching.end(), [&](std::size_t a, std::size_t b) {
      return sources[a].name != sources[b].name ? sources[a].name < sources[b].name : a > b;
    });
    json::array entries;
    for (const std::size_t index : matching) {
      const FakeSource& s = sources[index];
      entries.push_back(json::object{
          {"self_link", source_link(index)},
          {"resource_type_link", "https://api.launchpad.net/1.0/#source_package_publishing_history"},
          {"source_package_name", s.name},
          {"source_package_version", s.version},
          {"status", s.status},
          {"date_created", s.created},
          {"date_published", dates_published[index].empty() ? json::value(nullptr) : json::value(dates_published[index])},
          {"distro_series_link", "https://api.launchpad.net/1.0/ubuntu/" + s.series},
          {"pocket", "Release"},
          {"component_name", "main"}});
    }
    return entries;
  }

  std::vector<std::string> arches_of(const FakeSource& s) const {
    std::vector<std::string> arches;
    for (const FakeBuild& b : s.builds) {
      if (std::find(arches.begin(), arches.end(), b.arch) == arches.end()) arches.push_back(b.arch);
    }
    return arches;
  }

  json::array published_binaries(const Query& query, const std::string& owner, const std::string& ppa) {
    const auto status = status_filter(query);
    const auto after = since(query);
    query.boolean("ordered");
    query.boolean("exact_match");
    json::array entries;
    for (std::size_t index = 0; index < sources.size(); ++index) {
      const FakeSource& s = sources[index];
      if (s.owner != owner || s.ppa != ppa || !created_since(s, after)) continue;
      for (const FakeBinary& b : s.binaries) {
        if (status && b.status != *status) continue;
        // An arch-independent binary is built once and published for every architecture.
        const std::vector<std::string> arches = b.arch_independent ? arches_of(s) : std::vector<std::string>{b.arch};
        for (const std::string& arch : arches) {
          entries.push_back(json::object{
              {"self_link", archive_link(owner, ppa) + "/+binarypub/" + std::to_string(index + 1) + "-" + arch},
              {"resource_type_link", "https://api.launchpad.net/1.0/#binary_package_publishing_history"},
              {"binary_package_name", s.name + (b.arch_independent ? "-common" : "")},
              {"binary_package_version", s.version},
              {"source_package_name", s.name},
              {"source_package_version", s.version},
              {"status", b.status},
              {"architecture_specific", !b.arch_independent},
              {"date_created", s.created},
              {"date_published", b.date_published.empty() ? json::value(nullptr) : json::value(b.date_published)},
              {"distro_arch_series_link", "https://api.launchpad.net/1.0/ubuntu/" + s.series + "/" + arch},
              {"build_link", build_link(index, b.arch)}});
        }
      }
    }
    return entries;
  }

  json::array builds_of(std::size_t index) {
    const FakeSource& s = sources[index];
    json::array entries;
    std::vector<FakeBuild> ordered = s.builds;
    std::sort(ordered.begin(), ordered.end(), [](const FakeBuild& a, const FakeBuild& b) { return a.arch < b.arch; });
    for (const FakeBuild& b : ordered) {
      entries.push_back(json::object{{"self_link", build_link(index, b.arch)},
                                     {"resource_type_link", "https://api.launchpad.net/1.0/#build"},
                                     {"arch_tag", b.arch},
                                     {"buildstate", b.buildstate},
                                     {"build_log_url", b.build_log_url.empty() ? json::value(nullptr) : json::value(b.build_log_url)},
                                     {"dependencies", b.dependencies.empty() ? json::value(nullptr) : json::value(b.dependencies)},
                                     {"can_be_retried", b.buildstate == "Failed to build" || b.buildstate == "Chroot problem" ||
                                                            b.buildstate == "Failed to upload" || b.buildstate == "Cancelled build"},
                                     {"title", b.arch + " build of " + s.name + " " + s.version + " in ubuntu " + s.series + " RELEASE"}});
    }
    return entries;
  }

  // getBuildStatusSummariesForSourceIdsAndArchive, as Launchpad computes it.
  json::object summaries(const Query& query, const std::string& owner, const std::string& ppa) {
    const auto ids_text = query.raw("source_ids");
    if (!ids_text) throw BadRequest{"source_ids: Required input is missing."};
    boost::system::error_code error;
    const json::value ids = json::parse(*ids_text, error);
    if (error || !ids.is_array()) throw BadRequest{"source_ids: Invalid list: '" + *ids_text + "'"};
    json::object answer;
    for (const json::value& id_value : ids.as_array()) {
      std::size_t id = 0;
      if (id_value.is_int64() && id_value.as_int64() > 0) {
        id = static_cast<std::size_t>(id_value.as_int64());
      } else if (const json::string* text = id_value.if_string(); text && parse_id(std::string(*text))) {
        id = *parse_id(std::string(*text));
      } else {
        throw BadRequest{"source_ids: not a list of ids: '" + *ids_text + "'"};
      }
      if (id == 0 || id > sources.size() || sources[id - 1].owner != owner || sources[id - 1].ppa != ppa) continue;
      const FakeSource& s = sources[id - 1];
      std::vector<const FakeBuild*> counted;
      for (const FakeBuild& b : s.builds) {
        if (b.buildstate != "Cancelled build" && b.buildstate != "Build for superseded Source") counted.push_back(&b);
      }
      auto any = [&](auto predicate) { return std::any_of(counted.begin(), counted.end(), [&](const FakeBuild* b) { return predicate(b->buildstate); }); };
      std::string status = any(failed_to_build)               ? "FAILEDTOBUILD"
                           : any(in_progress)                 ? "BUILDING"
                           : any([](const std::string& state) { return state == "Needs building"; }) ? "NEEDSBUILD"
                                                                                                      : "FULLYBUILT";
      json::array builds;
      if (status == "FULLYBUILT" && active(s.status)) {
        for (const FakeBuild* b : counted) {
          bool published = false;
          for (const FakeBinary& binary : s.binaries) {
            if (binary.arch == b->arch) published = !binary.date_published.empty();
          }
          if (!published) builds.push_back(json::value(build_link(id - 1, b->arch)));
        }
        if (!builds.empty()) status = "FULLYBUILT_PENDING";
      }
      answer[std::to_string(id)] = json::object{
          {"status", status},
          {"builds", std::move(builds)},
          {"date_published", dates_published[id - 1].empty() ? json::value(nullptr) : json::value(dates_published[id - 1])},
          {"source_package_name", s.name}};
    }
    return answer;
  }

  FakeSource* find(const std::string& name, const std::string& version, const std::string& ppa, std::size_t* index = nullptr) {
    for (std::size_t i = 0; i < sources.size(); ++i) {
      FakeSource& source = sources[i];
      if (source.name == name && source.version == version && (ppa.empty() || source.ppa == ppa)) {
        if (index) *index = i;
        return &source;
      }
    }
    return nullptr;
  }

  void set_status(std::size_t index, const std::string& status) {
    FakeSource& source = sources[index];
    source.status = status;
    if (status == "Published" && dates_published[index].empty()) dates_published[index] = now_text();
    if (status != "Published") return;
    // A newer upload of the name in the series supersedes the older ones.
    for (std::size_t i = 0; i < index; ++i) {
      FakeSource& older = sources[i];
      if (older.owner != source.owner || older.ppa != source.ppa || older.name != source.name ||
          older.series != source.series || !active(older.status)) {
        continue;
      }
      older.status = "Superseded";
      for (FakeBuild& build : older.builds) {
        if (build.buildstate == "Needs building") build.buildstate = "Build for superseded Source";
      }
      for (FakeBinary& binary : older.binaries) {
        if (binary.status == "Published") binary.status = "Superseded";  // keeps its date
      }
    }
  }

  void apply_build(std::size_t index, const FakeBuild& build) {
    FakeSource& source = sources[index];
    auto existing = std::find_if(source.builds.begin(), source.builds.end(), [&](const FakeBuild& b) { return b.arch == build.arch; });
    if (existing != source.builds.end()) *existing = build;
    else source.builds.push_back(build);
    if (build.buildstate != "Successfully built") return;
    // Built: its binaries wait for the publisher's next run.
    const bool has_binary = std::any_of(source.binaries.begin(), source.binaries.end(),
                                        [&](const FakeBinary& b) { return b.arch == build.arch; });
    if (!has_binary) source.binaries.push_back({build.arch, "Pending"});
  }

  void apply_binary(std::size_t index, FakeBinary binary) {
    FakeSource& source = sources[index];
    if (binary.status == "Published" && binary.date_published.empty()) binary.date_published = now_text();
    auto existing = std::find_if(source.binaries.begin(), source.binaries.end(), [&](const FakeBinary& b) { return b.arch == binary.arch; });
    if (existing != source.binaries.end()) {
      if (binary.date_published.empty() && binary.status != "Pending") binary.date_published = existing->date_published;
      *existing = binary;
    } else {
      source.binaries.push_back(binary);
    }
  }

  FakeLaunchpad& owner_;
  std::mutex mutex;
  std::vector<FakeSource> sources;
  std::optional<FakeOAuthToken> token;
  std::set<std::string> nonces;  // "timestamp nonce" seen
  std::set<std::string> denied;  // "owner/ppa" the token may not upload to
  std::vector<FakeCopyJob> copy_jobs;
  int unauthorized = 0;
  std::vector<std::string> dates_published;  // per source
  std::map<std::string, int> by_operation;
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

void FakeLaunchpad::accept_token(FakeOAuthToken token) {
  std::lock_guard lock(handler_->mutex);
  handler_->token = std::move(token);
}

void FakeLaunchpad::deny_uploads_to(const std::string& owner_slash_ppa) {
  std::lock_guard lock(handler_->mutex);
  handler_->denied.insert(owner_slash_ppa);
}

std::vector<FakeCopyJob> FakeLaunchpad::run_copy_jobs() {
  std::lock_guard lock(handler_->mutex);
  std::vector<FakeCopyJob> ran;
  for (FakeCopyJob& job : handler_->copy_jobs) {
    if (job.state != "queued") continue;
    handler_->run_copy(job);
    ran.push_back(job);
  }
  return ran;
}

std::vector<FakeCopyJob> FakeLaunchpad::copy_jobs() const {
  std::lock_guard lock(handler_->mutex);
  return handler_->copy_jobs;
}

int FakeLaunchpad::unauthorized_writes() const {
  std::lock_guard lock(handler_->mutex);
  return handler_->unauthorized;
}

void FakeLaunchpad::add_source(FakeSource source) {
  std::lock_guard lock(handler_->mutex);
  if (source.created.empty()) source.created = now_text();
  const std::string status = source.status;
  const std::vector<FakeBuild> builds = std::move(source.builds);
  const std::vector<FakeBinary> binaries = std::move(source.binaries);
  source.builds.clear();
  source.binaries.clear();
  handler_->sources.push_back(std::move(source));
  handler_->dates_published.emplace_back();
  const std::size_t index = handler_->sources.size() - 1;
  handler_->set_status(index, status);
  for (const FakeBinary& binary : binaries) handler_->apply_binary(index, binary);
  for (const FakeBuild& build : builds) handler_->apply_build(index, build);
}

void FakeLaunchpad::set_source_status(const std::string& name, const std::string& version, const std::string& status,
                                      const std::string& ppa) {
  std::lock_guard lock(handler_->mutex);
  std::size_t index = 0;
  if (handler_->find(name, version, ppa, &index)) handler_->set_status(index, status);
}

void FakeLaunchpad::set_build(const std::string& name, const std::string& version, const FakeBuild& build,
                              const std::string& ppa) {
  std::lock_guard lock(handler_->mutex);
  std::size_t index = 0;
  if (handler_->find(name, version, ppa, &index)) handler_->apply_build(index, build);
}

void FakeLaunchpad::set_binary(const std::string& name, const std::string& version, const FakeBinary& binary,
                               const std::string& ppa) {
  std::lock_guard lock(handler_->mutex);
  std::size_t index = 0;
  if (handler_->find(name, version, ppa, &index)) handler_->apply_binary(index, binary);
}

void FakeLaunchpad::publish_binaries(const std::string& name, const std::string& version, const std::string& ppa) {
  std::lock_guard lock(handler_->mutex);
  std::size_t index = 0;
  if (!handler_->find(name, version, ppa, &index)) return;
  for (FakeBinary binary : handler_->sources[index].binaries) {
    if (binary.status != "Pending") continue;
    binary.status = "Published";
    handler_->apply_binary(index, binary);
  }
}

std::map<std::string, int> FakeLaunchpad::requests_by_operation() const {
  std::lock_guard lock(handler_->mutex);
  return handler_->by_operation;
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
