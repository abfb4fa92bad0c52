#!/usr/bin/env bash
# scripts/install-deps.sh [--test]
#
# Install the Debian packages runeval needs: to build and run it (with
# daytona-lite's bubblewrap sandboxes), and with --test also what the test
# suite and the benchmarks need (libcheck, valgrind, clang's fuzzer
# runtime, xmllint, promtool, Node.js and the pinned official SDKs under
# tests/sdk).  Each set is minimal: no service is installed or enabled
# (promtool is taken out of Debian's prometheus package, whose server is
# never installed).
#
# Idempotent: what is present is skipped, and apt is not touched at all
# when nothing is missing.  Needs root (or sudo) only when it installs.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_PKGS=(
	build-essential pkg-config git ca-certificates
	libcurl4-openssl-dev libwebsockets-dev libjansson-dev libarchive-dev
	libyaml-dev		# the job configuration file
	libssl-dev		# libcrypto: SHA-256 of the uploaded bundle
	bubblewrap		# daytona-lite's sandboxes (runeval --daytona --lite)
	slirp4netns		# daytona-lite: egress to allow-listed addresses
	binutils		# strip, for the sandbox bundle
)
TEST_PKGS=(
	check valgrind procps iproute2 python3 curl
	clang libclang-rt-14-dev	# make fuzz: clang's libFuzzer runtime
	libxml2-utils		# xmllint, to validate junit.xml and the SVG
	nodejs npm		# the official SDKs, for conformance tests
	openssl			# a throwaway CA for the TLS tests and benches
	docker.io		# the Docker provider's tests start a private dockerd
	debootstrap		# scripts/docker-image.sh builds the image offline
	busybox-static		# and a FROM-scratch one
)

test=0
case "${1:-}" in
--test) test=1 ;;
"") ;;
-h | --help)
	sed -n '2,14s/^# \{0,1\}//p' "$0"
	exit 0
	;;
*)
	echo "install-deps: unknown option '$1' (see --help)" >&2
	exit 2
	;;
esac

want=("${BUILD_PKGS[@]}")
((test)) && want+=("${TEST_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
	case $p in
	nodejs | npm) command -v node >/dev/null && command -v npm >/dev/null &&
		continue ;;	# node/npm may come from nodesource or nvm
	python3) command -v python3 >/dev/null && continue ;;	# or pyenv
	esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed' || missing+=("$p")
done
need_promtool=0
((test)) && ! command -v promtool >/dev/null && need_promtool=1

SUDO=
if ((${#missing[@]} || need_promtool)) && [[ $(id -u) -ne 0 ]]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "install-deps: need root to install: ${missing[*]}" \
			"$( ((need_promtool)) && echo promtool)" >&2
		exit 1
	fi
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
updated=0 rcd=0 tmp=
cleanup() {
	[[ -z $tmp ]] || rm -rf "$tmp"
	((rcd == 0)) || $SUDO rm -f /usr/sbin/policy-rc.d
}
trap cleanup EXIT
apt_update() {
	((updated)) || $SUDO apt-get update -qq
	updated=1
}

if ((${#missing[@]})); then
	echo "install-deps: installing ${missing[*]}"
	apt_update
	# docker.io's daemon is started by the tests on a private socket: a
	# system dockerd would add a bridge and firewall rules to this host
	if [[ " ${missing[*]} " == *" docker.io "* && ! -e /usr/sbin/policy-rc.d ]]; then
		printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
		$SUDO chmod 755 /usr/sbin/policy-rc.d
		rcd=1
	fi
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# promtool alone: the binary out of the prometheus package, no server
if ((need_promtool)); then
	echo "install-deps: installing promtool (from Debian's prometheus" \
		"package, without its server)"
	apt_update
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get download prometheus >/dev/null)
	dpkg-deb -x "$tmp"/prometheus_*.deb "$tmp/x"
	$SUDO install -m 755 "$tmp/x/usr/bin/promtool" /usr/local/bin/promtool
fi

# the pinned official SDKs for the conformance tests (make test is offline):
# again whenever package-lock.json changed since the last install
if ((test)); then
	lock=$(sha256sum tests/sdk/package-lock.json | cut -d' ' -f1)
	stamp=tests/sdk/node_modules/.runeval-lock
	if [[ ! -f $stamp || $(cat "$stamp") != "$lock" ]]; then
		echo "install-deps: npm ci in tests/sdk (the pinned official SDKs)"
		npm ci --prefix tests/sdk --no-audit --no-fund --loglevel=error
		echo "$lock" >"$stamp"
	fi
fi

# the Docker suites' images, built offline once and cached (debootstrap
# from Debian's mirror, about 75 s; later runs find the cache)
if ((test)); then
	echo "install-deps: the Docker test images (scripts/docker-image.sh)"
	bash scripts/docker-image.sh --tarball >/dev/null
	bash scripts/docker-image.sh --scratch --tarball >/dev/null
fi

echo "install-deps: $( ((test)) && echo "build and test" || echo build)" \
	"dependencies present"
