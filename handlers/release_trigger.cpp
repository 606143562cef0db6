#include "handlers/release_trigger.hpp"

#include <optional>
#include <regex>

#include "builders/release_version.hpp"

namespace calico::handlers {

namespace {

struct ReleaseTagOf {
  const config::RepositoryConfig* repo = nullptr;
  std::optional<builders::ReleaseTag> tag;
};

// The release a tag on `repository` stands for, or nothing (with the note saying why).
ReleaseTagOf release_tag_of(std::string_view repository, std::string_view tag, const HandlerContext& context,
                            HandlerResult& result) {
  const config::RepositoryConfig* repo = context.config.find_repository(repository);
  if (!repo) {
    result.notes.push_back("repository " + std::string(repository) + " is not watched");
    return {};
  }
  if (!repo->release_tags) {
    result.notes.push_back("repository " + repo->github + " does not carry release tags");
    return {};
  }
  std::optional<builders::ReleaseTag> release = builders::parse_release_tag(tag);
  if (release && !std::regex_match(tag.begin(), tag.end(), std::regex(repo->release_tag_pattern))) {
    result.notes.push_back("tag " + std::string(tag) + " does not match release_tag_pattern of " + repo->github);
    return {};
  }
  if (!release) {
    result.notes.push_back("tag " + std::string(tag) + " is not a release tag (vX.Y.Z)");
    return {};
  }
  return {repo, release};
}

}  // namespace

HandlerResult request_release_for_tag(std::string_view repository, std::string_view tag,
                                      std::string_view how, const Actor& sender,
                                      const HandlerContext& context, std::string_view commit) {
  HandlerResult result;
  const ReleaseTagOf found = release_tag_of(repository, tag, context, result);
  if (!found.repo) return result;
  const config::RepositoryConfig* repo = found.repo;
  const std::optional<builders::ReleaseTag>& release = found.tag;
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

HandlerResult release_tag_changed(std::string_view repository, std::string_view tag, const Actor& sender,
                                  const HandlerContext& context, std::string_view old_commit,
                                  std::string_view new_commit) {
  HandlerResult result;
  const ReleaseTagOf found = release_tag_of(repository, tag, context, result);
  if (!found.repo) return result;
  TagChange change;
  change.kind = new_commit.empty() ? TagChange::Kind::deleted : TagChange::Kind::moved;
  change.repository = found.repo->github;
  change.target_repo = found.tag->target_repo();
  change.version = found.tag->tag();
  change.old_commit = std::string(old_commit);
  change.new_commit = std::string(new_commit);
  change.sender = sender.login;
  if (change.kind == TagChange::Kind::moved) {
    result = request_release_for_tag(repository, tag, "moved on", sender, context, new_commit);
  }
  result.notes.push_back("release tag " + change.version + (change.kind == TagChange::Kind::moved ? " moved" : " deleted"));
  result.tag_changes.push_back(std::move(change));
  return result;
}

}  // namespace calico::handlers
