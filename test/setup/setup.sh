#!/usr/bin/env bash
# Prepares a Debian 12 machine (as root) for nodelet's tests and demo. Idempotent and fast when
# everything is already there: each step checks its result first and skips.
#   1. Debian packages (apt-get update only when something is missing)
#   2. npm dependencies (npm ci when node_modules does not match package-lock.json)
#   3. the CRI API proto from the Go module k8s.io/cri-api -> $NODELET_CACHE/cri-api.path
#   4. the test images (pause, busybox) as OCI tarballs in $NODELET_CACHE/images/
#   5. the control plane for cluster-mode tests (kube-apiserver built from source the first time,
#      several minutes; then cached in $NODELET_CACHE/control-plane/, see control-plane.sh)
# Environment: NODELET_CACHE (default /var/cache/nodelet), NODELET_CRI_API_VERSION.
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${NODELET_CACHE:-/var/cache/nodelet}"
cri_api_version="${NODELET_CRI_API_VERSION:-v0.34.2}"
export NODELET_CACHE="$cache"

t0=$(date +%s%N)
step() {
  local ms=$((($(date +%s%N) - t0) / 1000000))
  printf '[setup %3d.%ds] %s\n' $((ms / 1000)) $((ms % 1000 / 100)) "$*"
}
die() {
  echo "setup: $*" >&2
  exit 1
}

[[ $(id -u) -eq 0 ]] || die "must run as root (containerd, netns, cgroups)"
command -v apt-get >/dev/null || die "needs a Debian-like system with apt-get"

# --- 1. packages -------------------------------------------------------------------------------
packages=(
  containerd runc containernetworking-plugins
  iptables nftables conntrack ipset ipvsadm iproute2 util-linux procps
  busybox-static gcc libc6-dev binutils
  tar gzip git ca-certificates openssl
  etcd-server
)
command -v go >/dev/null || packages+=(golang-go)
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)"
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if ((${#missing[@]} > 0)); then
  step "installing packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Install services without starting them (a system etcd or containerd would take ports and
  # sockets the tests use); tests start their own instances.
  own_policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    own_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ -n "$own_policy" ]]; then
    rm -f /usr/sbin/policy-rc.d
    trap - EXIT
  fi
else
  step "packages: all installed"
fi

# --- 2. npm dependencies -----------------------------------------------------------------------
cd "$repo"
# npm keeps node_modules/.package-lock.json in step with what it installed; when it is newer than
# package.json and package-lock.json, node_modules matches them.
hidden_lock=node_modules/.package-lock.json
if [[ -x node_modules/.bin/node && -f "$hidden_lock" && "$hidden_lock" -nt package.json &&
  (! -f package-lock.json || "$hidden_lock" -nt package-lock.json) ]]; then
  step "npm: node_modules up to date"
elif [[ -f package-lock.json ]]; then
  step "npm ci"
  npm_log="$(mktemp)"
  if ! npm ci --no-audit --no-fund --loglevel=error 2>"$npm_log"; then
    # The lock file may lack other platforms' optional packages (e.g. @biomejs/cli-darwin-*)
    # when it was written where the registry did not offer them; npm ci refuses that.
    grep -m 3 -v '^npm error *$' "$npm_log" >&2 || true
    step "npm ci refused package-lock.json: npm install --no-save instead"
    npm install --no-save --no-audit --no-fund --loglevel=error
  fi
  rm -f "$npm_log"
else
  step "npm install (no package-lock.json)"
  npm install --no-audit --no-fund --loglevel=error
fi
[[ -x node_modules/.bin/node ]] || die "node_modules/.bin/node missing after npm install (devDependency 'node')"

# --- 3. CRI API proto --------------------------------------------------------------------------
mkdir -p "$cache"
pointer="$cache/cri-api.path"
if [[ -f "$pointer" && -f "$(cat "$pointer")" && "$(cat "$pointer")" == *"/k8s.io/cri-api@$cri_api_version/"* ]]; then
  step "CRI proto: $(cat "$pointer")"
else
  step "CRI proto: go mod download k8s.io/cri-api@$cri_api_version"
  json="$(cd "$cache" && env GOPATH="$cache/go" GOMODCACHE="$cache/go/pkg/mod" GOFLAGS=-modcacherw \
    GO111MODULE=on GOTOOLCHAIN=local go mod download -json "k8s.io/cri-api@$cri_api_version")"
  moddir="$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  proto="$moddir/pkg/apis/runtime/v1/api.proto"
  [[ -f "$proto" ]] || die "api.proto not found in k8s.io/cri-api@$cri_api_version (go said: $json)"
  echo "$proto" >"$pointer.tmp" && mv "$pointer.tmp" "$pointer"
  step "CRI proto: $proto"
fi

# --- 4. images ---------------------------------------------------------------------------------
step "images"
bash "$repo/test/images/build-images.sh"

# --- 5. control plane ---------------------------------------------------------------------------
# Cached by version; prune keeps only the binaries in use (the Go caches are gigabytes).
step "control plane (kube-apiserver, kubectl, etcd)"
bash "$repo/test/setup/control-plane.sh" build
bash "$repo/test/setup/control-plane.sh" prune

# --- 6. build ----------------------------------------------------------------------------------
# The daemon runs from dist/ (plain JS: no type-stripping compiler loaded at run time).
step "build: tsc -> dist/"
(cd "$repo" && ./node_modules/.bin/tsc -p tsconfig.build.json)

step "done (cache: $cache)"
