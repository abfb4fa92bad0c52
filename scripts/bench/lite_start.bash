# Sourced by the benches (not a bench: run-all.sh runs *.sh only).
#
#   lite_start STATE_DIR KEY LOG [server flags...]
#
# Start $LITE (daytona-lite or e2b-lite) on a free loopback port in the
# background and wait until it serves: sets lite_started_pid and
# lite_started_url (its API URL), or says why on stderr and exits 1.  The caller stops
# the pid.  Keep STATE_DIR short: sandboxes' unix sockets live beneath it
# and a socket path holds at most 107 bytes.
lite_start() {
	local state=$1 key=$2 log=$3
	shift 3
	"$LITE" --listen 127.0.0.1:0 --state-dir "$state" --api-key "$key" \
		--quiet "$@" >"$log" 2>&1 &
	lite_started_pid=$!
	lite_started_url=
	for _ in $(seq 1 300); do
		lite_started_url=$(grep -o 'API at [^ ]*' "$log" | cut -d' ' -f3 || true)
		[[ -n $lite_started_url ]] && return 0
		sleep 0.05
	done
	echo "$(basename "$LITE") did not start:" >&2
	cat "$log" >&2
	exit 1
}
