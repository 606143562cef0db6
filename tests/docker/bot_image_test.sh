#!/usr/bin/env bash
# The bot's own image, built and run for real.
#
#   tests/docker/bot_image_test.sh BUILD_DIR
#
# Builds docker/bot.Dockerfile FROM the local Debian 12 base (scripts/docker-engine base), checks
# the runtime stage holds the bot and its tools but no compiler, starts it with a mounted
# configuration (read-only) and data volume and the webhook secret from the environment, checks
# /healthz through the published port, posts a signed delivery (202 recorded), restarts the
# container and finds the delivery still in the store (the same GUID is a duplicate), and prints
# the image's size and the container's idle RSS (bench/README.md records them). Before serving,
# check-config in the image refuses the default centos7 platform (the image is not CentOS 7). Fails, saying
# why, when no Docker engine answers. The image stays tagged calico-release-bot:test: a rerun
# reuses its layers (only a source change recompiles).
set -euo pipefail
build_dir=$(realpath "$1")
repo_root=$(cd "$(dirname "$0")/../.." && pwd)
base=local/debian:bookworm
image=calico-release-bot:test
container=calico-release-bot-test-$$
fail() { echo "FAIL: $*" >&2; exit 1; }
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND exited $?" >&2' ERR

"$repo_root/scripts/docker-engine" check || fail "the docker tests need a Docker engine (above)"

work=$(mktemp -d "${TMPDIR:-/tmp}/calico-bot-image.XXXXXX")
cleanup() {
  docker rm --force "$container" >/dev/null 2>&1 || true
  [ -n "${CALICO_KEEP_SCRATCH:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

echo "== docker build -f docker/bot.Dockerfile --build-arg BASE=$base"
docker build --quiet --force-rm -f "$repo_root/docker/bot.Dockerfile" --build-arg BASE="$base" -t "$image" "$repo_root" > "$work/build.log" 2>&1 \
  || { tail -n 30 "$work/build.log" >&2; fail "docker build failed (log above)"; }

# The runtime stage: the bot and what it runs, not the compiler.
run_in() { docker run --rm --entrypoint "$1" "$image" "${@:2}"; }
run_in /usr/local/bin/calico-release-bot --help > "$work/help.txt" 2>&1 || fail "the bot does not run in its image: $(cat "$work/help.txt")"
for tool in dpkg-buildpackage dput rpmbuild createrepo_c gpg git ssh; do
  run_in /usr/bin/which "$tool" >/dev/null || fail "$tool is missing from the image"
done
for compiler in /usr/bin/g++ /usr/bin/c++ /usr/bin/cmake /usr/bin/ninja; do
  run_in /usr/bin/test ! -e "$compiler" || fail "$compiler is in the runtime image"
done

# A configuration and a data volume as README's `docker run` line mounts them.
uid=$(run_in /usr/bin/id -u calico-release-bot)
mkdir -p "$work/config" "$work/data"
chown "$uid" "$work/data"
cat > "$work/config/bot.toml" <<'TOML'
[server]
address = "0.0.0.0"
port = 8080
[store]
path = "/var/lib/calico-release-bot/state.sqlite"
[publish]
work_dir = "/var/lib/calico-release-bot/work"
mirror_dir = "/var/lib/calico-release-bot/mirrors"
[secrets]
webhook_secret = { env = "CALICO_WEBHOOK_SECRET" }
TOML
secret=image-test-secret-$$

# The image is Debian: its local executor refuses the default centos7 platform at check-config
# (exit 3, naming it) rather than failing at the first rpmbuild.
set +e
docker run --rm --volume "$work/config:/etc/calico-release-bot:ro" --volume "$work/data:/var/lib/calico-release-bot" --env CALICO_WEBHOOK_SECRET="$secret" \
  "$image" check-config --config /etc/calico-release-bot/bot.toml > "$work/check.txt" 2>&1
checked=$?
set -e
[ "$checked" = 3 ] && grep -q 'platform "centos7"' "$work/check.txt" \
  || fail "check-config in the image with the default rpm platform exited $checked: $(cat "$work/check.txt")"
echo "ok    the image's local executor refuses centos7: $(grep -o 'platform "centos7"[^,]*' "$work/check.txt")"
for series in xenial bionic; do
  printf '[[publish.platforms]]\nname = "%s"\nkind = "deb"\n' "$series" >> "$work/config/bot.toml"
done

start() {
  docker run --detach --name "$container" --publish 127.0.0.1::8080 \
    --volume "$work/config:/etc/calico-release-bot:ro" --volume "$work/data:/var/lib/calico-release-bot" \
    --env CALICO_WEBHOOK_SECRET="$secret" "$image" >/dev/null
  port=$(docker port "$container" 8080/tcp | head -n 1 | sed 's/.*://')
  for _ in $(seq 1 100); do
    if curl --silent --fail --max-time 2 "http://127.0.0.1:$port/healthz" > "$work/healthz.json" 2>/dev/null; then return 0; fi
    [ "$(docker inspect --format '{{.State.Running}}' "$container")" = true ] || break
    sleep 0.2
  done
  docker logs "$container" 2>&1 | tail -n 20 >&2
  fail "the bot's container did not answer /healthz on port $port"
}

deliver() {  # GUID → $status (HTTP) and $answer (the body); the delivery is a real tag push
  local payload=$repo_root/tests/data/payloads/push_tag.json
  local signature
  signature=sha256=$(openssl dgst -sha256 -hmac "$secret" -r "$payload" | cut -d' ' -f1)
  status=$(curl --silent --output "$work/response.json" --write-out '%{http_code}' --max-time 10 \
    -H "Content-Type: application/json" -H "X-GitHub-Event: push" -H "X-GitHub-Delivery: $1" \
    -H "X-Hub-Signature-256: $signature" --data-binary "@$payload" "http://127.0.0.1:$port/webhook")
  answer=$(cat "$work/response.json")
}

start
echo "ok    /healthz: $(cat "$work/healthz.json")"
guid=11111111-2222-3333-4444-$(printf '%012d' $$)
deliver "$guid"
[ "$status" = 202 ] && echo "$answer" | grep -q recorded || fail "a signed delivery got $status $answer"
echo "ok    signed delivery: $status $answer"
# (a delivery signed with another secret is refused)
secret_saved=$secret; secret=wrong
deliver "$guid-wrong"
secret=$secret_saved
[ "$status" = 401 ] || fail "a delivery signed with another secret got $status $answer"
echo "ok    wrongly signed delivery: $status"

# Idle figures for bench/README.md.
sleep 2
pid=$(docker inspect --format '{{.State.Pid}}' "$container")
rss_kb=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
size=$(docker image inspect --format '{{.Size}}' "$image")
base_size=$(docker image inspect --format '{{.Size}}' "$base")
bot_size=$(run_in /usr/bin/stat --format %s /usr/local/bin/calico-release-bot)
echo "figures: image $((size / 1024 / 1024)) MiB (base $((base_size / 1024 / 1024)) MiB, the bot's binary $((bot_size / 1024 / 1024)) MiB), idle RSS $((rss_kb / 1024)) MiB ($rss_kb kB)"

# The store outlives the container.
docker stop --time 20 "$container" >/dev/null
docker rm "$container" >/dev/null
[ -s "$work/data/state.sqlite" ] || fail "no store in the data volume after the container stopped"
start
deliver "$guid"
[ "$status" = 202 ] && echo "$answer" | grep -q duplicate || fail "after a restart the same delivery got $status $answer (expected: duplicate)"
echo "ok    after a restart the store still holds the delivery: $answer"
docker logs "$container" 2>&1 | grep -q "$secret" && fail "the webhook secret appears in the container's log"
echo "bot image: checked"
