#!/usr/bin/env bash
# Run every test binary given, sum up, and exit non-zero when any failed.
# VALGRIND=1 runs each under valgrind (memcheck, errors are failures).
# TEST_JOBS=N runs N suites at a time (default 4: most suites spend their
# time waiting on servers and sandboxes, not on the CPU), the slowest of
# the last run first ($BUILD/.test-times, or .test-times-valgrind); each
# suite's output is printed whole when it ends.
# Prints a closing line "tests: N passed, N failed".
set -u

# hermetic: nothing of a developer's environment reaches the suites
. "$(dirname "$0")/hermetic.bash"

jobs_max=${TEST_JOBS:-4}
# (at most 100: each slot's sandbox uids stay below 2^31)
[[ $jobs_max =~ ^[1-9][0-9]?$|^100$ ]] || {
	echo "run-tests.sh: TEST_JOBS must be a number from 1 to 100, not '$jobs_max'" >&2
	exit 2
}
work=$(mktemp -d "${TMPDIR:-/tmp}/runeval-tests.XXXXXX")
trap 'rm -rf "$work"' EXIT
times=${BUILD:-build}/.test-times
[[ ${VALGRIND:-0} == 1 ]] && times+=-valgrind

# The suites, slowest first by the last run's times (a new one first).
order() {
	local t
	for t in "$@"; do
		printf '%s %s\n' "${t##*/}" "$t"
	done | awk -v f="$times" '
		BEGIN { while ((getline l < f) > 0) { split(l, a, " "); s[a[1]] = a[2] } }
		{ print (($1 in s) ? s[$1] : 99999), substr($0, index($0, " ") + 1) }' |
		sort -s -k1,1nr | cut -d' ' -f2-
}

# Suites that start a private dockerd (tests/docker_engine.c): once, with
# three such engines side by side, a container of check_provider_contract
# found no /bin/sh in its image; they run one at a time.
docker_suites="check_docker check_compare check_provider_contract"

# One suite in slot k (0 to TEST_JOBS - 1): its own state directory
# (nothing of a developer's, nor of another suite's), the lite servers'
# sandbox uids from a range of the slot's own (two servers of suites
# running at once never take the same uid: 2 000 000 apart, as
# daytona-lite's and e2b-lite's defaults are 1 000 000), its log printed
# whole, a tally line "name seconds passed failed rc".
run_one() {
	local t=$1 name dir began rc line checks fails errs bad
	name=$(basename "$t")
	dir=$(mktemp -d "$work/$name.XXXXXX")
	export DAYTONA_LITE_SANDBOX_UID=$((1900000000 + $2 * 2000000))
	export E2B_LITE_SANDBOX_UID=$((1901000000 + $2 * 2000000))
	began=$SECONDS
	# the suites that start a private dockerd run one at a time (the
	# lock is this subshell's, not the suite's: fd 8 is closed for it)
	[[ " $docker_suites " == *" $name "* ]] &&
		exec 8>>"$work/docker.lock" && flock 8
	if [[ ${VALGRIND:-0} == 1 ]]; then
		XDG_STATE_HOME=$dir CK_FORK=no CK_DEFAULT_TIMEOUT=600 \
			RUNEVAL_VALGRIND=1 valgrind -q \
			--error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite \
			--suppressions=tests/valgrind.supp "$t" >"$dir.log" \
			2>&1 8>&-
	else
		XDG_STATE_HOME=$dir "$t" >"$dir.log" 2>&1 8>&-
	fi
	rc=$?
	# libcheck's summary: "100%: Checks: 12, Failures: 0, Errors: 0"
	line=$(grep -E '^[0-9]+%: Checks: ' "$dir.log" | tail -n 1)
	if [[ -n $line ]]; then
		checks=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
		fails=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
		errs=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
		bad=$((fails + errs))
		checks=$((checks - bad))
		# a suite that failed with every check passed: one more
		((rc != 0 && bad == 0)) && bad=1
	else
		checks=0 bad=1
	fi
	{
		flock 9
		cat "$dir.log"
		echo "$name: $((SECONDS - began)) s"
		echo "$name $((SECONDS - began)) $checks $bad $rc" \
			>>"$work/tally"
	} 9>>"$work/lock"
	rm -rf "$dir" "$dir.log"
}

# Each suite its own process group, so that an interrupt stops the
# suites running and what they started (background jobs of a script
# ignore SIGINT otherwise).
set -m
trap 'for p in $(jobs -p); do kill -TERM -- "-$p" 2>/dev/null; done
      wait; exit 130' INT TERM
: >"$work/tally"
mapfile -t suites < <(order "$@")
declare -A slot_of=()	# pid -> slot, while its suite runs
for t in "${suites[@]}"; do
	while ((${#slot_of[@]} >= jobs_max)); do
		wait -n -p ended
		[[ -n ${ended:-} && -n ${slot_of[$ended]:-} ]] || continue
		unset "slot_of[$ended]"
	done
	# the first slot no running suite holds
	for ((k = 0; k < jobs_max; k++)); do
		[[ " ${slot_of[*]} " == *" $k "* ]] || break
	done
	run_one "$t" "$k" &
	slot_of[$!]=$k
done
wait

passed=0 failed=0 broken=()
while read -r name secs ok bad rc; do
	passed=$((passed + ok))
	failed=$((failed + bad))
	((rc != 0)) && broken+=("$name")
done <"$work/tally"
# the next run starts with the slowest (a run of some suites keeps the
# others' times)
awk 'NR == FNR { t[$1] = $2; next } { t[$1] = $2 }
     END { for (k in t) print k, t[k] }' "$times" "$work/tally" \
	>"$times.new" 2>/dev/null ||
	awk '{ print $1, $2 }' "$work/tally" >"$times.new" 2>/dev/null
mv "$times.new" "$times" 2>/dev/null
echo
if ((${#broken[@]})); then
	echo "failing suites: ${broken[*]}"
fi
ran=$(wc -l <"$work/tally")
if ((ran != $#)); then
	echo "run-tests.sh: $(($# - ran)) suite(s) never reported" >&2
	failed=$((failed + $# - ran))
fi
echo "tests: $passed passed, $failed failed"
((failed == 0 && ${#broken[@]} == 0))
