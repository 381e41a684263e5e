#!/usr/bin/env bash
# Builds the two test images as OCI layout tarballs, without any registry:
#   $NODELET_CACHE/images/pause.tar    registry.k8s.io/pause:3.9   (test/images/pause/pause.c, static)
#   $NODELET_CACHE/images/busybox.tar  docker.io/library/busybox:latest and :1.36 (Debian busybox-static)
# Each tarball is rebuilt only when its inputs changed (a sha256 stamp next to it).
# Needs: gcc + libc6-dev, busybox-static, tar, and the repo's node_modules (Node 24).
set -euo pipefail

repo="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${NODELET_CACHE:-/var/cache/nodelet}"
out="$cache/images"
node="$repo/node_modules/.bin/node"
builder="$repo/test/images/build-oci-image.ts"
mkdir -p "$out"

stamp_of() { cat "$@" | sha256sum | cut -d' ' -f1; }

up_to_date() { # name stamp
  [[ -f "$out/$1.tar" && -f "$out/$1.stamp" && "$(cat "$out/$1.stamp")" == "$2" ]]
}

build_pause() {
  local src="$repo/test/images/pause/pause.c"
  local stamp
  stamp="$(stamp_of "$src" "$builder" "$0")"
  if up_to_date pause "$stamp"; then
    echo "  pause image: up to date"
    return
  fi
  local work
  work="$(mktemp -d)"
  mkdir -p "$work/rootfs"
  gcc -static -O2 -Wall -Wextra -o "$work/rootfs/pause" "$src"
  strip "$work/rootfs/pause" 2>/dev/null || true
  "$node" "$builder" --rootfs "$work/rootfs" --out "$out/pause.tar" \
    --ref registry.k8s.io/pause:3.9 --entrypoint '["/pause"]'
  rm -rf "$work"
  echo "$stamp" >"$out/pause.stamp"
  echo "  pause image: built $out/pause.tar"
}

build_busybox() {
  local bb=/bin/busybox
  local stamp
  stamp="$(stamp_of "$bb" "$builder" "$0")"
  if up_to_date busybox "$stamp"; then
    echo "  busybox image: up to date"
    return
  fi
  local work
  work="$(mktemp -d)"
  local r="$work/rootfs"
  mkdir -p "$r"/{bin,sbin,usr/bin,usr/sbin,etc,dev,proc,sys,tmp,root,home,var/tmp,var/www,www}
  chmod 1777 "$r/tmp" "$r/var/tmp"
  chmod 0700 "$r/root"
  cp "$bb" "$r/bin/busybox"
  # Every applet at its usual place, as a symlink to /bin/busybox.
  local applet
  while read -r applet; do
    [[ -z "$applet" || "$applet" == "bin/busybox" ]] && continue
    mkdir -p "$r/$(dirname "$applet")"
    ln -sf /bin/busybox "$r/$applet"
  done < <("$bb" --list-full)
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$r/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$r/etc/group"
  "$node" "$builder" --rootfs "$r" --out "$out/busybox.tar" \
    --ref docker.io/library/busybox:latest --ref docker.io/library/busybox:1.36 --cmd '["sh"]'
  rm -rf "$work"
  echo "$stamp" >"$out/busybox.stamp"
  echo "  busybox image: built $out/busybox.tar"
}

build_pause
build_busybox
