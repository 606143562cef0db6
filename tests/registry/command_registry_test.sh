#!/usr/bin/env bash
# A new command is one file: handlers/commands/registry.cmake, run over a copy of the command
# folder with a /rollback file added (a command the bot does not have), lists its factory beside
# every existing command's — and a file without a factory (a helper) adds nothing.
set -euo pipefail
repo_root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cp "$repo_root"/handlers/commands/*.cpp "$repo_root"/handlers/commands/all_commands.cpp.in \
   "$repo_root"/handlers/commands/registry.cmake "$work/"
registry() { cmake -DCOMMANDS_DIR="$work" -DOUTPUT="$work/$1" -P "$work/registry.cmake"; }
registry before.cpp
cat > "$work/rollback.cpp" <<'CPP'
#include "handlers/commands/command.hpp"
namespace calico::handlers::commands {
CommandSpec make_rollback_command() {
  return {"rollback", "/rollback", "Rolls back.", true, nullptr, nullptr};
}
}  // namespace calico::handlers::commands
CPP
printf '// CommandSpec make_commented_command() {\nint helper() { return 1; }\n' > "$work/helper.cpp"
registry after.cpp

fail=0
for factory in make_publish_command make_status_command make_cancel_command make_retry_command \
               make_approve_command make_help_command make_promote_command; do
  grep -q "^      $factory()," "$work/before.cpp" || { echo "FAIL: $factory missing from the registry" >&2; fail=1; }
done
grep -q make_rollback_command "$work/before.cpp" && { echo "FAIL: rollback listed before its file existed" >&2; fail=1; }
grep -q "^CommandSpec make_rollback_command();" "$work/after.cpp" || { echo "FAIL: rollback not declared" >&2; fail=1; }
grep -q "^      make_rollback_command()," "$work/after.cpp" || { echo "FAIL: rollback not listed" >&2; fail=1; }
grep -q make_commented_command "$work/after.cpp" && { echo "FAIL: a comment counted as a factory" >&2; fail=1; }
diff <(grep -v rollback "$work/after.cpp") "$work/before.cpp" >/dev/null || { echo "FAIL: more than rollback changed" >&2; fail=1; }
[ "$fail" = 0 ] && echo "ok: a new command file is all the registry needs"
exit "$fail"
