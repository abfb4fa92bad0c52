#!/usr/bin/env bash
# runeval's own processes under valgrind (memcheck), end to end.
#
# `make valgrind` runs the test suites under valgrind, but a suite that
# runs build/runeval runs it natively: valgrind follows no exec.  This
# runs the jobs themselves under it, and the offline servers they talk
# to: a local job; one interrupted by SIGINT and resumed; a Daytona job
# of two sandboxes on a daytona-lite that fails 40% of sandbox starts and
# answers 30% of preview requests with a proxy's 5xx (the replacement and
# retry paths), with --keep and a reap after; the same on e2b-lite; the
# Daytona lifecycle (on a daytona-lite without faults); a report with a
# baseline.  An error valgrind finds, or a definite leak, fails it (exit
# 99), as does a command's failure; the faulty jobs retry enough (8) that
# a seed or a sandbox lost to the dice is one in thousands.  Loopback
# only.  A job of several providers is left out: its children
# are exec'd through /proc/self/exe, which under valgrind is valgrind's
# own tool.
#
# Env: BUILD (build), KEEP_TMP (set: keep the outputs).
# Prints "valgrind jobs: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

build=${BUILD:-build}
vg=(valgrind -q --error-exitcode=99 --leak-check=full
    --errors-for-leak-kinds=definite --suppressions=tests/valgrind.supp)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/runeval-vgjobs.XXXXXX")
servers=()
cleanup() {
	for p in "${servers[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[[ -n ${KEEP_TMP:-} ]] || rm -rf "$tmp"
}
trap cleanup EXIT

# as hermetic as the suites
. scripts/hermetic.bash
export RUNEVAL_STATE_DIR=$tmp/state RUNEVAL_VALGRIND=1

passed=0 failed=0

# verdict NAME RC WANT LOG [WHAT]: count exit RC against WANT; on a
# failure, say so and show LOG
verdict() {
	if (($2 == $3)); then
		passed=$((passed + 1))
		echo "ok   $1${5:+: $5}"
	else
		failed=$((failed + 1))
		echo "FAIL $1: exit $2, not $3${5:+ ($5)}"
		sed 's/^/    /' "$4"
	fi
}

# step NAME WANT CMD...: run CMD under valgrind; its exit must be WANT
step() {
	local name=$1 want=$2
	shift 2
	"${vg[@]}" "$@" >"$tmp/$name.log" 2>&1
	verdict "$name" $? "$want" "$tmp/$name.log"
}

# expect NAME REGEX: step NAME's output matches REGEX (grep -E)
expect() {
	grep -qE "$2" "$tmp/$1.log" && return
	failed=$((failed + 1))
	echo "FAIL $1: no '$2' in its output"
	sed 's/^/    /' "$tmp/$1.log"
}

# serve NAME URLVAR BIN ARGS...: start an offline server under valgrind,
# wait for its "API at URL" line, set URLVAR
serve() {
	local name=$1 var=$2 found=
	shift 2
	"${vg[@]}" "$@" --listen 127.0.0.1:0 --state-dir "$tmp/$name" \
		--api-key vgkey >"$tmp/$name.server.log" 2>&1 &
	servers+=($!)
	for _ in $(seq 1 600); do
		found=$(grep -o 'API at [^ ]*' "$tmp/$name.server.log" |
			cut -d' ' -f3 || true)
		[[ -n $found ]] && break
		sleep 0.1
	done
	[[ -n $found ]] || {
		echo "valgrind-jobs.sh: $name did not start:" >&2
		cat "$tmp/$name.server.log" >&2
		exit 1
	}
	printf -v "$var" '%s' "$found"
}

# stop NAME: SIGTERM to the server started last; under valgrind it must
# exit clean
stop() {
	local pid=${servers[-1]}

	unset 'servers[-1]'
	kill -TERM "$pid"
	wait "$pid"
	verdict "$1" $? 0 "$tmp/$1.server.log" "exits clean at SIGTERM"
}

job=(-q --env-file /dev/null)
retry=(--sandbox-retries 8 --retries 8)
rv=$build/runeval

step local 0 "$rv" --local --seeds 4 --out "$tmp/local" "${job[@]}"

# interrupted mid-job (the teardown, the seed log), then resumed
"${vg[@]}" "$rv" --local --seeds 300 --concurrency 2 --out "$tmp/int" \
	"${job[@]}" >"$tmp/interrupted.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
	[[ -s $tmp/int/seeds.jsonl ]] &&
		(($(wc -l <"$tmp/int/seeds.jsonl") > 20)) && break
	sleep 0.1
done
kill -INT "$pid"
wait "$pid"
verdict interrupted $? 130 "$tmp/interrupted.log" "SIGINT"
step resume 0 "$rv" resume "$tmp/int" -q

# the lifecycle on a server that does not fail (it makes one sandbox)
serve daytona-lite url "$build/daytona-lite"
export DAYTONA_API_URL=$url DAYTONA_API_KEY=vgkey
step daytona-lifecycle 0 "$rv" lifecycle --daytona
stop daytona-lite

serve daytona-faults url "$build/daytona-lite" --seed 7 \
	--fault-error-rate 0.4 --fault-preview-5xx-rate 0.3
export DAYTONA_API_URL=$url
step daytona 0 "$rv" --daytona --seeds 8 --sandboxes 2 --keep \
	"${retry[@]}" --out "$tmp/daytona" "${job[@]}"
kept=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["job"]["id"])' \
	"$tmp/daytona/result.json" 2>/dev/null)
step daytona-reap 0 "$rv" reap --job "${kept:-none}"
# each slot that ended with a sandbox kept it (a slot whose sandboxes
# all failed while the other ran every seed has none): all deleted
expect daytona-reap "reap: ([1-9][0-9]*) found, \\1 deleted"
stop daytona-faults
unset DAYTONA_API_URL DAYTONA_API_KEY

serve e2b-lite url "$build/e2b-lite" --seed 7 \
	--fault-error-rate 0.4 --fault-preview-5xx-rate 0.3
export E2B_API_URL=$url E2B_SANDBOX_URL=$url E2B_API_KEY=vgkey
step e2b 0 "$rv" --e2b --seeds 6 --sandboxes 2 "${retry[@]}" \
	--out "$tmp/e2b" "${job[@]}"
stop e2b-lite

step report 0 "$rv" report "$tmp/local/result.json" \
	"$tmp/daytona/result.json" "$tmp/e2b/result.json" \
	--baseline "$tmp/local/result.json" --out "$tmp/report"

echo "valgrind jobs: $passed passed, $failed failed"
((failed == 0))
