#include "bot/status_page/handler.hpp"

#include <fstream>
#include <memory>
#include <regex>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include "bot/status_page/render.hpp"

namespace calico::status_page {

namespace {

constexpr std::streamoff kLogTail = 512 * 1024;         // what the log page shows of a long log
constexpr std::streamoff kRawLimit = 64 * 1024 * 1024;  // /raw: the last 64 MiB at most

http::Response html(int status, std::string body) {
  http::Response response{status, "text/html; charset=utf-8", std::move(body), {}};
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

struct LogText {
  std::string text;
  bool truncated = false;
};

LogText read_log(const std::string& path, bool whole) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {"(no log yet)", false};
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff keep = whole ? kRawLimit : kLogTail;
  const std::streamoff start = size <= keep ? 0 : size - keep;
  in.seekg(start);
  LogText out;
  out.text.resize(static_cast<std::size_t>(size - start));
  in.read(out.text.data(), static_cast<std::streamsize>(out.text.size()));
  out.truncated = start > 0;
  return out;
}

}  // namespace

struct Handler::FileReads {
  boost::asio::thread_pool pool{1};
};

Handler::Handler(store::Store& store) : store_(store), data_(store::stored_repositories(store)), file_reads_(std::make_unique<FileReads>()) {}

Handler::~Handler() { file_reads_->pool.join(); }

bool Handler::handle(const http::Request& request, const http::Respond& respond) {
  const std::string path(request.path());
  static const std::regex build_route("/builds/([1-9][0-9]{0,17})");
  static const std::regex log_route("/builds/([1-9][0-9]{0,17})/logs/([a-z_]+/[a-z0-9._-]+)(/raw)?");
  static const std::regex api_build_route("/api/builds/([1-9][0-9]{0,17})");
  std::smatch match;
  enum class Kind { index, build, log, api_index, api_build } kind;
  std::int64_t id = 0;
  std::string job;
  bool raw = false;
  if (path == "/") {
    kind = Kind::index;
  } else if (path == "/api/builds") {
    kind = Kind::api_index;
  } else if (std::regex_match(path, match, build_route)) {
    kind = Kind::build;
  } else if (std::regex_match(path, match, api_build_route)) {
    kind = Kind::api_build;
  } else if (std::regex_match(path, match, log_route)) {
    kind = Kind::log;
    job = match[2];
    raw = match[3].matched;
  } else {
    return false;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    http::Response response = http::text_response(405, "method not allowed; use GET");
    response.headers.emplace_back("Allow", "GET");
    respond(std::move(response));
    return true;
  }
  if (kind != Kind::index && kind != Kind::api_index) id = std::stoll(match[1]);

  auto answer = std::make_shared<http::Response>();
  // For a log: the page and the step, read in the store; the file itself is read afterwards.
  auto log_page = std::make_shared<std::optional<std::pair<BuildPage, store::BuildJob>>>();
  // Read on the store's thread, never on this I/O thread.
  store_.atomically_then(
      [=, this] {
        if (kind == Kind::index || kind == Kind::api_index) {
          const Overview data = overview(*data_, 100);
          *answer = kind == Kind::index ? html(200, index_html(data)) : http::json_response(200, index_json(data));
          return;
        }
        const std::optional<BuildPage> page = build_page(*data_, id);
        if (!page) {
          const std::string what = "There is no build #" + std::to_string(id) + ".";
          *answer = kind == Kind::api_build ? http::json_response(404, "{\"message\":\"" + what + "\"}") : html(404, not_found_html(what));
          return;
        }
        if (kind == Kind::build) {
          *answer = html(200, build_html(*page));
        } else if (kind == Kind::api_build) {
          *answer = http::json_response(200, build_json(*page));
        } else {
          const auto step = std::find_if(page->steps.begin(), page->steps.end(), [&](const store::BuildJob& s) { return s.job == job; });
          if (step == page->steps.end()) {
            *answer = html(404, not_found_html("Build #" + std::to_string(id) + " has no job " + job + "."));
            return;
          }
          log_page->emplace(*page, *step);
        }
      },
      [this, answer, log_page, raw, respond](std::exception_ptr error) {
        if (error) return respond(http::text_response(503, "store unavailable"));
        if (!log_page->has_value()) return respond(std::move(*answer));
        boost::asio::post(file_reads_->pool, [log_page, raw, respond] {
          const auto& [page, step] = **log_page;
          const LogText log = read_log(step.log_path, raw);
          respond(raw ? http::text_response(200, log.text) : html(200, log_html(page, step, log.text, log.truncated)));
        });
      });
  return true;
}

}  // namespace calico::status_page
