#!/usr/bin/env bash
# Daytona benchmark, all on daytona-lite servers started here (loopback
# only):
#
#  1. client: `runeval lifecycle --daytona` (C) against the official
#     TypeScript SDK (@daytonaio/sdk 0.218.0, tests/sdk) doing the same
#     lifecycle (create, wait, upload + check + unpack, exec, preview URL,
#     delete: --no-interactive), each as a whole process, RUNS times each,
#     interleaved; then both again with the interpreter (python3 -c pass)
#     and the time to interactive (a python3 http.server until its first
#     200 through its preview URL), spans daytona-lifecycle-interactive and
#     daytona-sdk-interactive, no target.
#     Figure: median C wall time / median SDK wall time (target <= 0.25).
#     Spans: provider daytona-lifecycle (C) and daytona-sdk, phase per
#     step, and "lifecycle" for the whole process.
#  2. TLS: the same lifecycle against a second daytona-lite serving HTTPS
#     (--tls-cert, a throwaway CA made here with openssl, trusted with
#     RUNEVAL_CA_CERT / NODE_EXTRA_CA_CERTS), interleaved with plain HTTP
#     runs: requests per lifecycle, connections opened (keep-alive
#     reuse: target <= 2), and median time over TLS / over HTTP (target
#     <= 1.2).  Spans: daytona-lifecycle-tls, daytona-sdk-tls.
#  3. scale: `runeval --daytona --seeds SEEDS --sandboxes M`, wall time
#     against the ideal from uncontended rollouts, and create->ready per
#     sandbox (common.bash bench_scale).  Spans: daytona-job.
#  4. readiness: how long after the app inside the sandbox accepts
#     connections runeval's health wait sees 200 through the preview proxy.
#
# Samples go to $OUT (default build/bench/daytona) as span lines for
# `runeval report`.  Env: BUILD (build), RUNS (10), SEEDS (200), M (8),
# UNCONTENDED (24: seeds of the one-at-a-time job), SDK (tests/sdk: the
# npm package.json of the SDK conformance tests).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=common.bash
. scripts/bench/common.bash
bench_init daytona daytona-lite

bench_machine

# --- daytona-lite -----------------------------------------------------------
key=bench-$RANDOM$RANDOM$RANDOM
bench_start_lite "$tmp/state" "$key" "$tmp/lite.log"
url=$lite_started_url
export DAYTONA_API_URL=$url DAYTONA_API_KEY=$key RUNEVAL_STATE_DIR=$tmp/state-runeval
unset DAYTONA_JWT_TOKEN DAYTONA_ORGANIZATION_ID DAYTONA_TARGET

# --- 1. C client against the official SDK ---------------------------------
bench_payload
bench_client_pair daytona @daytonaio/sdk

# --- 2. the same lifecycle over TLS ---------------------------------------
# A throwaway CA and a certificate for 127.0.0.1, localhost and
# *.preview.localhost; a second daytona-lite serves HTTPS and wss with it.
lifecycle_once() {	# $1 = env file; prints "process_ms reqs conns lifecycle_ms"
	local t0 t1 rc=0
	t0=$(now_ns)
	env $(cat "$1") "$BUILD/runeval" lifecycle --daytona --json \
		>"$tmp/l.out" 2>"$tmp/l.err" || rc=$?
	t1=$(now_ns)
	if ((rc != 0)); then	# a failed run is no sample: say why
		echo "lifecycle ($(basename "$1" .env)) failed:" \
			"$(grep -m1 error "$tmp/l.err")" >&2
		return 0
	fi
	awk -v a="$t0" -v b="$t1" '/requests over/ {
		for (i = 1; i <= NF; i++) {
			if ($i == "requests") r = $(i - 1)
			if ($i == "connections") c = $(i - 1)
		}
		l = $(NF - 1)
	} END { printf "%.3f %s %s %s\n", (b - a) / 1e6, r, c, l }' "$tmp/l.err"
}
if command -v openssl >/dev/null; then
	mkdir -p "$tmp/ca"
	(cd "$tmp/ca" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout ca.key -out ca.pem -days 2 -subj '/CN=bench CA' &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout srv.key -out srv.csr -subj '/CN=localhost' &&
	printf 'subjectAltName=DNS:localhost,DNS:*.preview.localhost,IP:127.0.0.1\n' >ext &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
		-CAcreateserial -out srv.pem -days 2 -extfile ext) >/dev/null 2>&1
	bench_start_lite "$tmp/t" "$key" "$tmp/tls.log" \
		--tls-cert "$tmp/ca/srv.pem" --tls-key "$tmp/ca/srv.key"
	tls_url=$lite_started_url
	echo "DAYTONA_API_URL=$url" >"$tmp/plain.env"
	printf 'DAYTONA_API_URL=%s\nRUNEVAL_CA_CERT=%s\n' "$tls_url" \
		"$tmp/ca/ca.pem" >"$tmp/tls.env"
	: >"$tmp/tls.rows"
	: >"$tmp/plain.rows"
	for _ in $(seq 1 "$RUNS"); do
		lifecycle_once "$tmp/plain.env" >>"$tmp/plain.rows"
		lifecycle_once "$tmp/tls.env" >>"$tmp/tls.rows"
		sed 's/"provider":"daytona"/"provider":"daytona-lifecycle-tls"/' \
			"$tmp/l.out" >>"$OUT/client.jsonl"
		if ((${#SDK_CMD[@]})); then
			t0=$(now_ns)
			DAYTONA_API_URL=$tls_url NODE_EXTRA_CA_CERTS=$tmp/ca/ca.pem \
				"${SDK_CMD[@]}" >/dev/null 2>&1 || true
			t1=$(now_ns)
			awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f\n", (b-a)/1e6}' >>"$tmp/sdk-tls.ms"
		fi
	done
	python3 - "$tmp/plain.rows" "$tmp/tls.rows" "$OUT/client.jsonl" "$tmp/sdk-tls.ms" <<'PY'
import json, os, statistics as st, sys
def rows(p):
    return [l.split() for l in open(p) if len(l.split()) == 4]
plain, tls = rows(sys.argv[1]), rows(sys.argv[2])
with open(sys.argv[3], "a") as f:
    for who, rs in (("daytona-lifecycle", plain), ("daytona-lifecycle-tls", tls)):
        for proc, _, _, life in rs:
            f.write(json.dumps({"provider": who, "phase": "lifecycle_requests",
                                "ms": float(life), "ok": True}) + "\n")
            f.write(json.dumps({"provider": who, "phase": "lifecycle_process",
                                "ms": float(proc), "ok": True}) + "\n")
def med(rs, i):
    return st.median(float(r[i]) for r in rs)
if plain and tls:
    ratio = med(tls, 3) / med(plain, 3)
    conns = max(int(r[2]) for r in tls)
    for name, rs in (("TLS", tls), ("HTTP", plain)):
        print(f"lifecycle over {name}, median of {len(rs)}: {med(rs, 3):.1f} ms "
              f"from the first request to the last ({med(rs, 0):.1f} ms for the "
              f"whole process), {med(rs, 1):.0f} requests over "
              f"{med(rs, 2):.0f} connection(s)")
    print(f"connections per lifecycle over TLS: at most {conns} (target <= 2: "
          f"{'met' if conns <= 2 else 'MISSED'})")
    print(f"TLS / HTTP time of the lifecycle: {ratio:.2f} (target <= 1.2: "
          f"{'met' if ratio <= 1.2 else 'MISSED'}); of the whole process "
          f"{med(tls, 0) / med(plain, 0):.2f} (it also loads OpenSSL's CA "
          f"file once)")
sdk = sys.argv[4]
if os.path.exists(sdk) and os.path.getsize(sdk):
    v = [float(l) for l in open(sdk)]
    print(f"SDK lifecycle over TLS, median of {len(v)}: {st.median(v):.1f} ms "
          f"(its connections are not counted here)")
PY
else
	echo "openssl missing: TLS runs skipped"
fi

# --- 3. SEEDS seeds over M sandboxes against the ideal ---------------------
bench_scale daytona

# --- 4. readiness detection lag through the preview proxy ------------------
bench_readiness daytona

# the reporter: per provider and phase statistics, C against the SDK
bench_report
left=$(curl -s -H "Authorization: Bearer $key" "$url/sandbox" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["items"] if isinstance(d, dict) else d))' || echo '?')
echo "sandboxes left on daytona-lite: $left"
echo "samples: $OUT/*.jsonl"
