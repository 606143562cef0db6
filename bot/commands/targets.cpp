#include "bot/commands/targets.hpp"

#include <optional>
#include <regex>
#include <tuple>

#include "builders/release_version.hpp"

namespace calico::commands {

ResolvedTarget resolve_target(const std::string& target, const config::Config& config, const RefLister& list_refs) {
  if (target == "master") return {"master", "master", ""};
  std::optional<builders::ReleaseTag> wanted = builders::parse_release_tag(target);
  static const std::regex release_line_shape(R"(calico-([0-9]+)\.([0-9]+))");
  std::smatch release_line;
  const bool is_release_line = std::regex_match(target, release_line, release_line_shape);
  if (!wanted && !is_release_line) return {"", "", "\"" + target + "\" is not master, calico-X.Y or vX.Y.Z"};
  std::optional<builders::ReleaseTag> best;
  std::string searched;
  for (const config::RepositoryConfig& repo : config.repositories) {
    if (!repo.release_tags) continue;
    searched += (searched.empty() ? "" : ", ") + repo.github;
    const std::regex pattern(repo.release_tag_pattern);
    for (const auto& [ref, sha] : list_refs(repo.url)) {
      if (!ref.starts_with("refs/tags/")) continue;
      const std::string tag = ref.substr(10);
      const auto parsed = builders::parse_release_tag(tag);
      if (!parsed || !std::regex_match(tag, pattern)) continue;
      if (wanted) {
        if (tag == wanted->tag()) return {wanted->target_repo(), tag, ""};
        continue;
      }
      if (parsed->python2 || std::to_string(parsed->major) != release_line[1].str() || std::to_string(parsed->minor) != release_line[2].str()) continue;
      if (!best || parsed->patch > best->patch) best = parsed;
    }
  }
  if (searched.empty()) return {"", "", "no configured repository carries release tags"};
  if (wanted) return {"", "", "no release repository (" + searched + ") has the tag " + target};
  if (!best) return {"", "", "no release repository (" + searched + ") has a v" + release_line[1].str() + "." + release_line[2].str() + ".Z tag"};
  return {best->target_repo(), best->tag(), ""};
}

}  // namespace calico::commands
