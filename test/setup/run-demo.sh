#!/usr/bin/env bash
# The demo: nodelet runs the Pod manifests of test/setup/demo-manifests/ (a web server, an init
# container filling an emptyDir, a crash-looping container) on an isolated containerd, with no
# cluster. Ctrl-C stops nodelet, then removes containerd, every pod, the network namespace and the
# cgroups. Needs root.
#   NODELET_DEMO_DIR      where everything lives (default /tmp/nodelet-demo)
#   NODELET_DEMO_MANIFESTS  another manifests directory
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"

bash test/setup/setup.sh

node="$repo/node_modules/.bin/node"
demo_dir="${NODELET_DEMO_DIR:-/tmp/nodelet-demo}"
manifests="${NODELET_DEMO_MANIFESTS:-$repo/test/setup/demo-manifests}"
ctd_dir="$demo_dir/containerd"
# Inside the containerd instance's dir, so that stopping the instance removes it too.
root_dir="$ctd_dir/nodelet"
# Static pods are named <manifest name>-<node name>.
node_name=demo
nodelet_pid=""

cleanup() {
  trap - EXIT INT TERM
  if [[ -n "$nodelet_pid" ]] && kill -0 "$nodelet_pid" 2>/dev/null; then
    echo "== stopping nodelet"
    kill -TERM "$nodelet_pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$nodelet_pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$nodelet_pid" 2>/dev/null || true
  fi
  echo "== removing containerd, pods, network namespace and cgroups"
  "$node" test/harness/containerd-cli.ts stop --dir "$ctd_dir" || true
  rmdir "$demo_dir" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== starting an isolated containerd in $ctd_dir"
info="$("$node" test/harness/containerd-cli.ts start --dir "$ctd_dir")"
field() { "$node" -e 'process.stdout.write(String(JSON.parse(process.argv[1])[process.argv[2]]))' "$info" "$1"; }
endpoint="$(field endpoint)"
netns="$(field netns)"
cgroup_root="$(field cgroupRoot)"
socket="$(field socketPath)"
echo "   endpoint $endpoint, network namespace $netns, cgroup root $cgroup_root ($(field startupMs) ms)"

cat <<EOF
== nodelet runs the manifests in $manifests
   In another terminal:
     $repo/bin/nodelet get pods -o wide --root-dir $root_dir
     $repo/bin/nodelet logs init-demo-$node_name --root-dir $root_dir
     nsenter --net=/run/netns/$netns sh     # pods' network: wget -qO- http://<pod IP>:8080/
     ctr -a $socket -n k8s.io containers ls
   Ctrl-C stops everything.
EOF

# nodelet lives in containerd's network namespace so that probes and Service rules reach pods.
# nsenter, not `ip netns exec`: the latter remounts /sys and hides /sys/fs/cgroup.
nsenter --net="/run/netns/$netns" -- "$repo/bin/nodelet" run \
  --manifests "$manifests" \
  --runtime-endpoint "$endpoint" \
  --node-name "$node_name" \
  --root-dir "$root_dir" \
  --pod-logs-dir "$root_dir/logs/pods" \
  --container-logs-dir "$root_dir/logs/containers" \
  --cgroup-root "$cgroup_root" &
nodelet_pid=$!
wait "$nodelet_pid"
