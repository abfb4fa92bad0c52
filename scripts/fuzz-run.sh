#!/usr/bin/env bash
# Run each libFuzzer harness given (build-fuzz/fuzz/fuzz_<target>) for
# FUZZ_SECONDS (default 20) under ASan+UBSan, starting from the committed
# seeds in tests/fuzz/corpus/<target>/ (and tests/fuzz/dict/<target>.dict
# when there is one).  New inputs go to build-fuzz/corpus/<target>/, a
# crashing one to build-fuzz/crash/.  Fails when any harness crashes,
# leaks, trips a sanitizer or breaks a contract; prints the reproducer.
set -u

seconds=${FUZZ_SECONDS:-20}
failed=()
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for fuzzer in "$@"; do
	name=$(basename "$fuzzer")
	target=${name#fuzz_}
	out=$(dirname "$(dirname "$fuzzer")")
	seeds=tests/fuzz/corpus/$target
	work=$out/corpus/$target
	log=$out/log/$target.log
	mkdir -p "$work" "$out/crash" "$out/log"
	args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048
		-print_final_stats=1 -artifact_prefix="$out/crash/$target-")
	[[ -f tests/fuzz/dict/$target.dict ]] &&
		args+=(-dict="tests/fuzz/dict/$target.dict")
	[[ -d $seeds ]] || { echo "fuzz: no seeds in '$seeds'" >&2; exit 1; }
	printf '  FUZZ    %-24s %ss ' "$target" "$seconds"
	if "$fuzzer" "${args[@]}" "$work" "$seeds" >"$log" 2>&1; then
		runs=$(sed -nE 's/^stat::number_of_executed_units: *//p' "$log")
		cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1)
		echo "ok (${runs:-?} runs, ${cov:-cov: ?})"
	else
		echo "FAILED"
		grep -E 'ERROR|runtime error|contract broken|SUMMARY' "$log" |
			head -n 5 | sed 's/^/    /'
		crash=$(sed -nE 's/.*Test unit written to (.*)$/\1/p' "$log" |
			tail -n 1)
		echo "    log: $log"
		[[ -n $crash ]] && echo "    reproduce: $fuzzer $crash"
		failed+=("$target")
	fi
done

if ((${#failed[@]})); then
	echo "fuzz: crashed: ${failed[*]}"
	exit 1
fi
echo "fuzz: ${#@} harnesses, ${seconds}s each, no crash"
