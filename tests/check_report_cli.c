/*
 * `runeval report` as a process: the table, the baseline comparison, gates
 * that hold (exit 0) and fail (1), bad input and usage (2).
 */
#include "testutil.h"

#include "report_helpers.h"
#include "rv_alloc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define tmp rh_tmp

#define report rh_report

#define FIX(name) rh_fixture(name)

START_TEST(test_table_and_gates_that_hold)
{
	char *docker = FIX("result_docker.json"), *out = NULL;

	ck_assert_int_eq(report(&out, NULL, docker, "--gate",
				"p95(provision) < 2s", "--gate",
				"success_rate(rollout) >= 90%", NULL), 0);
	ck_assert_msg(strstr(out, "PROVIDER  PHASE       N  OK  SUCCESS"), "%s", out);
	ck_assert_msg(strstr(out, "docker    rollout    12  11    91.7%"), "%s", out);
	ck_assert(strstr(out, "ok   p95(provision) < 2s: docker 386.9 ms\n"));
	ck_assert(strstr(out, "ok   success_rate(rollout) >= 90%: docker 91.7%\n"));
	free(out);
	free(docker);
}
END_TEST

START_TEST(test_a_failed_gate_says_which_and_by_how_much)
{
	char *docker = FIX("result_docker.json"), *out = NULL;

	ck_assert_int_eq(report(&out, NULL, docker, "--quiet", "--gate",
				"p95(provision) < 2s", "--gate",
				"p50(provision) < 300ms", NULL), 1);
	ck_assert_msg(strstr(out, "FAIL p50(provision) < 300ms: docker 379.2 ms is 79.2 ms (26.4%) over the limit\n"),
		      "%s", out);
	ck_assert(strstr(out, "runeval report: 1 of 2 gates failed"));
	ck_assert_ptr_null(strstr(out, "PROVIDER"));	/* --quiet */
	free(out);
	free(docker);
}
END_TEST

START_TEST(test_baseline_comparison_and_regress_gate)
{
	char *docker = FIX("result_docker.json");
	char *daytona = FIX("result_daytona.json"), *out = NULL;
	char *cand = rv_xasprintf("%s/cand.jsonl", tmp);
	char *base = rv_xasprintf("%s/base.jsonl", tmp);
	FILE *c = fopen(cand, "w"), *b = fopen(base, "w");

	/* health got 30% slower in the candidate, 20 samples each */
	for (int i = 0; i < 20; i++) {
		fprintf(b, "{\"provider\":\"docker\",\"phase\":\"health\",\"ms\":%d,\"ok\":true}\n",
			100 + i);
		fprintf(c, "{\"provider\":\"docker\",\"phase\":\"health\",\"ms\":%d,\"ok\":true}\n",
			130 + i);
	}
	fclose(c);
	fclose(b);
	ck_assert_int_eq(report(&out, NULL, cand, "--baseline", base,
				"--gate", "p50(health) regress < 20%", NULL), 1);
	ck_assert_msg(strstr(out, "candidate vs baseline"), "%s", out);
	ck_assert_msg(strstr(out, "docker    health  109.5 ms  139.5 ms  1.274x  6.8e-08"),
		      "%s", out);
	ck_assert(strstr(out, "FAIL p50(health) regress < 20%: docker +27.4% (109.5 ms -> 139.5 ms) is 7.4 points over the limit"));
	free(out);
	/* few samples: a warning, not a verdict */
	ck_assert_int_eq(report(&out, NULL, docker, "--baseline", daytona, NULL), 0);
	ck_assert_msg(strstr(out, "warning: docker/provision: n < 6 (baseline 2, candidate 2)") ||
		      strstr(out, "note: docker/provision is not in the baseline"), "%s", out);
	free(out);
	free(cand);
	free(base);
	free(docker);
	free(daytona);
}
END_TEST

START_TEST(test_bad_input_exits_2)
{
	char *bad = rh_write(tmp, "bad.jsonl",
		"{\"provider\":\"a\",\"phase\":\"p\",\"ms\":1,\"ok\":true}\n"
		"{\"provider\":\"a\",\"phase\":\"p\",\"ms\":1}\n");
	char *empty = rh_write(tmp, "empty.jsonl", "");
	char *good = FIX("spans.jsonl"), *out = NULL;
	char *msg = rv_xasprintf("runeval report: '%s' line 2: missing 'ok'\n", bad);

	ck_assert_int_eq(report(&out, NULL, good, bad, "--gate", "n > 0", NULL), 2);
	ck_assert_str_eq(out, msg);	/* one line on stderr, nothing else */
	free(out);
	ck_assert_int_eq(report(&out, NULL, empty, NULL), 2);
	ck_assert(strstr(out, "is empty"));
	free(out);
	ck_assert_int_eq(report(&out, NULL, "/nonexistent.json", NULL), 2);
	ck_assert(strstr(out, "cannot read '/nonexistent.json'"));
	free(out);
	ck_assert_int_eq(report(&out, NULL, good, "--gate", "p95 < 1s", NULL), 2);
	ck_assert(strstr(out, "invalid gate 'p95 < 1s'"));
	free(out);
	ck_assert_int_eq(report(&out, NULL, good, "--gate", "p50(provision) regress < 5%", NULL), 2);
	ck_assert(strstr(out, "'regress' needs --baseline"));
	free(out);
	ck_assert_int_eq(report(&out, NULL, good, "--gate", "p50(helth) < 5s", NULL), 2);
	ck_assert(strstr(out, "no samples of that phase"));
	free(out);
	free(msg);
	free(bad);
	free(empty);
	free(good);
}
END_TEST

START_TEST(test_usage)
{
	char *good = FIX("spans.jsonl"), *out = NULL;
	char *unwritable = rv_xasprintf("%s/no/such/dir/r.md", tmp);

	ck_assert_int_eq(report(&out, NULL, "--help", NULL), 0);
	ck_assert(strstr(out, "Gates:  STAT[(PHASE[,PROVIDER])] [regress] OP VALUE"));
	ck_assert(strstr(out, "Exit status: 0 every gate holds, 1 a gate failed, 2 bad input"));
	free(out);
	ck_assert_int_eq(report(&out, NULL, NULL), 2);
	ck_assert(strstr(out, "no input files"));
	free(out);
	ck_assert_int_eq(report(&out, NULL, good, "--frobnicate", NULL), 2);
	ck_assert(strstr(out, "unknown option '--frobnicate'"));
	free(out);
	ck_assert_int_eq(report(&out, NULL, good, "--window", "0", NULL), 2);
	ck_assert(strstr(out, "--window needs a whole number > 0"));
	free(out);
	ck_assert_int_eq(report(&out, NULL, good, "--pass-threshold", "0x10",
				NULL), 2);
	ck_assert(strstr(out, "--pass-threshold needs a number within"));
	free(out);
	ck_assert_int_eq(report(&out, NULL, good, "--baseline", NULL), 2);
	ck_assert(strstr(out, "--baseline needs at least one file"));
	free(out);
	ck_assert_int_eq(report(&out, NULL, good, "--md", NULL), 2);
	free(out);
	ck_assert_int_eq(report(&out, NULL, good, "--md", unwritable, NULL), 2);
	ck_assert(strstr(out, "cannot write"));
	free(out);
	/* '-' is standard output, for one format; an option is no name */
	ck_assert_int_eq(report(&out, NULL, good, "--json", "-q", NULL), 2);
	ck_assert_msg(strstr(out, "--json needs a file name, got the option "
			     "'-q'"), "%s", out);
	free(out);
	ck_assert_int_eq(report(&out, NULL, good, "--json", "-", "--md", "-",
				NULL), 2);
	ck_assert_msg(strstr(out, "can take one format only"), "%s", out);
	free(out);
	{
		char *bin = tu_build_path("runeval");
		char *cmd = rv_xasprintf("cd '%s' && '%s' report '%s' --json - "
					 "2>/dev/null | python3 -c 'import "
					 "json, sys; d = json.load(sys.stdin);"
					 " print(d[\"schema\"])' && ls", tmp,
					 bin, good);

		/* stdout holds the JSON alone (the table went to stderr),
		   and no file called '-' was made */
		ck_assert_int_eq(rh_sh(cmd, &out), 0);
		ck_assert_msg(!strncmp(out, "runeval.summary/", 16) &&
			      !strstr(out, "\n-\n"), "%s", out);
		free(out);
		free(cmd);
		free(bin);
	}
	free(unwritable);
	free(good);
}
END_TEST

/*
 * A provider's name is the input's text: the summary's "Fastest" and
 * "Most reliable" lines put it in report.md (and the step summary) raw,
 * and the table printed its line ends: Markdown, HTML and lines of the
 * name's own making.
 */
START_TEST(test_names_cannot_write_markdown_or_lines)
{
	static const char evil[] = "a**\\n\\n<img src=x>\\n\\n# Injected\\n"
		"ok: 1 of 1";
	char *in = rv_xasprintf("%s/evil.jsonl", tmp), *out = NULL;
	char *md = rv_xasprintf("%s/evil-out/report.md", tmp), *cmd;
	char *bin = tu_build_path("runeval");
	FILE *f = fopen(in, "w");

	for (int i = 0; i < 10; i++)
		fprintf(f, "{\"provider\":\"%s\",\"phase\":\"provision\","
			"\"ms\":%d,\"ok\":true}\n{\"provider\":\"good\","
			"\"phase\":\"provision\",\"ms\":%d,\"ok\":%s}\n", evil,
			5 + i, 50 + i, i ? "true" : "false");
	fclose(f);
	/* the table: the name on its line, its line ends shown as \n */
	cmd = rv_xasprintf("'%s' report '%s' --out '%s/evil-out'", bin, in,
			   tmp);
	ck_assert_int_eq(rh_sh(cmd, &out), 0);
	ck_assert_msg(strstr(out, "fastest: a**\\n"), "%s", out);
	ck_assert_msg(!strstr(out, "\n# Injected") &&
		      !strstr(out, "\nok: 1 of 1"), "%s", out);
	free(out);
	free(cmd);
	/* report.md: escaped as in its tables */
	cmd = rv_xasprintf("cat '%s'", md);
	ck_assert_int_eq(rh_sh(cmd, &out), 0);
	ck_assert_msg(strstr(out, "- Fastest: **a\\*\\*"), "%s", out);
	ck_assert_msg(!strstr(out, "\n# Injected") && !strstr(out, "<img"),
		      "%s", out);
	free(out);
	free(cmd);
	free(bin);
	free(md);
	free(in);
}
END_TEST

START_TEST(test_stdin_and_window)
{
	char *in = rv_xasprintf("%s/in.jsonl", tmp), *out = NULL, *cmd;
	char *hf = rv_xasprintf("%s/hf.json", tmp);
	FILE *f = fopen(in, "w");

	/* 1..40, then 50 down to 41: the window's run order is not sorted */
	for (int i = 1; i <= 50; i++)
		fprintf(f, "{\"provider\":\"sh\",\"phase\":\"exec\",\"ms\":%d,\"ok\":true}\n",
			i <= 40 ? i : 91 - i);
	fclose(f);
	ck_assert_int_eq(report(&out, in, "-", "--gate", "n == 50", "--gate",
				"p50(exec) == 25.5", NULL), 0);
	ck_assert_msg(strstr(out, "50 samples from 1 input"), "%s", out);
	free(out);
	ck_assert_int_eq(report(&out, in, "-", "--window=10", "--gate",
				"n(exec) == 10", "--gate", "min(exec) >= 41",
				"--hyperfine", hf, NULL), 0);
	ck_assert_msg(strstr(out, "rolling window"), "%s", out);
	free(out);
	/* hyperfine's times: the window's, in run order, in seconds */
	cmd = rv_xasprintf("python3 -c \"import json, sys; r = json.load(open(sys.argv[1]))['results'][0]; "
			   "print(r['command'], [round(t * 1000) for t in r['times']], r['median'])\" '%s'", hf);
	ck_assert_int_eq(rh_sh(cmd, &out), 0);
	ck_assert_str_eq(out, "sh exec [50, 49, 48, 47, 46, 45, 44, 43, 42, 41] 0.0455\n");
	free(out);
	free(cmd);
	free(hf);
	free(in);
}
END_TEST

static Suite *report_cli_suite(void)
{
	Suite *s = suite_create("report_cli");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, rh_tmp_setup, rh_tmp_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_table_and_gates_that_hold);
	tcase_add_test(tc, test_a_failed_gate_says_which_and_by_how_much);
	tcase_add_test(tc, test_baseline_comparison_and_regress_gate);
	tcase_add_test(tc, test_bad_input_exits_2);
	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_names_cannot_write_markdown_or_lines);
	tcase_add_test(tc, test_stdin_and_window);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(report_cli_suite()) ? 1 : 0;
}
