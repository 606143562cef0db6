#!/usr/bin/env bash
# The bot against the packaging scripts it replaces, on the real repositories.
#
#   tests/upstream/compare_with_scripts.sh BUILD_DIR VERSION
#
# 1. scripts/upstream-check VERSION publishes Felix, networking-calico and the dnsmasq fork with the
#    real bot (local executor, local PPA and RPM host), checks every artefact with the real tools,
#    and publishes a second time, which must upload nothing.
# 2. The packaging scripts themselves (utils/create-update-packages.sh from packaging.bundle, steps
#    net_cal and felix) run on the same commits, with docker and Felix's make replaced by stand-ins
#    that run the same commands on this host (tests/upstream/fake-docker, fake-make).
# 3. Every source package's file name and version, every changelog entry, every package's file
#    list, and the filled RPM spec lines must be the scripts' — except the build time in snapshot
#    versions (the bot uses the commit's: a retried publish is a no-op) and the changelog's
#    signer line. The bot's snapshot must sort at or above what the scripts give an earlier commit.
#    dnsmasq's versions are checked against its tags' changelogs with the scripts' own sed.
set -euo pipefail
build_dir=$(realpath "$1")
version=$2
here=$(cd "$(dirname "$0")" && pwd)
repo_root=$(cd "$here/../.." && pwd)
upstream=${CALICO_UPSTREAM_DIR:-$repo_root/../shared/upstream}
if [ ! -f "$upstream/felix.bundle" ]; then
  # ctest shows this test as skipped (SKIP_RETURN_CODE 77), with this reason, not as passed.
  echo "SKIPPED: no upstream bundles at $upstream (the real repositories; set CALICO_UPSTREAM_DIR)" >&2
  exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/calico-upstream-compare.XXXXXX")
[ -n "${CALICO_KEEP_SCRATCH:-}" ] || trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# A command failing under set -e would otherwise end the test without a word.
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND exited $?" >&2' ERR
mask() { sed -E 's/\+[0-9]{14}\+0000\+/+TIME+0000+/g'; }
# The file names a .dsc's Files: section lists (a signed .dsc has its signature after it).
listed() { sed -n '/^Files:/,/^$/p' "$1" | awk 'NF == 3 && $1 ~ /^[0-9a-f]+$/ {print $3}'; }

# --- the bot ---------------------------------------------------------------------------------
pins=()
if [ "$version" = master ]; then
  git clone -q --mirror "$upstream/felix.bundle" "$work/ref/felix.git"
  git clone -q --mirror "$upstream/networking-calico.bundle" "$work/ref/networking-calico.git"
  felix_sha=$(git -C "$work/ref/felix.git" rev-parse master~1)
  nc_sha=$(git -C "$work/ref/networking-calico.git" rev-parse master~1)
  pins=(--felix-commit "$felix_sha" --networking-calico-commit "$nc_sha")
fi
"$repo_root/scripts/upstream-check" "$version" "${pins[@]}" --again --work "$work/bot" \
  --bot "$build_dir/bot/calico-release-bot" > "$work/check.log" 2>&1 || { cat "$work/check.log"; fail "upstream-check $version"; }
grep -c '^ok' "$work/check.log" | sed "s/^/upstream-check: /;s/\$/ artefact checks passed/"
# (-print -quit, not | head: with pipefail, find killed by SIGPIPE would fail the test silently.)
ppa=$(find "$work/bot/ppa" -mindepth 2 -maxdepth 2 -type d -print -quit)
shim=$(find "$work/bot/work" -path '*/tools/dpkg-source' -print -quit)
[ -x "$shim" ] || fail "the bot left no dpkg-source shim to build the scripts' packages with on this host"

# --- the scripts -----------------------------------------------------------------------------
scripts=$work/scripts
git clone -q "$upstream/packaging.bundle" "$scripts"
mkdir -p "$work/bin"
ln -s "$here/fake-docker" "$work/bin/docker"
ln -s "$here/fake-make" "$work/bin/make"
ln -s "$shim" "$work/bin/dpkg-source"
# HOME in the scratch directory: the scripts sign with ~/.gnupg's key when there is one, and the
# comparison is of what they build, not of whose keyring the machine has.
mkdir -p "$work/home"
env=(VERSION="$version" STEPS="net_cal felix" PATH="$work/bin:$PATH" HOME="$work/home" GNUPGHOME="$work/home/.gnupg"
     FELIX_REPO="$upstream/felix.bundle" NETWORKING_CALICO_REPO="$upstream/networking-calico.bundle")
if [ "$version" = master ]; then
  # git clone -b takes a branch or tag: point branches at the pinned commits.
  git -C "$work/ref/felix.git" branch -f pinned "$felix_sha"
  git -C "$work/ref/networking-calico.git" branch -f pinned "$nc_sha"
  env+=(FELIX_REPO="$work/ref/felix.git" FELIX_CHECKOUT=pinned NETWORKING_CALICO_REPO="$work/ref/networking-calico.git" NETWORKING_CALICO_CHECKOUT=pinned)
fi
(cd "$scripts" && env "${env[@]}" utils/create-update-packages.sh) > "$work/scripts.log" 2>&1 ||
  { tail -40 "$work/scripts.log"; fail "the packaging scripts failed"; }

# --- source packages: names, versions, changelogs, file lists ---------------------------------
compared=0
for theirs in "$scripts"/*.dsc; do
  name=$(basename "$theirs" | mask)
  ours=""
  for candidate in "$ppa"/*.dsc; do
    [ "$(basename "$candidate" | mask)" = "$name" ] && ours=$candidate
  done
  [ -n "$ours" ] || fail "the scripts made $(basename "$theirs"); the bot has no $name (it has: $(ls "$ppa" | grep -c dsc) .dsc files)"
  for field in Format Source Binary Architecture Version; do
    a=$(grep "^$field:" "$theirs" | mask); b=$(grep "^$field:" "$ours" | mask)
    [ "$a" = "$b" ] || fail "$name: scripts' $a, bot's $b"
  done
  a=$(listed "$theirs" | mask); b=$(listed "$ours" | mask)
  [ "$a" = "$b" ] || fail "$name lists other files: scripts' [$a], bot's [$b]"
  tarball=$(listed "$theirs" | grep '\.tar\.')
  ours_tarball=$(listed "$ours" | grep '\.tar\.')
  a=$(tar -tf "$scripts/$tarball" | sort); b=$(tar -tf "$ppa/$ours_tarball" | sort)
  [ "$a" = "$b" ] || { diff <(echo "$a") <(echo "$b") | head -20; fail "$name: the package holds other files than the scripts'"; }
  # (Not echo | head: a large list written to head, which stops reading, fails under pipefail.)
  top=${a%%$'\n'*}
  top=${top%%/*}
  a=$(tar -xOf "$scripts/$tarball" "$top/debian/changelog" | mask | grep -v '^ -- ')
  b=$(tar -xOf "$ppa/$ours_tarball" "$top/debian/changelog" | mask | grep -v '^ -- ')
  [ "$a" = "$b" ] || { diff <(echo "$a") <(echo "$b"); fail "$name: the changelog is not the scripts'"; }
  compared=$((compared + 1))
done
[ "$compared" -ge 8 ] || fail "only $compared source packages compared (expected Felix and networking-calico for 4 series)"
echo "source packages: $compared identical to the scripts' in name, version, files, file list and changelog"

# --- RPM specs: Version:, Release: and the %changelog stanza ------------------------------------
for component in felix networking-calico; do
  theirs=$scripts/$component/rpm/$component.spec
  ours=$(find "$work/bot/work" -path "*/jobs/*-centos7/rpmbuild/SPECS/$component.spec" -print -quit)
  [ -f "$theirs" ] && [ -f "$ours" ] || fail "no filled $component.spec to compare"
  for pattern in '^Version:' '^Release:' '^Epoch:' '^  - '; do
    a=$( (grep "$pattern" "$theirs" || true) | head -n 2 | mask); b=$( (grep "$pattern" "$ours" || true) | head -n 2 | mask)
    [ "$a" = "$b" ] || fail "$component.spec: scripts' [$a], bot's [$b]"
  done
  a=$(sed -n '/^%changelog/{n;p}' "$theirs" | mask | awk '{print $NF}'); b=$(sed -n '/^%changelog/{n;p}' "$ours" | mask | awk '{print $NF}')
  [ "$a" = "$b" ] || fail "$component.spec changelog stanza: scripts' $a, bot's $b"
done
echo "rpm specs: Version, Release, Epoch and the changelog stanza are the scripts'"

# --- snapshots sort at or above what the scripts gave every earlier commit ---------------------
if [ "$version" = master ]; then
  for component in felix networking-calico; do
    ours=$(grep -h '^Version:' "$ppa/${component}_"*-xenial.dsc | awk '{print $2}')
    clone=$scripts/$component
    for back in 1 2 5 20; do
      git -C "$clone" checkout -q "HEAD~$back" 2>/dev/null || continue
      theirs=$(set +u; cd "$clone" && . "$scripts/utils/lib.sh" && VERSION=master && v=$(git_auto_version) && git_version_to_deb "$(strip_v "$v")")
      epoch=""; [ "$component" = networking-calico ] && epoch="1:"
      dpkg --compare-versions "$ours" ge "$epoch$theirs-xenial" || fail "$component: the bot's $ours sorts below the scripts' $epoch$theirs-xenial for HEAD~$back"
      git -C "$clone" checkout -q - 2>/dev/null
    done
  done
  echo "order: the bot's snapshots sort at or above the scripts' answers for earlier commits"
fi

# --- dnsmasq: the fork's own changelog versions, xenial's after the scripts' sed -----------------
git clone -q "$upstream/calico-dnsmasq.bundle" "$work/dnsmasq"
trusty=$(git -C "$work/dnsmasq" show 2.79test1calico1-3-trusty:debian/changelog | dpkg-parsechangelog -l- -SVersion)
xenial=$(git -C "$work/dnsmasq" show 2.79test1calico1-2-xenial:debian/changelog | sed s/trusty/xenial/g | dpkg-parsechangelog -l- -SVersion)
for v in "$trusty" "$xenial"; do
  [ -f "$ppa/dnsmasq_${v}_source.changes" ] || fail "no dnsmasq $v upload (the scripts make dnsmasq_${v}_source.changes)"
done
echo "dnsmasq: $trusty and $xenial, as the scripts make them"
echo "compare_with_scripts $version: the bot publishes what the packaging scripts publish"
