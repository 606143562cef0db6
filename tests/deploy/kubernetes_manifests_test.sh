#!/bin/sh
# deploy/kubernetes renders with the real kubectl (kustomize), and what it renders holds what the
# deployment promises: the bot's objects, probes on /healthz, a non-root restricted container, a
# Role limited to Jobs, Pods and their logs, a disruption budget, build Pods denied egress, and
# every object valid by Kubernetes' published schema.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v kubectl >/dev/null 2>&1; then
  echo "kubectl is not installed (scripts/install-deps installs it)" >&2
  exit 1
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
if ! command -v node >/dev/null 2>&1 || [ ! -d "$root/tests/schema/node_modules/kubernetes-models" ]; then
  echo "node and tests/schema's packages are needed (scripts/install-deps installs them)" >&2
  exit 1
fi
kubectl kustomize "$root/deploy/kubernetes" >"$out"

fail=0
expect() {  # expect <what> <fixed string>
  if ! grep -qF -- "$2" "$out"; then
    echo "FAIL: $1: no \"$2\" in the rendered manifests" >&2
    fail=1
  fi
}
count() {  # count <what> <whole line> <n>
  n=$(grep -cxF -- "$2" "$out" || true)
  if [ "$n" -ne "$3" ]; then
    echo "FAIL: $1: \"$2\" appears $n times, expected $3" >&2
    fail=1
  fi
}

for kind in ServiceAccount Role RoleBinding PersistentVolumeClaim Deployment Service PodDisruptionBudget \
            NetworkPolicy ConfigMap; do
  count "one $kind" "kind: $kind" 1
done
expect "the configuration as a ConfigMap" "bot.toml: |"
expect "everything in the namespace" "namespace: calico-release"
count "readiness and liveness on /healthz" "            path: /healthz" 2
expect "non-root" "runAsNonRoot: true"
expect "no privilege escalation" "allowPrivilegeEscalation: false"
expect "capabilities dropped" "- ALL"
expect "seccomp" "type: RuntimeDefault"
expect "memory limit" "memory: 2Gi"
expect "the Secret referenced" "secretName: calico-release-bot"
expect "a shared workspace" "- ReadWriteMany"
expect "PDB" "minAvailable: 1"
expect "egress denied to build Pods" "- Egress"
# The Role names three resources, nothing else, and no cluster-wide grant.
count "resources granted" "  - jobs" 1
count "pods granted" "  - pods" 1
count "pod logs granted" "  - pods/log" 1
count "no ClusterRole" "kind: ClusterRole" 0
count "no ClusterRoleBinding" "kind: ClusterRoleBinding" 0
if grep -q '"\*"\|- '"'"'\*'"'" "$out"; then
  echo "FAIL: a wildcard grant" >&2
  fail=1
fi
# Every object passes Kubernetes' published schema (kubernetes-models; scripts/install-deps
# installs it into tests/schema).
if ! schema=$(node "$root/tests/schema/validate.mjs" "$out" 2>&1); then
  echo "FAIL: the schema check: $schema" >&2
  fail=1
fi
if [ "$fail" -ne 0 ]; then
  cat "$out" >&2
  exit 1
fi
echo "deploy/kubernetes renders: $(grep -c '^kind:' "$out") objects"
