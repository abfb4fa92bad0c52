#!/usr/bin/env bash
# docker-image.sh: the images runeval's Docker provider runs task apps in,
# built offline (no registry: Debian's mirror only) and cached.
#
#   scripts/docker-image.sh                 build runeval-taskapp:bookworm
#                                           into the engine at $DOCKER_HOST
#   scripts/docker-image.sh --scratch       runeval-scratch:busybox, a
#                                           FROM-scratch image with only a
#                                           static busybox (apps that need
#                                           nothing but a shell)
#   scripts/docker-image.sh --tarball       build (or find) the cached rootfs
#                                           tarball only and print its path;
#                                           no engine needed
#   --tag NAME                              import under NAME instead
#
# runeval-taskapp:bookworm is Debian 12 minbase (debootstrap --variant=
# minbase) with gcc, libc6-dev and python3: the bundled task app compiles
# candidates in C, and Python task apps run too.  debootstrap takes about
# 75 s and needs root and Debian's mirror ($RUNEVAL_DEBIAN_MIRROR, default
# the one apt uses, else http://deb.debian.org/debian); the rootfs tarball
# is cached in $RUNEVAL_CACHE_DIR (default /var/cache/runeval as root,
# else ~/.cache/runeval) under a name keyed by the hash of the recipe
# (the function below that builds it), so a
# later run (and every test engine) only imports it (a few seconds).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mode=taskapp tag= tarball_only=0
while (($#)); do
	case $1 in
	--scratch) mode=scratch ;;
	--tarball) tarball_only=1 ;;
	--tag) tag=${2:?--tag needs a name}; shift ;;
	-h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "docker-image.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done

if [[ -z ${RUNEVAL_CACHE_DIR:-} ]]; then
	if [[ $(id -u) -eq 0 ]]; then
		RUNEVAL_CACHE_DIR=/var/cache/runeval
	else
		RUNEVAL_CACHE_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/runeval
	fi
fi
mkdir -p "$RUNEVAL_CACHE_DIR"

# A cached artefact is named after its recipe: the function that makes it.
recipe_key() {
	declare -f "$1" | sha256sum | cut -c1-16
}

mirror() {
	if [[ -n ${RUNEVAL_DEBIAN_MIRROR:-} ]]; then
		echo "$RUNEVAL_DEBIAN_MIRROR"
		return
	fi
	local m
	m=$(grep -hsE '^(URIs:|deb ) *http' /etc/apt/sources.list \
		/etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources |
		grep -v security | head -n1 | grep -oE 'https?://[^ ]+' || true)
	echo "${m:-http://deb.debian.org/debian}"
}

# The Debian rootfs, built once per version of this script.
build_taskapp_tarball() {
	local out
	out=$RUNEVAL_CACHE_DIR/taskapp-bookworm-$(recipe_key build_taskapp_tarball).tar
	if [[ -s $out ]]; then
		echo "$out"
		return
	fi
	command -v debootstrap >/dev/null || {
		echo "docker-image.sh: debootstrap is missing: apt-get install debootstrap" >&2
		exit 1
	}
	[[ $(id -u) -eq 0 ]] || {
		echo "docker-image.sh: debootstrap needs root" >&2
		exit 1
	}
	local root
	root=$(mktemp -d "$RUNEVAL_CACHE_DIR/rootfs-XXXXXX")
	trap 'rm -rf "$root"' RETURN
	echo "docker-image.sh: debootstrap bookworm from $(mirror) (about 75 s)" >&2
	debootstrap --variant=minbase --include=gcc,libc6-dev,python3 \
		bookworm "$root" "$(mirror)" >"$root.log" 2>&1 || {
		tail -n 20 "$root.log" >&2
		rm -f "$root.log"
		echo "docker-image.sh: debootstrap failed" >&2
		exit 1
	}
	rm -f "$root.log"
	# what a container never needs: package caches, docs, manuals
	rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
		"$root"/usr/share/doc/* "$root"/usr/share/man/* \
		"$root"/usr/share/locale/* "$root"/usr/share/info/*
	tar --numeric-owner -C "$root" -cf "$out.part" .
	mv "$out.part" "$out"
	echo "$out"
}

# A FROM-scratch image: one static busybox and its applet links.
build_scratch_tarball() {
	local out bb
	out=$RUNEVAL_CACHE_DIR/scratch-busybox-$(recipe_key build_scratch_tarball).tar
	if [[ -s $out ]]; then
		echo "$out"
		return
	fi
	bb=$(command -v busybox || true)
	[[ -n $bb ]] && file -L "$bb" 2>/dev/null | grep -q 'statically' ||
		bb=/bin/busybox
	[[ -x $bb ]] || {
		echo "docker-image.sh: a static busybox is missing: apt-get install busybox-static" >&2
		exit 1
	}
	local root
	root=$(mktemp -d "$RUNEVAL_CACHE_DIR/scratch-XXXXXX")
	trap 'rm -rf "$root"' RETURN
	mkdir -p "$root/bin" "$root/tmp" "$root/etc"
	chmod 1777 "$root/tmp"
	cp "$bb" "$root/bin/busybox"
	for a in $("$bb" --list); do
		[[ $a == busybox ]] || ln -sf busybox "$root/bin/$a"
	done
	echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
	tar --numeric-owner -C "$root" -cf "$out.part" .
	mv "$out.part" "$out"
	echo "$out"
}

if [[ $mode == scratch ]]; then
	tarball=$(build_scratch_tarball)
	tag=${tag:-runeval-scratch:busybox}
	changes=(-c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin')
else
	tarball=$(build_taskapp_tarball)
	tag=${tag:-runeval-taskapp:bookworm}
	changes=(-c 'CMD ["/bin/bash"]'
		-c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
fi
if ((tarball_only)); then
	echo "$tarball"
	exit 0
fi
# Debian's docker CLI; another one in PATH may nag about its builder
docker=/usr/bin/docker
[[ -x $docker ]] || docker=docker
"$docker" import "${changes[@]}" "$tarball" "$tag" >/dev/null
echo "$tag"
