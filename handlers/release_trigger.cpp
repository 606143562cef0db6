#include "handlers/release_trigger.hpp"

#include <optional>
#include <regex>

#include "builders/release_version.hpp"

namespace calico::handlers {

HandlerResult request_release_for_tag(std::string_view repository, std::string_view tag,
                                      std::string_view how, const Actor& sender,
                                      const HandlerContext& context, std::string_view commit) {
  HandlerResult result;
  const config::RepositoryConfig* repo = context.config.find_repository(repository);
  if (!repo) {
    result.notes.push_back("repository " + std::string(repository) + " is not watched");
    return result;
  }
  if (!repo->release_tags) {
    result.notes.push_back("repository " + repo->github + " does not carry release tags");
    return result;
  }
  std::optional<builders::ReleaseTag> release = builders::parse_release_tag(tag);
  if (release && !std::regex_match(tag.begin(), tag.end(), std::regex(repo->release_tag_pattern))) {
    result.notes.push_back("tag " + std::string(tag) + " does not match release_tag_pattern of " + repo->github);
    return result;
  }
  if (!release) {
    result.notes.push_back("tag " + std::string(tag) + " is not a release tag (vX.Y.Z)");
    return result;
  }
  BuildRequest request;
  request.kind = BuildRequest::Kind::release;
  request.target_repo = release->target_repo();
  request.version = release->tag();
  request.repository = repo->github;
  request.trigger = "tag " + request.version + " " + std::string(how) + " " + repo->github;
  request.requested_by = sender.login;
  request.trigger_commit = std::string(commit);
  result.notes.push_back("release build of " + request.version + " for " + request.target_repo + " requested");
  result.build_requests.push_back(std::move(request));
  return result;
}

}  // namespace calico::handlers
