#!/usr/bin/env bash
# Install the Debian packages runeval needs to build, test and benchmark.
# Idempotent: packages already installed are skipped, and apt is not
# touched at all when nothing is missing.  Needs root (or sudo).
set -euo pipefail

PKGS=(
	build-essential pkg-config git ca-certificates curl
	libcurl4-openssl-dev libwebsockets-dev libjansson-dev libarchive-dev
	libssl-dev		# libcrypto: SHA-256 of the uploaded bundle
	check bubblewrap procps iproute2 python3 valgrind
	slirp4netns		# daytona-lite: egress to allow-listed addresses
	nodejs npm		# the official Daytona SDK, for conformance tests
	prometheus		# promtool, to validate metrics.prom
	libxml2-utils		# xmllint, to validate junit.xml and the SVG
)

missing=()
for p in "${PKGS[@]}"; do
	[[ $p == \#* ]] && continue
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

# node/npm may come from elsewhere (nodesource, nvm): accept any working one
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
	filtered=()
	for p in "${missing[@]}"; do
		[[ $p == nodejs || $p == npm ]] || filtered+=("$p")
	done
	missing=("${filtered[@]}")
fi
# python3 may come from elsewhere too (pyenv)
if command -v python3 >/dev/null 2>&1; then
	filtered=()
	for p in "${missing[@]}"; do
		[[ $p == python3 ]] || filtered+=("$p")
	done
	missing=("${filtered[@]}")
fi

if ((${#missing[@]} == 0)); then
	echo "install-deps: all ${#PKGS[@]} packages present"
	exit 0
fi

SUDO=
if [[ $(id -u) -ne 0 ]]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		echo "install-deps: need root to install: ${missing[*]}" >&2
		exit 1
	fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# prometheus is only for promtool: do not let its service start here
if [[ " ${missing[*]} " == *" prometheus "* ]] && [[ ! -e /usr/sbin/policy-rc.d ]]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod 755 /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: done"
