#!/usr/bin/env bash
# End to end: runs the demo scenario unattended (scripts/demo-run) in a scratch directory and
# checks what it published with real clients, while and after it runs:
#  - apt-get, in a throwaway root, updates from the PPA stand-in's repository, downloads
#    calico-felix, and the unpacked package runs;
#  - the RPM repository's createrepo_c metadata lists the RPMs;
#  - the status page's API reports every job succeeded and every upload published;
#  - the promoted v3.4.1 release built nothing: each of its felix and networking-calico jobs says
#    it was copied from testing, and the .debs apt installs from calico-3.4 are testing's own files;
#  - headless Chromium opens the status page during the release build and after the demo, and
#    what it renders is checked; screenshots are kept in BUILD/test-artifacts/.
#   tests/e2e/demo_e2e_test.sh BUILD_DIR
set -euo pipefail
build_dir=$(realpath "${1:?usage: demo_e2e_test.sh BUILD_DIR}")
source_dir=$(realpath "$(dirname "$0")/../..")
work=$(mktemp -d "$build_dir/test-scratch/demo-e2e.XXXXXX")
artifacts="$build_dir/test-artifacts"
mkdir -p "$artifacts"

fail() { echo "FAIL: $*" >&2; echo "--- demo output:" >&2; tail -n 80 "$work/demo.out" >&2 || true; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

port=$(free_port)
lp_port=$(free_port)
url=http://127.0.0.1:$port
export CALICO_DEMO_DIR="$work/demo" CALICO_DEMO_PORT=$port CALICO_DEMO_LP_PORT=$lp_port CALICO_DEMO_TIMEOUT=600

"$source_dir/scripts/demo-run" "$build_dir" > "$work/demo.out" 2>&1 &
demo_pid=$!
trap 'kill -TERM $demo_pid 2>/dev/null || true; wait $demo_pid 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

browse() {  # browse URL NAME [WIDTH,HEIGHT]: the DOM as rendered by headless Chromium, and a screenshot
  local home="$work/chromium-$2" size=${3:-1280,1000}
  mkdir -p "$home"
  HOME="$home" timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars \
    --user-data-dir="$home/profile" --window-size="$size" --screenshot="$artifacts/$2.png" "$1" >/dev/null 2>&1 ||
    fail "chromium could not take a screenshot of $1"
  HOME="$home" timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --user-data-dir="$home/profile" --dump-dom "$1" 2>/dev/null > "$work/$2.html" ||
    fail "chromium could not render $1"
  [ -s "$artifacts/$2.png" ] || fail "the screenshot $2.png is empty"
}

# During: as soon as a build runs, the page shows it running (and refreshes itself). Chromium
# renders a moment after the API answered, and a running build may be put back in the queue in
# between (a release waiting for its tags), so a page without a running build is looked at again
# the next time the API shows one, until the deadline.
deadline=$((SECONDS + 300))
until grep -q 'class="state running"' "$work/status-page-during.html" 2>/dev/null; do
  until curl -fs "$url/api/builds" > "$work/builds-now.json" 2>/dev/null && grep -q '"state":"running"' "$work/builds-now.json"; do
    kill -0 $demo_pid 2>/dev/null || fail "the demo ended before the status page showed a running build"
    [ $SECONDS -lt $deadline ] || fail "the status page did not show a running build within 300 s"
    sleep 0.3
  done
  browse "$url/" status-page-during
  [ $SECONDS -lt $deadline ] || break
done
grep -q 'class="state running"' "$work/status-page-during.html" || fail "the status page did not show a running build"
grep -q 'http-equiv="refresh"' "$work/status-page-during.html" || fail "the status page does not refresh while a build runs"
# The running build's timeline, as Chromium renders it, against the store's job times (the API):
# every bar a finished job draws sits where its stored start and end put it on the drawing's scale.
# (A running build may still be put back in the queue before any job starts, a release waiting
# for its tags: the one drawn is a running build with a job started, whichever that is.)
running_id=""
jobs_deadline=$((SECONDS + 300))
until running_id=$(python3 - "$url" <<'PY'
import json, sys, urllib.request
url = sys.argv[1]
for build in json.load(urllib.request.urlopen(url + "/api/builds"))["builds"]:
    if build["state"] != "running":
        continue
    if any(j["started_at"] for j in json.load(urllib.request.urlopen(url + "/api/builds/%d" % build["id"]))["jobs"]):
        print(build["id"])
        sys.exit(0)
sys.exit(1)
PY
); do
  kill -0 $demo_pid 2>/dev/null || fail "the demo ended before a running build had a job started"
  [ $SECONDS -lt $jobs_deadline ] || fail "no running build had a job started within 300 s"
  sleep 0.3
done
browse "$url/builds/$running_id" build-timeline-during
curl -fs "$url/api/builds/$running_id" > "$work/build-during.json" || fail "GET /api/builds/$running_id failed"
python3 - "$work/build-timeline-during.html" "$work/build-during.json" <<'PY' || fail "the timeline does not match the store's job times"
import datetime, json, re, sys
page = open(sys.argv[1]).read()
jobs = {j["job"]: j for j in json.load(open(sys.argv[2]))["jobs"]}
svg = re.search(r'<svg id="timeline"[^>]*data-t0="(\d+)" data-ms-per-px="([0-9.]+)" data-x0="([0-9.]+)"', page)
assert svg, "no timeline on the running build's page"
t0, per_px, x0 = int(svg.group(1)), float(svg.group(2)), float(svg.group(3))
def ms(iso): return int(datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp() * 1000)
bars = re.findall(r'<g class="bar job ([a-z]+)[^"]*" data-job="([^"]+)" data-start="([^"]*)" data-end="([^"]*)">.*?<rect x="([0-9.]+)" y="[0-9.]+" width="([0-9.]+)"', page, re.S)
assert bars, "the timeline draws no job"
finished = 0
for state, job, start, end, x, width in bars:
    stored = jobs[job]
    assert start == stored["started_at"], (job, start, stored)
    assert abs(float(x) - (x0 + (ms(start) - t0) / per_px)) < 0.2, (job, x)
    if end:  # finished when the page was drawn: its times no longer change
        finished += 1
        assert end == stored["finished_at"], (job, end, stored)
        assert abs(float(width) - max(2.0, (ms(end) - ms(start)) / per_px)) < 0.2, (job, width)
print("timeline: %d bars (%d finished) at the store's times" % (len(bars), finished))
PY

# After: the demo prints its summary and keeps serving.
deadline=$((SECONDS + 1200))
until grep -q "press Ctrl-C to stop it" "$work/demo.out"; do
  kill -0 $demo_pid 2>/dev/null || fail "the demo failed"
  [ $SECONDS -lt $deadline ] || fail "the demo did not finish within 1200 s"
  sleep 1
done
demo="$work/demo"

# GitHub heard "pending — uploaded" while the stand-in built and published, "success" only after.
grep -q "GitHub status: pending — Build #[0-9]* of v3.4.0 → calico-3.4: uploaded; Launchpad" "$work/demo.out" ||
  fail "the demo never showed the release as uploaded and pending on Launchpad"
grep -q "GitHub status: success — Build #[0-9]* of v3.4.0 → calico-3.4: published; Launchpad" "$work/demo.out" ||
  fail "the demo never showed the release's status turning success"
grep -q "^  > @demo-maintainer build #[0-9]* of \*\*master\*\* for \`master\` 🚀 is published on Launchpad" "$work/demo.out" ||
  fail "the /publish conversation's summary comment does not end published on Launchpad"
grep -q "The last word on the /publish comment: rocket" "$work/demo.out" || fail "the /publish comment did not get its 🚀"
grep -q "GitHub deployment: ppa:project-calico/calico-3.4 in_progress" "$work/demo.out" &&
  grep -q "GitHub deployment: ppa:project-calico/calico-3.4 success — published on Launchpad" "$work/demo.out" &&
  grep -q "GitHub deployment: rpm:calico-3.4 success" "$work/demo.out" ||
  fail "the demo did not show the release's deployments going from in_progress to success"
echo "github: pending while Launchpad published, then success; one summary comment ending 🚀"

# The status page's API: every build succeeded, every job too, every upload published.
curl -fs "$url/api/builds" > "$work/builds.json" || fail "GET /api/builds failed"
python3 - "$work/builds.json" "$url" <<'PY' || fail "the status page API does not report everything published"
import json, sys, urllib.request
builds = json.load(open(sys.argv[1]))["builds"]
assert {b["target_repo"] for b in builds} == {"calico-3.4", "master"}, builds
for b in builds:
    assert b["state"] == "succeeded" and b["launchpad"] == "published", b
    detail = json.load(urllib.request.urlopen(sys.argv[2] + "/api/builds/%d" % b["id"]))
    assert len(detail["jobs"]) == 21 and all(j["state"] == "succeeded" for j in detail["jobs"]), detail["jobs"]
    assert detail["publications"] and all(p["state"] == "published" for p in detail["publications"]), detail["publications"]
print("status API: %d builds, every job succeeded, every upload published" % len(builds))
PY
release_id=$(python3 -c 'import json,sys; print([b["id"] for b in json.load(open(sys.argv[1]))["builds"] if b["version"] == "v3.4.0"][0])' "$work/builds.json")
# Promotion: v3.4.1 was tagged on the commit testing had published; its release copied, built nothing.
promoted_id=$(python3 -c 'import json,sys; print([b["id"] for b in json.load(open(sys.argv[1]))["builds"] if b["version"] == "v3.4.1"][0])' "$work/builds.json")
curl -fs "$url/api/builds/$promoted_id" > "$work/promoted.json" || fail "GET /api/builds/$promoted_id failed"
python3 - "$work/promoted.json" <<'PY' || fail "the v3.4.1 release was not promoted from testing"
import json, sys
jobs = {j["job"]: j for j in json.load(open(sys.argv[1]))["jobs"]}
for component in ("felix", "net_cal"):
    for platform in ("trusty", "xenial", "bionic", "centos7"):
        detail = jobs[component + "/" + platform]["detail"]
        assert detail.startswith("promoted: ") and detail.endswith("nothing built"), (component, platform, detail)
for series in ("trusty", "xenial", "bionic"):
    assert " 2 copied from testing" in jobs["pub_debs/" + series]["detail"], jobs["pub_debs/" + series]
assert "4 copied from testing" in jobs["pub_rpms/centos7"]["detail"], jobs["pub_rpms/centos7"]
print("promotion: 8 component jobs copied from testing, none built")
PY
grep -q "job felix/xenial  promoted: copied from testing: felix 3.4.1-xenial with its published binaries" "$work/demo.out" ||
  fail "the demo did not show felix/xenial promoted"
[ ! -e "$demo/ppa-incoming/project-calico/calico-3.4/felix_3.4.1-xenial_source.changes" ] || fail "v3.4.1 was uploaded, not copied"
cmp -s "$demo/ppa/project-calico/testing/xenial/calico-felix_3.4.1-xenial_amd64.deb" \
  "$demo/ppa/project-calico/calico-3.4/xenial/calico-felix_3.4.1-xenial_amd64.deb" || fail "calico-3.4's felix .deb is not testing's"
cmp -s "$demo/rpm-host/rpm/testing/x86_64/felix-3.4.1-1.el7.x86_64.rpm" "$demo/rpm-host/rpm/calico-3.4/x86_64/felix-3.4.1-1.el7.x86_64.rpm" ||
  fail "calico-3.4's felix RPM is not testing's"

# apt-get in a throwaway root, against the stand-in PPA's xenial repository.
root="$work/apt-root"
mkdir -p "$root/etc/apt" "$root/var/lib/apt/lists/partial" "$root/var/cache/apt/archives/partial" "$root/var/lib/dpkg" "$root/unpacked"
touch "$root/var/lib/dpkg/status"
echo "deb [trusted=yes] file:$demo/ppa/project-calico/calico-3.4/xenial ./" > "$root/etc/apt/sources.list"
apt_opts=(-o "Dir=$root" -o "Dir::State::status=$root/var/lib/dpkg/status" -o "Dir::Etc::SourceList=$root/etc/apt/sources.list"
          -o "Dir::Etc::SourceParts=$root/etc/apt/sources.list.d" -o "Dir::Etc::Preferences=$root/etc/apt/preferences"
          -o "Dir::Etc::PreferencesParts=$root/etc/apt/preferences.d" -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
apt-get "${apt_opts[@]}" update > "$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get update from the PPA stand-in failed"; }
apt-cache "${apt_opts[@]}" policy calico-felix > "$work/policy.txt"
grep -q "Candidate: 3.4.1-xenial" "$work/policy.txt" || { cat "$work/policy.txt"; fail "apt does not offer the promoted calico-felix 3.4.1-xenial"; }
(cd "$root/var/cache/apt/archives" && apt-get "${apt_opts[@]}" download calico-felix >> "$work/apt.log" 2>&1) ||
  { cat "$work/apt.log"; fail "apt-get download calico-felix failed"; }
dpkg-deb -x "$root"/var/cache/apt/archives/calico-felix_*.deb "$root/unpacked"
"$root/unpacked/usr/bin/calico-felix" > "$work/felix-ran.txt" || fail "the installed calico-felix does not run"
grep -q "calico-felix (calico-release-bot test fixture)" "$work/felix-ran.txt" || fail "the installed calico-felix printed something else"
echo "apt: calico-felix 3.4.1-xenial (promoted: testing's own binary) installed from the PPA stand-in into a throwaway root and ran"

# The RPM repository's metadata, as createrepo_c wrote it.
: > "$work/primary.xml"
for repomd in $(find "$demo/rpm-host/rpm/calico-3.4" -name repomd.xml); do
  for primary in "$(dirname "$repomd")"/*primary.xml*; do
    case "$primary" in
      *.gz) zcat "$primary" ;; *.zst) zstdcat "$primary" ;; *.xz) xzcat "$primary" ;; *.bz2) bzcat "$primary" ;; *) cat "$primary" ;;
    esac >> "$work/primary.xml"
  done
done
[ -s "$work/primary.xml" ] || fail "no createrepo_c metadata under $demo/rpm-host/rpm/calico-3.4"
for rpm in felix networking-calico python-etcd3gw dnsmasq; do
  grep -q "<name>$rpm</name>" "$work/primary.xml" || fail "the RPM metadata does not list $rpm"
done
echo "rpm: createrepo_c metadata lists felix, networking-calico, python-etcd3gw and dnsmasq"

# The browser, after: the list shows both builds succeeded and published, the build page its jobs.
browse "$url/" status-page-after
grep -q 'data-build="'"$release_id"'"' "$work/status-page-after.html" || fail "the build list does not show build $release_id"
[ "$(grep -o 'class="state succeeded"' "$work/status-page-after.html" | wc -l)" -ge 2 ] || fail "the build list does not show two succeeded builds"
grep -q 'class="state published"' "$work/status-page-after.html" || fail "the build list does not show the Launchpad state"
grep -q 'http-equiv="refresh"' "$work/status-page-after.html" && fail "the finished page still refreshes itself"
browse "$url/builds/$release_id" build-page-after
[ "$(grep -o 'data-job="[a-z0-9_]*/[a-z0-9]*"><span class="state succeeded"' "$work/build-page-after.html" | wc -l)" -eq 21 ] ||
  fail "the build page does not show 21 succeeded jobs"
grep -q '<table id="launchpad">' "$work/build-page-after.html" || fail "the build page has no Launchpad table"
browse "$url/builds/$release_id" build-page-phone 390,844  # kept to look at: the page on a phone
grep -q 'felix/xenial">log</a>\|logs/felix/xenial' "$work/build-page-after.html" || fail "the build page has no log link"
# (Whole outputs to files before grep -q: with pipefail, grep leaving early would fail the pipe.)
curl -fs "$url/builds/$release_id/logs/felix/xenial" > "$work/felix-xenial-log.html" || fail "GET the felix/xenial log page failed"
grep -q "dpkg-buildpackage\|dpkg-source" "$work/felix-xenial-log.html" || fail "the felix/xenial log page shows no build commands"
echo "browser: the status page shows the builds, jobs and publications; screenshots in $artifacts"
echo "PASS"
