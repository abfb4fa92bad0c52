#!/usr/bin/env bash
# Run every test binary given, sum up, and exit non-zero when any failed.
# VALGRIND=1 runs each under valgrind (memcheck, errors are failures).
# Prints a closing line "tests: N passed, N failed".
set -u

# Hermetic: the suites start their own servers and give each run what it
# needs.  A developer's provider credentials, state directory, CA or
# Docker host must not reach them (a reap would see the developer's
# journals, a job the developer's endpoint).
unset DAYTONA_API_URL DAYTONA_API_KEY DAYTONA_JWT_TOKEN \
	DAYTONA_ORGANIZATION_ID DAYTONA_TARGET E2B_API_KEY E2B_API_URL \
	E2B_DOMAIN ENVIRONMENT_API_KEY RUNEVAL_STATE_DIR RUNEVAL_CA_CERT \
	RUNEVAL_DOCKER_NETWORK RUNEVAL_MULTI_CHILD DOCKER_HOST \
	GITHUB_STEP_SUMMARY

passed=0 failed=0 broken=()
for t in "$@"; do
	name=$(basename "$t")
	log=$(mktemp)
	began=$SECONDS
	if [[ ${VALGRIND:-0} == 1 ]]; then
		CK_FORK=no CK_DEFAULT_TIMEOUT=600 RUNEVAL_VALGRIND=1 valgrind -q \
			--error-exitcode=99 --leak-check=full \
			--errors-for-leak-kinds=definite \
			--suppressions=tests/valgrind.supp "$t" >"$log" 2>&1
	else
		"$t" >"$log" 2>&1
	fi
	rc=$?
	cat "$log"
	echo "$name: $((SECONDS - began)) s"
	# libcheck's summary: "100%: Checks: 12, Failures: 0, Errors: 0"
	line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1)
	if [[ -n $line ]]; then
		checks=$(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")
		fails=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
		errs=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
		bad=$((fails + errs))
		passed=$((passed + checks - bad))
		failed=$((failed + bad))
		if ((rc != 0 && bad == 0)); then
			failed=$((failed + 1))
		fi
	else
		failed=$((failed + 1))
	fi
	((rc != 0)) && broken+=("$name")
	rm -f "$log"
done
echo
if ((${#broken[@]})); then
	echo "failing suites: ${broken[*]}"
fi
echo "tests: $passed passed, $failed failed"
((failed == 0 && ${#broken[@]} == 0))
