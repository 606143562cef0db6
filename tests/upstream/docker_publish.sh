#!/usr/bin/env bash
# The real networking-calico and dnsmasq published through the docker executor.
#
#   tests/upstream/docker_publish.sh BUILD_DIR
#
# scripts/upstream-check master --docker local/debian:bookworm: bld_images builds xenial's and
# centos7's images from docker/*.Dockerfile FROM the Debian stand-in, every job runs in them
# (no network, as the calling user), and every source package, RPM and repository is checked
# with the real tools as for the local executor. Publishing again must upload nothing and find
# both images up to date. Fails, saying why, when no Docker engine answers.
set -euo pipefail
build_dir=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
repo_root=$(cd "$here/../.." && pwd)
upstream=${CALICO_UPSTREAM_DIR:-$repo_root/../shared/upstream}
if [ ! -f "$upstream/networking-calico.bundle" ]; then
  echo "SKIPPED: no upstream bundles at $upstream (the real repositories; set CALICO_UPSTREAM_DIR)" >&2
  exit 77
fi
base=local/debian:bookworm
"$repo_root/scripts/docker-engine" check || { echo "FAIL: the docker tests need a Docker engine (above)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/calico-upstream-docker.XXXXXX")
[ -n "${CALICO_KEEP_SCRATCH:-}" ] || trap 'rm -rf "$work"' EXIT
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND exited $?" >&2' ERR

"$repo_root/scripts/upstream-check" master --docker "$base" --steps net_cal,dnsmasq,pub_debs,pub_rpms \
  --bot "$build_dir/bot/calico-release-bot" --work "$work" --again
for platform in xenial centos7; do
  grep -E "done +bld_images/$platform .* up to date" "$work/publish-again.log" >/dev/null \
    || { echo "FAIL: the second publish rebuilt calico-upstream-check/$platform (log $work/publish-again.log)" >&2; exit 1; }
done
# Both series' and platforms' packages came out of containers (a local run would not say docker).
grep -E "done +net_cal/xenial|done +dnsmasq/centos7" "$work/publish.log" >/dev/null || { echo "FAIL: jobs missing from $work/publish.log" >&2; exit 1; }
echo "docker publish: checked"
