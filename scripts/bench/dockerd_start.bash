# Sourced by the benches (not a bench: run-all.sh runs *.sh only).
#
#   dockerd_start DIR NET    a private Docker engine under DIR
#   dockerd_stop             everything it made, gone
#
# As the tests start theirs (tests/docker_engine.c): dockerd from Debian's
# docker.io as root, on a socket, data root and exec root of its own
# under DIR, changing nothing of the host's networking (no iptables, no
# forwarding, no masquerade, no docker0), plus a bridge network NET on a
# private subnet for published ports.  dockerd_start exports DOCKER_HOST
# and RUNEVAL_DOCKER_NETWORK and sets dockerd_pid, or says why on stderr
# and returns 1; then `bash scripts/docker-image.sh` imports the image
# from its cache (the rootfs tarball is built on first use only).  dockerd_stop removes the containers, the network (else its
# bridge and a mount stay behind) and the engine, then unmounts anything
# left under DIR; it is safe to call twice, or after a failed start.
DOCKER=${DOCKER:-/usr/bin/docker}
dockerd_pid= dockerd_dir= dockerd_net=

dockerd_start() {
	dockerd_dir=$1 dockerd_net=$2
	if [[ $(id -u) -ne 0 || ! -x /usr/sbin/dockerd || ! -x $DOCKER ]]; then
		echo "a private Docker engine needs root and docker.io (dockerd)" >&2
		return 1
	fi
	mkdir -p "$dockerd_dir"
	/usr/sbin/dockerd --data-root "$dockerd_dir/data" \
		--exec-root "$dockerd_dir/exec" --pidfile "$dockerd_dir/dockerd.pid" \
		-H "unix://$dockerd_dir/docker.sock" \
		--iptables=false --ip6tables=false --ip-forward=false \
		--ip-masq=false --bridge=none --storage-driver=overlay2 \
		--exec-opt native.cgroupdriver=cgroupfs >"$dockerd_dir/dockerd.log" 2>&1 &
	dockerd_pid=$!
	export DOCKER_HOST=unix://$dockerd_dir/docker.sock
	for _ in $(seq 1 600); do
		"$DOCKER" version >/dev/null 2>&1 && break
		sleep 0.05
	done
	if ! "$DOCKER" version >/dev/null 2>&1; then
		echo "dockerd did not start:" >&2
		tail "$dockerd_dir/dockerd.log" >&2
		return 1
	fi
	# a private subnet no other engine here uses, nor a bridge a killed
	# run left (the tests pick theirs the same way)
	local tries third
	for ((tries = 0; ; tries++)); do
		if ((tries == 20)); then
			echo "cannot create the bridge network '$dockerd_net'" >&2
			return 1
		fi
		third=$((20 + ($$ + tries * 37) % 200))
		ip route show 2>/dev/null | grep -q "^10\.213\.$third\.0/24 " &&
			continue
		"$DOCKER" network create --driver bridge \
			--subnet "10.213.$third.0/24" \
			-o com.docker.network.bridge.name="$dockerd_net" \
			"$dockerd_net" >/dev/null 2>&1 && break
	done
	export RUNEVAL_DOCKER_NETWORK=$dockerd_net
}

dockerd_stop() {
	if [[ -n $dockerd_pid ]]; then
		"$DOCKER" rm -f $("$DOCKER" ps -aq 2>/dev/null) >/dev/null 2>&1 || true
		"$DOCKER" network rm "$dockerd_net" >/dev/null 2>&1 || true
		kill "$dockerd_pid" 2>/dev/null && wait "$dockerd_pid" 2>/dev/null
		dockerd_pid=
	fi
	[[ -n $dockerd_dir ]] || return 0
	# the engine's directory and below it, never a sibling sharing its prefix
	awk -v d="$dockerd_dir" '$2 == d || index($2, d "/") == 1 {print $2}' \
		/proc/self/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
	[[ -n $dockerd_net ]] && ip link del "$dockerd_net" 2>/dev/null || true
	return 0
}
