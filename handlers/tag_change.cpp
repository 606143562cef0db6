#include "handlers/tag_change.hpp"

namespace calico::handlers {

namespace {
std::string short_sha(const std::string& sha) { return sha.substr(0, 7); }
}  // namespace

TagChangeNotice describe_tag_change(const TagChange& change, const TagChangeFacts& facts) {
  TagChangeNotice notice;
  notice.state = "error";
  const std::string tag = "tag " + change.version;
  if (change.kind == TagChange::Kind::deleted) {
    notice.commit = change.old_commit.empty() ? facts.trigger_commit : change.old_commit;
    if (facts.build) {
      notice.description = tag + " was deleted after build #" + std::to_string(*facts.build) +
                           " started from it; what it publishes stays published" +
                           (facts.withdrawn > 0 ? ", the pending rebuild was withdrawn" : "");
      notice.note = notice.description;
    } else if (facts.withdrawn > 0) {
      notice.description = tag + " was deleted before its build started: the build was withdrawn, nothing was published";
      notice.note = "withdrew the pending build of " + change.version + " for " + change.target_repo + ": its tag was deleted";
    } else {
      notice.commit.clear();
      notice.note = tag + " deleted; no build of it was asked for";
    }
    return notice;
  }
  if (facts.build) {
    notice.commit = change.new_commit;
    notice.description = tag + " moved here after build #" + std::to_string(*facts.build) + " built it" +
                         (change.old_commit.empty() ? "" : " from " + short_sha(change.old_commit)) +
                         "; a release is built once: tag a new version";
    notice.note = notice.description + " (not rebuilt)";
  } else if (facts.pending) {
    notice.note = tag + " moved before its build started: it builds from " + short_sha(change.new_commit);
  } else {
    notice.note = tag + " moved; no build of it had started";
  }
  return notice;
}

}  // namespace calico::handlers
