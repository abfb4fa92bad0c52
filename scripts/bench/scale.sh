#!/usr/bin/env bash
# Scale and scheduling benchmark (issue 17 targets), loopback only.  Every
# figure is the median of RUNS runs (3), with the load average printed
# next to it: the machine is shared.  CPU and peak RSS come from wait4()
# (microseconds, not /usr/bin/time's hundredths).
#
#  1. local: `runeval --local` on the null app (scripts/bench/null_app.c,
#     no work) at BIG seeds (100000): runeval's own CPU (user + sys of the
#     runeval process; writing result.json, the seed log and the reports
#     is included; the null app's own CPU, which wait4() adds to its
#     parent's, is taken out: the app writes it on SIGTERM, --usage) per
#     seed, and its peak RSS next to the floor (a program that links only
#     libcurl, jansson and libm and makes one request:
#     scripts/bench/curl_floor.c).  Targets: <= 30 us per seed, peak RSS
#     <= floor + 30 MB.  The CPU floor is measured in the same run:
#     curl_floor making BIG bare requests to the same null app, 8 at a
#     time on keep-alive connections, parsing each answer.
#  2. sandboxes: the cost per seed over 1 and over 64 sandboxes on
#     daytona-lite, null app.  Taken from runeval's own account of the
#     rollouts phases (result.json's job.rollouts_cpu_ms: its sandboxes'
#     threads' CPU while they ran rollouts), so no bring-up or teardown is
#     in it; a seed's cost is the marginal one: that CPU for SEEDS (1000)
#     seeds less that for one seed per sandbox (the engines' start and each
#     sandbox's first connection), over the difference in seeds.  Target:
#     per seed at 64 <= 1.3x per seed at 1.  The rollouts phases' CPU over
#     all seeds and the whole jobs' CPU are printed too.  A reference in
#     the same runs: what a plain libcurl client pays for the same seeds
#     over the same sandboxes' previews (curl_floor over 64 kept sandboxes
#     and over one of them, 8 requests in flight to each, the answers
#     parsed, the same marginal figure), with one thread and with a thread
#     per sandbox; the cheaper counts.  A seed over 64 sandboxes costs
#     more there too: the 1000 seeds open 512 connections, against 8 (on
#     64 x 8 slots each carries two requests).  It is not a strict floor:
#     runeval keeps each slot's handle, options and buffers from one
#     rollout to the next, the plain client sets its options per request.
#     runeval's cost per seed less the reference's, over 1 and over 64
#     sandboxes, is printed.
#  3. work stealing: SEEDS seeds over 16 sandboxes on daytona-lite with
#     the bundled task app, policy noop and policy reference, the bundle
#     cache warm (one job of 1 seed first: packing the bundle is once per
#     content, not per job).  The ideal wall time is one bring-up (the
#     median time from the job's start to a sandbox's first healthy
#     answer) plus the rollout work (the sum of the rollouts' own times,
#     from result.json's spans) spread over every slot (16 x
#     --concurrency), plus one teardown (the median).  Target: wall <=
#     1.05x the ideal; peak RSS <= floor + 3 MB.  Under it, measured in the
#     same run: what libcurl alone pays for the job's 64 connections
#     (curl_floor, SEEDS requests 64 at a time), and what the records
#     keep of the app's answers in memory (statuses, errors, and the
#     details the seed log does not hold: seedlog.h), and runeval with
#     the same seeds and 64 in flight on one sandbox (one bring-up, one
#     thread's event loop: what putting every sandbox on one loop could
#     at best come to).
#  4. faults: 40% of sandbox starts failing (--fault-error-rate 0.4) and
#     10% of preview requests answered 5xx by the proxy
#     (--fault-preview-5xx-rate 0.1): every seed must complete and no
#     sandbox may be left.
#
# Env: BUILD (build), BIG (100000), SEEDS (1000), RUNS (3), PARTS
# ("1 2 3 4").
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/bench/common.bash
BUILD=${BUILD:-build}
BIG=${BIG:-100000}
SEEDS=${SEEDS:-1000}
RUNS=${RUNS:-3}
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
kept_job=
cleanup() {
	# part 2's kept sandboxes, when it stopped before deleting them
	[[ -n $kept_job ]] && "$RUNEVAL" reap --job "$kept_job" >/dev/null 2>&1
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
echo "machine: $(uname -srm), $(nproc) cpus, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

mkdir -p "$tmp/nullapp"
cc -O2 -o "$tmp/nullapp/null_app" scripts/bench/null_app.c
cc -O2 -o "$tmp/curl_floor" scripts/bench/curl_floor.c -lcurl -ljansson -lm \
	-lpthread
printf '#!/bin/sh\nexec ./null_app --port "${PORT:-8000}"\n' >"$tmp/nullapp/start.sh"
chmod +x "$tmp/nullapp/start.sh"

# figures of one run: "wall_s cpu_s maxrss_kb" from wait4(); its output
# in $out.log
timed() {
	local out=$1
	shift
	python3 - "$out.log" "$@" <<'EOF'
import os, sys, time
log, argv = sys.argv[1], sys.argv[2:]
t0 = time.monotonic()
pid = os.fork()
if pid == 0:
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.execvp(argv[0], argv)
_, status, ru = os.wait4(pid, 0)
print(f"{time.monotonic() - t0:.3f} {ru.ru_utime + ru.ru_stime:.6f} {ru.ru_maxrss}")
EOF
}

load() {
	cut -d' ' -f1 /proc/loadavg
}

# the floor: libcurl + jansson + libm and one request to a live null app
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$tmp/nullapp" && PORT=$port ENVIRONMENT_API_KEY=floor exec ./null_app --port "$port") &
pids+=($!)
until curl -s -o /dev/null "http://127.0.0.1:$port/health"; do sleep 0.05; done
# (a failed request stops the bench)
floor_kb=$(bench_floor_kb "$tmp/curl_floor" "http://127.0.0.1:$port/health" \
	"$tmp")
echo "floor: peak RSS ${floor_kb} kB (libcurl + jansson + libm, one request; median of 5)"

if [[ " $PARTS " == *" 1 "* ]]; then
	: >"$tmp/p1"
	for i in $(seq 1 "$RUNS"); do
		rm -rf "$tmp/big" "$tmp/nullapp/usage.txt"
		read -r wall cpu kb < <(timed "$tmp/big" "$RUNEVAL" --local \
			--seeds "$BIG" --concurrency 8 --app "$tmp/nullapp" \
			--start 'exec ./null_app --usage usage.txt' \
			--out "$tmp/big" -q --env-file /dev/null)
		[[ -s $tmp/nullapp/usage.txt ]] || {
			echo "scale.sh: the null app left no usage" >&2
			exit 1
		}
		read -r au as _ <"$tmp/nullapp/usage.txt"
		# the CPU floor: BIG bare libcurl requests, 8 at a time
		read -r fwall fcpu _ < <(timed "$tmp/floor" "$tmp/curl_floor" \
			"http://127.0.0.1:$port/rollout" "$BIG" 8 floor)
		echo "$wall $cpu $au $as $kb $(load) $fcpu" >>"$tmp/p1"
	done
	python3 - "$tmp/p1" "$floor_kb" "$BIG" <<'EOF'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
floor, n = float(sys.argv[2]), float(sys.argv[3])
med = lambda k: statistics.median(r[k] for r in rows)
own = statistics.median(r[1] - r[2] - r[3] for r in rows)
app = statistics.median(r[2] + r[3] for r in rows)
kb = med(4)
print(f"1. local, {int(n)} seeds, null app, median of {len(rows)}: wall "
      f"{med(0):.1f} s, runeval CPU {own / n * 1e6:.1f} us/seed (target "
      f"<= 30, outputs included; the app's own {app / n * 1e6:.1f} us/seed "
      f"left out; the floor, bare libcurl requests 8 at a time with a "
      f"parse each: {med(6) / n * 1e6:.1f} us/request), peak RSS "
      f"{kb / 1024:.1f} MB = floor + {(kb - floor) / 1024:.1f} MB (target "
      f"<= +30); load " + ", ".join(f"{r[5]:.2f}" for r in rows))
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

# sandboxes left on the current daytona-lite (its list is paginated:
# {"items": [...], "nextCursor": ...}; a bare array before)
left() {
	curl -s -H "Authorization: Bearer benchkey" "$DAYTONA_API_URL/sandbox" |
		python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["items"] if isinstance(d, dict) else d))'
}

# the preview URLs and tokens of the sandboxes on the current
# daytona-lite, one "URL<TAB>header" line each (curl_floor's @FILE)
previews() {
	python3 - "$DAYTONA_API_URL" "$1" <<'EOF'
import json, sys, urllib.request
api, port = sys.argv[1], sys.argv[2]
def get(path):
    req = urllib.request.Request(api + path,
                                 headers={"Authorization": "Bearer benchkey"})
    return json.load(urllib.request.urlopen(req))
d = get("/sandbox")
for s in d["items"] if isinstance(d, dict) else d:
    p = get(f"/sandbox/{s['id']}/ports/{port}/preview-url")
    print(f"{p['url']}\tX-Daytona-Preview-Token: {p.get('token') or ''}")
EOF
}

if [[ " $PARTS " == *" 2 "* ]]; then
	lite_up cpu
	# the reference's sandboxes: 64 null apps kept up, with a known key
	ENVIRONMENT_API_KEY=floor "$RUNEVAL" --daytona --seeds 64 \
		--sandboxes 64 --app "$tmp/nullapp" --start 'exec ./start.sh' \
		--out "$tmp/kept" -q --env-file /dev/null --keep \
		>"$tmp/kept.log" 2>&1 || {
		echo "scale.sh: the reference's 64 sandboxes did not come up:" >&2
		tail -5 "$tmp/kept.log" >&2
		exit 1
	}
	kept_job=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"]["id"])' "$tmp/kept/result.json")
	previews 8000 >"$tmp/ends64"
	head -1 "$tmp/ends64" >"$tmp/ends1"
	[[ $(wc -l <"$tmp/ends64") == 64 ]] || {
		echo "scale.sh: the reference's 64 sandboxes did not come up" >&2
		exit 1
	}
	# "m n cpu_s wall_s load rollouts_cpu_ms" per job, and "floor m n
	# threads cpu_us" per reference run
	: >"$tmp/p2"
	for i in $(seq 1 "$RUNS"); do
		for m in 1 64; do
			for t in 1 "$m"; do
				for n in "$m" "$SEEDS"; do
					# its CPU (us); a failed request fails it
					us=$("$tmp/curl_floor" "@$tmp/ends$m" \
						"$n" 8 floor "$t")
					echo "floor $m $n $t $us" >>"$tmp/p2"
				done
				[[ $m == 1 ]] && break
			done
		done
		for m in 1 64; do
			for n in "$m" "$SEEDS"; do
				rm -rf "$tmp/m$m-$n"
				read -r wall cpu kb < <(timed "$tmp/m$m-$n" \
					"$RUNEVAL" --daytona --seeds "$n" \
					--sandboxes "$m" --app "$tmp/nullapp" \
					--start 'exec ./start.sh' \
					--out "$tmp/m$m-$n" -q --env-file /dev/null)
				rcpu=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["job"]["rollouts_cpu_ms"])' "$tmp/m$m-$n/result.json")
				# the next figure starts once the engine has
				# removed this job's sandboxes (64 kept)
				for _ in $(seq 1 200); do
					[[ $(left) -le 64 ]] && break
					sleep 0.05
				done
				echo "$m $n $cpu $wall $(load) $rcpu" >>"$tmp/p2"
			done
		done
	done
	"$RUNEVAL" reap --job "$kept_job" >/dev/null 2>&1 || true
	kept_job=
	python3 - "$tmp/p2" "$SEEDS" <<'EOF'
import statistics, sys
lines = [l.split() for l in open(sys.argv[1])]
rows = [r for r in lines if r[0] != "floor"]
floors = [r[1:] for r in lines if r[0] == "floor"]
seeds = int(sys.argv[2])
def med(m, n, k):
    return statistics.median(float(r[k]) for r in rows
                             if int(r[0]) == m and int(r[1]) == n)
def fmed(m, n, t):
    return statistics.median(float(r[3]) for r in floors
                             if int(r[0]) == m and int(r[1]) == n
                             and int(r[2]) == t) / 1e3
# the reference per seed, the same marginal figure: the cheaper of one
# thread and a thread per sandbox
fper = {}
for m in (1, 64):
    fper[m] = min((fmed(m, seeds, t) - fmed(m, m, t)) / (seeds - m) * 1e3
                  for t in {1, m})
    for t in sorted({1, m}):
        print(f"2. reference, a plain libcurl client: {seeds} requests over {m} "
              f"preview(s), 8 in flight to each, {t} thread(s): "
              f"{fmed(m, seeds, t):.1f} ms ({m} requests: "
              f"{fmed(m, m, t):.1f} ms); per request "
              f"{(fmed(m, seeds, t) - fmed(m, m, t)) / (seeds - m) * 1e3:.1f} us")
per, phase = {}, {}
for m in (1, 64):
    # the rollouts phases' CPU of SEEDS seeds less that of one seed per
    # sandbox: what a seed adds, without the engines' own start and the
    # first connection of each sandbox
    per[m] = (med(m, seeds, 5) - med(m, m, 5)) / (seeds - m) * 1e3
    phase[m] = med(m, seeds, 5) / seeds * 1e3
    print(f"2. {seeds} seeds over {m} sandbox(es), null app: wall "
          f"{med(m, seeds, 3):.2f} s, runeval CPU {med(m, seeds, 2):.3f} s "
          f"for the whole job, {med(m, seeds, 5):.1f} ms in the rollouts "
          f"phases ({phase[m]:.1f} us a seed; {m} seed(s): "
          f"{med(m, m, 5):.1f} ms); per seed {per[m]:.1f} us")
print(f"2. CPU per seed, 64 sandboxes / 1: {per[64] / per[1]:.2f}x (target "
      f"<= 1.3x); the reference's: {fper[64] / fper[1]:.2f}x; the rollouts "
      f"phases whole: {phase[64] / phase[1]:.2f}x; whole jobs: "
      f"{med(64, seeds, 2) / med(1, seeds, 2):.2f}x; load "
      + ", ".join(r[4] for r in rows))
print(f"2. runeval less the reference, per seed: {per[1] - fper[1]:+.1f} us "
      f"over 1 sandbox, {per[64] - fper[64]:+.1f} us over 64")
# each run's own ratios (its four jobs, its six reference runs): how much
# of the spread is the machine's
def ratio(r, k, lo1, hi1, lo64, hi64):
    return ((float(r[hi64][k]) - float(r[lo64][k])) / (seeds - 64)) / \
        ((float(r[hi1][k]) - float(r[lo1][k])) / (seeds - 1))
mine = [ratio(rows[i:i + 4], 5, 0, 1, 2, 3) for i in range(0, len(rows), 4)]
refs = []
for i in range(0, len(floors), 6):
    f = floors[i:i + 6]	# m1: n1 n, m64 t1: n1 n, m64 t64: n1 n
    p1 = (float(f[1][3]) - float(f[0][3])) / (seeds - 1)
    p64 = min(float(f[3][3]) - float(f[2][3]), float(f[5][3]) -
              float(f[4][3])) / (seeds - 64)
    refs.append(p64 / p1)
print("2. run by run, runeval: " + ", ".join(f"{x:.2f}x" for x in mine) +
      "; the reference: " + ", ".join(f"{x:.2f}x" for x in refs))
EOF
fi

# wall against the ideal for one result.json: "wall ideal bringup_s
# work_s teardown_s ratio completed/seeds"
ideal() {
	python3 - "$1" "$2" "$3" <<'EOF'
import json, statistics, sys
path, wall, slots = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
d = json.load(open(path))
spans = d["spans"]
health = [s["start_ms"] + s["ms"] for s in spans if s["phase"] == "health" and s["ok"]]
down = [s["ms"] for s in spans if s["phase"] == "teardown"]
work = sum(s["ms"] for s in spans if s["phase"] == "rollout")
bring, tear = statistics.median(health) / 1000, statistics.median(down) / 1000
ideal = bring + work / 1000 / slots + tear
s = d["summary"]
print(f"{wall:.3f} {ideal:.3f} {bring:.3f} {work / 1000:.3f} {tear:.3f} "
      f"{wall / ideal:.4f} {s['completed']}/{s['seeds']}")
EOF
}

if [[ " $PARTS " == *" 3 "* ]]; then
	# what libcurl alone pays for the job's 64 connections (16 sandboxes x
	# --concurrency 4): SEEDS bare requests, 64 at a time, to the null app
	conn_kb=$(/usr/bin/time -f %M "$tmp/curl_floor" \
		"http://127.0.0.1:$port/rollout" "$SEEDS" 64 floor 2>&1 \
		>/dev/null | tail -1)
	lite_up steal
	# the bundle cache, warm: packing is once per content
	"$RUNEVAL" --daytona --seeds 1 --out "$tmp/warm" -q \
		--env-file /dev/null >/dev/null 2>&1
	for policy in noop reference; do
		: >"$tmp/p3-$policy"
		for i in $(seq 1 "$RUNS"); do
			rm -rf "$tmp/s-$policy"
			read -r wall cpu kb < <(timed "$tmp/s-$policy" \
				"$RUNEVAL" --daytona --seeds "$SEEDS" \
				--sandboxes 16 --concurrency 4 \
				--policy "$policy" --out "$tmp/s-$policy" -q \
				--env-file /dev/null)
			echo "$(ideal "$tmp/s-$policy/result.json" "$wall" 64) $kb $(load)" >>"$tmp/p3-$policy"
		done
		# the same seeds and the same 64 in flight on one sandbox: one
		# bring-up, every rollout on one thread's event loop; what a
		# job with all its sandboxes on one loop could at best come to
		rm -rf "$tmp/one-$policy"
		read -r _ _ one_kb < <(timed "$tmp/one-$policy" \
			"$RUNEVAL" --daytona --seeds "$SEEDS" --sandboxes 1 \
			--concurrency 64 --policy "$policy" \
			--out "$tmp/one-$policy" -q --env-file /dev/null)
		python3 - "$tmp/p3-$policy" "$floor_kb" "$policy" "$SEEDS" \
			"$conn_kb" "$tmp/s-$policy/result.json" "$one_kb" <<'EOF'
import json, statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
floor, policy, seeds = float(sys.argv[2]), sys.argv[3], sys.argv[4]
conn = float(sys.argv[5])
# what the records keep of the answers in memory, as result.json writes
# them: the app's words, errors, and details under SEEDLOG_SPOOL_MIN (128)
# bytes or of a record without a `more` (the seed log holds the others)
def has_more(r):
    return any(r.get(k) for k in ("success_status", "status_detail", "task",
                                  "difficulty", "tokens", "tries", "run"))
def details_kept(r):
    d = r.get("details")
    n = 0 if d is None else len(json.dumps(d, separators=(",", ":"),
                                           ensure_ascii=False).encode())
    return 0 if n >= 128 and has_more(r) else n
kept = sum(details_kept(r) + sum(
    len(r.get(k) or "") for k in ("success_status", "status_detail", "task",
                                  "difficulty", "error"))
    for r in json.load(open(sys.argv[6]))["rollouts"])
med = lambda k: statistics.median(float(r[k]) for r in rows)
print(f"3. {seeds} seeds over 16 sandboxes, policy {policy}, median of "
      f"{len(rows)}: wall {med(0):.2f} s, ideal {med(1):.2f} s (bring-up "
      f"{med(2):.2f} s + {med(3):.1f} s of rollouts / 64 slots + teardown "
      f"{med(4):.2f} s), ratio {med(5):.3f} (target <= 1.05), ok "
      f"{min(r[6] for r in rows)}; peak RSS floor + "
      f"{(med(7) - floor) / 1024:.1f} MB (target <= +3); ratios "
      + ", ".join(r[5] for r in rows) + "; load "
      + ", ".join(r[8] for r in rows))
print(f"3. under it, policy {policy}: libcurl alone with the job's 64 "
      f"connections (bare requests, 64 at a time) floor + "
      f"{(conn - floor) / 1024:.1f} MB; the answers the records keep "
      f"in memory (statuses, errors, details the seed log does not hold) "
      f"{kept / 1024 / 1024:.1f} MB; "
      f"runeval above both: {(med(7) - conn) / 1024 - kept / 1024 / 1024:.1f} MB; "
      f"one sandbox with the same 64 in flight (one bring-up, one event "
      f"loop) floor + {(float(sys.argv[7]) - floor) / 1024:.1f} MB")
EOF
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
