// What the bot says when a release tag is deleted or moved (TagChange): pure, from what the store
// knows of the builds that tag asked for. Silence would mislead: a deleted tag's pending build
// would fail later for no visible reason, and a moved tag's release would look rebuilt.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "handlers/result.hpp"

namespace calico::handlers {

struct TagChangeFacts {
  int withdrawn = 0;                    // deleted: pending requests of that release taken back
  bool pending = false;                 // a request of that release still waits (moved)
  std::optional<std::int64_t> build;    // the latest build of that release that started
  std::string trigger_commit;           // the commit a withdrawn request's tag named, if known
};

struct TagChangeNotice {
  std::string commit;       // where the status goes; "" when no commit is known or nothing to say
  std::string state;        // GitHub status state: "error"
  std::string description;  // at most 140 characters are shown
  std::string note;         // the delivery's (or poll's) outcome
};

TagChangeNotice describe_tag_change(const TagChange& change, const TagChangeFacts& facts);

}  // namespace calico::handlers
