#!/usr/bin/env bash
# Scale and scheduling benchmark (issue 17 targets), loopback only:
#
#  1. local: `runeval --local` on the null app (scripts/bench/null_app.c,
#     no work) at BIG seeds (100000): runeval's CPU (user + sys of the
#     whole process, so writing result.json, the seed log and the reports
#     is included) per seed, and its peak RSS next to the floor (a
#     program that links only libcurl, jansson and libm and makes one
#     request: scripts/bench/curl_floor.c).  Targets: <= 30 us per seed,
#     peak RSS <= floor + 30 MB.
#  2. sandboxes: SEEDS (1000) seeds of the null app on daytona-lite over 1
#     and over 64 sandboxes: runeval's CPU per seed at 64 against 1
#     (target <= 1.3x).
#  3. work stealing: SEEDS seeds over 16 sandboxes on daytona-lite with
#     the bundled task app, policy noop and policy reference.  The ideal
#     wall time is one bring-up (the median time from the job's start to
#     a sandbox's first healthy answer) plus the rollout work (the sum of
#     the rollouts' own times, from result.json) spread over every slot
#     (16 x --concurrency), plus one teardown (the median).  Target: wall
#     <= 1.05x the ideal; peak RSS <= floor + 3 MB.
#  4. faults: 40% of sandbox starts failing (--fault-error-rate 0.4) and
#     10% of preview requests answered 5xx by the proxy
#     (--fault-preview-5xx-rate 0.1): every seed must complete and no
#     sandbox may be left.
#
# Env: BUILD (build), BIG (100000), SEEDS (1000), PARTS ("1 2 3 4").
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
BIG=${BIG:-100000}
SEEDS=${SEEDS:-1000}
PARTS=${PARTS:-"1 2 3 4"}
[[ $BUILD == /* ]] || BUILD=$PWD/$BUILD
RUNEVAL=$BUILD/runeval
LITE=$BUILD/daytona-lite
[[ -x $RUNEVAL && -x $LITE && -x $BUILD/taskapp-bundle/start.sh ]] || {
	echo "scale.sh: build first: make all bundle" >&2
	exit 1
}
tmp=$(mktemp -d /tmp/runeval-bench-scale-XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
echo "machine: $(uname -srm), $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

mkdir -p "$tmp/nullapp"
cc -O2 -o "$tmp/nullapp/null_app" scripts/bench/null_app.c
cc -O2 -o "$tmp/curl_floor" scripts/bench/curl_floor.c -lcurl -ljansson -lm
printf '#!/bin/sh\nexec ./null_app --port "${PORT:-8000}"\n' >"$tmp/nullapp/start.sh"
chmod +x "$tmp/nullapp/start.sh"

# figures of one run: "wall_s cpu_s maxrss_kb" from /usr/bin/time
timed() {
	local out=$1
	shift
	/usr/bin/time -f '%e %U %S %M' -o "$out.time" "$@" >"$out.log" 2>&1 || true
	awk '{printf "%s %.3f %s\n", $1, $2 + $3, $4}' "$out.time"
}

# the floor: libcurl + jansson + libm and one request to a live null app
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$tmp/nullapp" && PORT=$port ENVIRONMENT_API_KEY=floor exec ./null_app --port "$port") &
pids+=($!)
until curl -s -o /dev/null "http://127.0.0.1:$port/health"; do sleep 0.05; done
floor_kb=$(/usr/bin/time -f %M "$tmp/curl_floor" "http://127.0.0.1:$port/health" 2>&1 >/dev/null | tail -1)
echo "floor: peak RSS ${floor_kb} kB (libcurl + jansson + libm, one request)"

if [[ " $PARTS " == *" 1 "* ]]; then
	read -r wall cpu kb < <(timed "$tmp/big" "$RUNEVAL" --local --seeds "$BIG" \
		--concurrency 8 --app "$tmp/nullapp" --start 'exec ./null_app' \
		--out "$tmp/big" -q --env-file /dev/null)
	python3 - "$wall" "$cpu" "$kb" "$floor_kb" "$BIG" <<'EOF'
import sys
wall, cpu, kb, floor, n = map(float, sys.argv[1:])
us = cpu / n * 1e6
print(f"1. local, {int(n)} seeds, null app: wall {wall:.1f} s, runeval CPU "
      f"{us:.1f} us/seed (target <= 30, outputs included), peak RSS "
      f"{kb/1024:.1f} MB = floor + {(kb-floor)/1024:.1f} MB (target <= +30)")
EOF
fi

lite_up() {
	local name=$1
	shift
	"$LITE" --listen 127.0.0.1:0 --state-dir "$tmp/lite-$name" \
		--api-key benchkey --quiet "$@" >"$tmp/lite-$name.log" 2>&1 &
	pids+=($!)
	url=
	for _ in $(seq 1 300); do
		url=$(grep -o 'API at [^ ]*' "$tmp/lite-$name.log" | cut -d' ' -f3 || true)
		[[ -n $url ]] && break
		sleep 0.05
	done
	[[ -n $url ]] || { echo "scale.sh: daytona-lite did not start" >&2; exit 1; }
	export DAYTONA_API_URL=$url DAYTONA_API_KEY=benchkey
	export RUNEVAL_STATE_DIR=$tmp/state-$name
	unset DAYTONA_JWT_TOKEN DAYTONA_ORGANIZATION_ID DAYTONA_TARGET
}

# sandboxes left on the current daytona-lite
left() {
	curl -s -H "Authorization: Bearer benchkey" "$DAYTONA_API_URL/sandbox" |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'
}

if [[ " $PARTS " == *" 2 "* ]]; then
	lite_up cpu
	declare -A per
	for m in 1 64; do
		read -r wall cpu kb < <(timed "$tmp/m$m" "$RUNEVAL" --daytona \
			--seeds "$SEEDS" --sandboxes "$m" --app "$tmp/nullapp" \
			--start 'exec ./start.sh' --out "$tmp/m$m" -q \
			--env-file /dev/null)
		per[$m]=$(python3 -c "print($cpu / $SEEDS * 1e6)")
		echo "2. $SEEDS seeds over $m sandbox(es), null app: wall $wall s, runeval CPU ${per[$m]} us/seed"
	done
	python3 -c "print('2. CPU per seed, 64 sandboxes / 1: %.2fx (target <= 1.3x)' % (${per[64]} / ${per[1]}))"
fi

# wall against the ideal for one result.json
ideal() {
	python3 - "$1" "$2" "$3" <<'EOF'
import json, statistics, sys
path, wall, slots = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
d = json.load(open(path))
spans = d["spans"]
health = [s["start_ms"] + s["ms"] for s in spans if s["phase"] == "health" and s["ok"]]
down = [s["ms"] for s in spans if s["phase"] == "teardown"]
work = sum(s["ms"] for s in spans if s["phase"] == "rollout")
ideal = (statistics.median(health) + work / slots + statistics.median(down)) / 1000
print(f"wall {wall:.2f} s, ideal {ideal:.2f} s (bring-up {statistics.median(health)/1000:.2f} s + "
      f"{work/1000:.1f} s of rollouts / {slots} slots + teardown), "
      f"ratio {wall/ideal:.3f} (target <= 1.05); "
      f"{d['summary']['completed']}/{d['summary']['seeds']} ok")
EOF
}

if [[ " $PARTS " == *" 3 "* ]]; then
	lite_up steal
	for policy in noop reference; do
		read -r wall cpu kb < <(timed "$tmp/s-$policy" "$RUNEVAL" --daytona \
			--seeds "$SEEDS" --sandboxes 16 --concurrency 4 \
			--policy "$policy" --out "$tmp/s-$policy" -q \
			--env-file /dev/null)
		echo "3. $SEEDS seeds over 16 sandboxes, policy $policy: $(ideal "$tmp/s-$policy/result.json" "$wall" 64); peak RSS floor + $(( (kb - floor_kb) / 1024 )) MB (target <= +3)"
	done
fi

if [[ " $PARTS " == *" 4 "* ]]; then
	lite_up err --fault-error-rate 0.4 --seed 17
	"$RUNEVAL" --daytona --seeds 100 --sandboxes 8 --app "$tmp/nullapp" \
		--start 'exec ./start.sh' --out "$tmp/f-err" -q \
		--env-file /dev/null && rc=0 || rc=$?
	echo "4. 40% of sandbox starts failing: exit $rc, $(python3 -c "import json; s=json.load(open('$tmp/f-err/result.json'))['summary']; print(s['completed'], 'of', s['seeds'], 'seeds ok')"), $(left) sandboxes left"
	lite_up prx --fault-preview-5xx-rate 0.1 --seed 17
	"$RUNEVAL" --daytona --seeds 100 --sandboxes 4 --app "$tmp/nullapp" \
		--start 'exec ./start.sh' --out "$tmp/f-prx" -q \
		--env-file /dev/null && rc=0 || rc=$?
	echo "4. 10% proxy 5xx: exit $rc, $(python3 -c "import json; d=json.load(open('$tmp/f-prx/result.json')); s=d['summary']; print(s['completed'], 'of', s['seeds'], 'seeds ok,', sum(1 for r in d['rollouts'] if 'tries' in r), 'retried')"), $(left) sandboxes left"
fi
