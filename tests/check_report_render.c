/*
 * Every rendering checked by a real parser or validator: summary.json and
 * hyperfine.json re-parsed with jansson (and read back as an input),
 * junit.xml validated by xmllint against tests/fixtures/report/junit.xsd
 * and parsed by python3, metrics.prom by promtool, waterfall.svg parsed as
 * XML; report.md's size bound with 10,000 rollouts; the step summary.
 */
#include "testutil.h"

#include "report.h"
#include "report_helpers.h"
#include "report_set.h"
#include "report_stats.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define tmp rh_tmp

/* runeval report over both fixture jobs into tmp/reports/out, which it
 * creates with its parent; the exit code. */
static int report_both(const char *extra)
{
	char *docker = rh_fixture("result_docker.json");
	char *daytona = rh_fixture("result_daytona.json");
	char *bin = tu_build_path("runeval");
	char *cmd = rv_xasprintf("'%s' report '%s' '%s' --out '%s/reports/out' --quiet %s",
				 bin, docker, daytona, tmp, extra);
	char *out = NULL;
	int rc = rh_sh(cmd, &out);

	ck_assert_msg(rc == 0, "%s\n%s", cmd, out);
	free(out);
	free(cmd);
	free(bin);
	free(docker);
	free(daytona);
	return rc;
}

static char *out_path(const char *name)
{
	return rv_xasprintf("%s/reports/out/%s", tmp, name);
}

START_TEST(test_summary_json)
{
	char *p;
	json_t *v, *prov;
	struct rv_err err = RV_ERR_INIT;

	report_both("");
	p = out_path("summary.json");
	v = rv_json_load_file(p, &err);
	ck_assert_msg(v != NULL, "%s", err.msg);
	ck_assert_str_eq(rv_json_str(v, "schema"), "runeval.summary/1");
	ck_assert_str_eq(rv_json_str(v, "benchmark_type"), "sandbox_lifecycle");
	ck_assert_str_eq(rv_json_str(v, "timestamp"), "2026-11-21T20:48:44.123Z");
	prov = rv_json_path(v, "providers.docker");
	ck_assert(json_is_false(json_object_get(prov, "success")));
	ck_assert_int_eq(rv_json_int(prov, "tests_passed", -1), 27);
	ck_assert_int_eq(rv_json_int(prov, "total_tests", -1), 28);
	ck_assert(json_is_real(json_object_get(prov, "total_duration")));
	ck_assert(json_is_true(rv_json_path(v, "providers.daytona.success")));
	ck_assert_int_eq(rv_json_int(v, "providers.docker.phases.rollout.n", -1), 12);
	ck_assert_int_eq(rv_json_int(v, "providers.docker.phases.rollout.ok", -1), 11);
	ck_assert(json_is_number(rv_json_path(v, "providers.docker.phases.provision.mad")));
	ck_assert_str_eq(rv_json_str(v, "comparison.performance.fastest"), "docker");
	ck_assert_str_eq(rv_json_str(v, "comparison.performance.slowest"), "daytona");
	ck_assert(json_number_value(rv_json_path(v, "comparison.performance.speed_difference")) > 1.5);
	ck_assert_str_eq(rv_json_str(v, "comparison.reliability.most_reliable"), "daytona");
	ck_assert_double_eq_tol(json_number_value(rv_json_path(v,
		"comparison.reliability.success_rates.docker")), 27.0 / 28, 1e-12);
	ck_assert_uint_eq(json_array_size(json_object_get(v, "jobs")), 2);
	json_decref(v);
	free(p);
}
END_TEST

/* One provider is no ranking: summary.json names none (the table and
   the markdown say nothing of it either). */
START_TEST(test_summary_json_one_provider_ranks_none)
{
	char *docker = rh_fixture("result_docker.json");
	char *bin = tu_build_path("runeval");
	char *cmd = rv_xasprintf("'%s' report '%s' --out '%s/reports/one' "
				 "--quiet", bin, docker, tmp);
	char *out = NULL, *p = rv_xasprintf("%s/reports/one/summary.json",
					    tmp);
	struct rv_err err = RV_ERR_INIT;
	json_t *v;

	ck_assert_msg(rh_sh(cmd, &out) == 0, "%s\n%s", cmd, out);
	v = rv_json_load_file(p, &err);
	ck_assert_msg(v != NULL, "%s", err.msg);
	ck_assert(json_is_null(rv_json_path(v, "comparison.performance.fastest")));
	ck_assert(json_is_null(rv_json_path(v, "comparison.performance.slowest")));
	ck_assert(json_is_null(rv_json_path(v,
		"comparison.performance.speed_difference")));
	ck_assert(json_is_null(rv_json_path(v,
		"comparison.reliability.most_reliable")));
	/* what there is to say of the one is still said */
	ck_assert(json_is_number(rv_json_path(v,
		"comparison.reliability.success_rates.docker")));
	json_decref(v);
	free(p);
	free(out);
	free(cmd);
	free(bin);
	free(docker);
}
END_TEST

START_TEST(test_hyperfine_export_reads_back)
{
	char *p;
	json_t *v, *r0;
	struct rv_err err = RV_ERR_INIT;
	struct report_set a, b;
	struct report_stats sa, sb;

	report_both("");
	p = out_path("hyperfine.json");
	v = rv_json_load_file(p, &err);
	ck_assert_msg(v != NULL, "%s", err.msg);
	r0 = json_array_get(json_object_get(v, "results"), 0);
	ck_assert_str_eq(rv_json_str(r0, "command"), "docker provision");
	ck_assert_uint_eq(json_array_size(json_object_get(r0, "times")), 2);
	ck_assert(json_number_value(json_object_get(r0, "median")) < 1);	/* seconds */
	json_decref(v);
	/* read back: the same statistics per provider and phase */
	report_set_init(&a);
	report_set_init(&b);
	free(p);
	p = rh_fixture("result_docker.json");
	ck_assert_int_eq(report_set_load(&a, p, &err), RV_OK);
	free(p);
	p = out_path("hyperfine.json");
	ck_assert_msg(report_set_load(&b, p, &err) == RV_OK, "%s", err.msg);
	report_stats_compute(&sa, &a, 0);
	report_stats_compute(&sb, &b, 0);
	for (size_t i = 0; i < sa.n_groups; i++) {
		const struct report_group *x = &sa.groups[i];
		const struct report_group *y = report_stats_find_named(&sb,
			report_str(&a, x->provider), report_str(&a, x->phase));

		ck_assert_ptr_nonnull(y);
		ck_assert_double_eq_tol(x->st.p50, y->st.p50, 1e-9);
		ck_assert_double_eq_tol(x->st.p95, y->st.p95, 1e-9);
		ck_assert_uint_eq(x->st.ok, y->st.ok);
	}
	report_stats_release(&sa);
	report_stats_release(&sb);
	report_set_release(&a);
	report_set_release(&b);
	free(p);
}
END_TEST

START_TEST(test_junit_is_valid)
{
	char *xml, *xsd = rh_fixture("junit.xsd"), *cmd, *out = NULL, *bad;

	report_both("");
	xml = out_path("junit.xml");
	cmd = rv_xasprintf("xmllint --noout --schema '%s' '%s'", xsd, xml);
	ck_assert_msg(rh_sh(cmd, &out) == 0, "%s", out);
	free(out);
	free(cmd);
	/* the schema is strict: a zone in the timestamp is refused */
	cmd = rv_xasprintf("sed 's/timestamp=\"\\([^\"]*\\)\"/timestamp=\"\\1Z\"/' '%s' > '%s/bad.xml'",
			   xml, tmp);
	ck_assert_int_eq(rh_sh(cmd, NULL), 0);
	free(cmd);
	bad = rv_xasprintf("%s/bad.xml", tmp);
	cmd = rv_xasprintf("xmllint --noout --schema '%s' '%s'", xsd, bad);
	ck_assert_int_ne(rh_sh(cmd, NULL), 0);
	free(cmd);
	/* and python's parser counts what it should */
	cmd = rv_xasprintf("python3 -c \"import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); "
			   "s = r.findall('testsuite'); "
			   "print(len(s), [len(x.findall('testcase')) for x in s], "
			   "[len(x.findall('testcase/failure')) for x in s], "
			   "s[0].find('testcase/failure').get('message'))\" '%s'", xml);
	ck_assert_int_eq(rh_sh(cmd, &out), 0);
	ck_assert_str_eq(out, "2 [28, 28] [1, 0] HTTP 500\n");
	free(out);
	free(cmd);
	free(bad);
	free(xml);
	free(xsd);
}
END_TEST

/*
 * results.csv read back by python's csv module: every row has every
 * column, a row per rollout of both jobs and one per provider and phase;
 * a task app's text that a spreadsheet would run as a formula, or that
 * holds commas and quotes, comes back as text.
 */
START_TEST(test_csv_reads_back)
{
	char *hostile = rv_xasprintf("%s/hostile.json", tmp);
	char *fixture = rh_fixture("result_docker.json");
	char *bin = tu_build_path("runeval");
	char *cmd, *out = NULL, *csv = out_path("results.csv");

	report_both("");
	cmd = rv_xasprintf("python3 -c \"import csv, sys; "
			   "r = list(csv.DictReader(open(sys.argv[1]))); "
			   "print(len(r), set(len(x) for x in r), "
			   "sum(x['record'] == 'rollout' for x in r), "
			   "sorted(set(x['provider'] for x in r)), "
			   "[x['error'] for x in r if x['seed'] == '5'][0])\" "
			   "'%s'", csv);
	ck_assert_int_eq(rh_sh(cmd, &out), 0);
	/* 12 + 12 rollouts, 26 columns, 2 providers */
	ck_assert_msg(strstr(out, " {26} 24 ['daytona', 'docker'] HTTP 500\n"),
		      "%s", out);
	free(out);
	free(cmd);
	/* a hostile status: a formula, a comma, a quote, a terminal's title
	   escape and a CR */
	cmd = rv_xasprintf("sed 's/\"error\": \"HTTP 500\"/\"error\": "
			   "\"=HYPERLINK(1),\\\\\"x\\\\\"\\\\u001b]0;t\\\\u0007"
			   "\\\\r\"/' '%s' > '%s'",
			   fixture, hostile);
	ck_assert_int_eq(rh_sh(cmd, NULL), 0);
	free(cmd);
	cmd = rv_xasprintf("'%s' report '%s' --csv '%s/h.csv' --quiet && "
			   "python3 -c \"import csv, sys; "
			   "r = list(csv.DictReader(open(sys.argv[1]))); "
			   "print([x['error'] for x in r if x['seed'] == '5'][0])\" "
			   "'%s/h.csv'", bin, hostile, tmp, tmp);
	ck_assert_int_eq(rh_sh(cmd, &out), 0);
	ck_assert_str_eq(out, "'=HYPERLINK(1),\"x\"\\x1b]0;t\\x07\\r\n");
	free(out);
	free(cmd);
	free(csv);
	free(bin);
	free(fixture);
	free(hostile);
}
END_TEST

START_TEST(test_prometheus_metrics_pass_promtool)
{
	char *prom, *cmd, *out = NULL, *text;

	report_both("");
	prom = out_path("metrics.prom");
	text = tu_read_file(prom, NULL);
	ck_assert(strstr(text, "runeval_phase_duration_seconds{provider=\"docker\",phase=\"provision\",quantile=\"0.95\"}"));
	ck_assert(strstr(text, "runeval_phase_failures_total{provider=\"docker\",phase=\"rollout\"} 1\n"));
	ck_assert(strstr(text, "sandbox_provisioning_duration_p99_ms{provider=\"daytona\"}"));
	/* promtool parses it all and lints only the three dashboard names
	   (exit 3: lint problems, no parse errors) */
	cmd = rv_xasprintf("promtool check metrics < '%s'", prom);
	ck_assert_int_eq(rh_sh(cmd, &out), 3);
	ck_assert_uint_eq(rh_count(out, "\n"), 3);
	ck_assert_uint_eq(rh_count(out, "should not contain abbreviated units"), 3);
	ck_assert_uint_eq(rh_count(out, "sandbox_provisioning_duration_p"), 3);
	free(out);
	free(text);
	/* --prom-strict leaves them out and promtool passes outright */
	report_both("--prom-strict");
	text = tu_read_file(prom, NULL);
	ck_assert(!strstr(text, "sandbox_provisioning_duration_"));
	ck_assert(strstr(text, "runeval_phase_duration_seconds{provider=\"daytona\",phase=\"provision\",quantile=\"0.99\"}"));
	ck_assert_int_eq(rh_sh(cmd, &out), 0);
	ck_assert_str_eq(out, "");
	free(out);
	free(cmd);
	free(text);
	free(prom);
}
END_TEST

START_TEST(test_svg_is_well_formed)
{
	char *svg = NULL, *cmd, *out = NULL;

	report_both("");
	svg = out_path("waterfall.svg");
	cmd = rv_xasprintf("python3 -c \"import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); "
			   "n = '{http://www.w3.org/2000/svg}'; "
			   "t = [x.text for x in r.iter(n + 'text')]; "
			   "print(r.tag == n + 'svg', len(list(r.iter(n + 'rect'))) > 60, "
			   "'docker-0' in t, 'seed 5' in t, 'p50 (solid) and p95 (light) per phase on daytona' in t, "
			   "any('href' in k for x in r.iter() for k in x.attrib))\" '%s'", svg);
	ck_assert_int_eq(rh_sh(cmd, &out), 0);
	ck_assert_str_eq(out, "True True True True True False\n");
	free(out);
	free(cmd);
	cmd = rv_xasprintf("xmllint --noout '%s'", svg);
	ck_assert_int_eq(rh_sh(cmd, NULL), 0);
	free(cmd);
	free(svg);
}
END_TEST

START_TEST(test_write_job_and_step_summary)
{
	char *res = rh_fixture("result_docker.json");
	char *dir = rv_xasprintf("%s/job", tmp);
	char *gh = rv_xasprintf("%s/step-summary.md", tmp);
	char *md_path = rv_xasprintf("%s/report.md", dir);
	const char *names[] = { "summary.json", "report.md", "junit.xml",
				"metrics.prom", "waterfall.svg", "hyperfine.json" };
	struct rv_err err = RV_ERR_INIT;
	char *md, *summary;

	setenv("GITHUB_STEP_SUMMARY", gh, 1);
	ck_assert_msg(report_write_job(res, dir, NULL, &err) == RV_OK, "%s", err.msg);
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		char *p = rv_xasprintf("%s/%s", dir, names[i]);
		size_t len = 0;
		char *s = tu_read_file(p, &len);

		ck_assert_msg(s && len > 100, "%s", p);
		free(s);
		free(p);
	}
	md = tu_read_file(md_path, NULL);
	summary = tu_read_file(gh, NULL);
	ck_assert_ptr_nonnull(summary);
	/* the same document, but for the time it was made */
	ck_assert_uint_eq(strlen(summary), strlen(md));
	/* the eval first, then the sandbox timing */
	ck_assert(strstr(md, "# runeval eval report: ") == md);
	ck_assert(strstr(md, "## Eval") < strstr(md, "## Sandbox timing"));
	ck_assert(strstr(md, "### Summary"));
	ck_assert(strstr(md, "<details><summary>12 rollouts of 20261121T204844Z-d0c</summary>"));
	ck_assert_msg(strstr(md, "| 5 | docker-1 | ❌ | - | 98.8 ms | failed | - | HTTP 500 |"),
		      "%s", md);
	ck_assert(strstr(md, "### Recommendations"));
	/* a second job appends; one with --no-step-summary does not */
	ck_assert_int_eq(report_write_job(res, dir, NULL, &err), RV_OK);
	free(summary);
	summary = tu_read_file(gh, NULL);
	ck_assert_uint_eq(strlen(summary), 2 * strlen(md));
	ck_assert_int_eq(report_write_job(res, dir, &(struct report_job_opts){
		.no_step_summary = true, .junit_fail_below = NAN }, &err), RV_OK);
	free(summary);
	summary = tu_read_file(gh, NULL);
	ck_assert_uint_eq(strlen(summary), 2 * strlen(md));
	/* bad input, unwritable output */
	ck_assert_int_eq(report_write_job("/nonexistent.json", dir, NULL, &err), RV_ERR_IO);
	ck_assert_int_eq(report_write_job(res, "/proc/nope/x", NULL, &err), RV_ERR_IO);
	ck_assert_msg(strstr(err.msg, "cannot create '/proc/nope'"), "%s", err.msg);
	unsetenv("GITHUB_STEP_SUMMARY");
	free(summary);
	free(md);
	free(md_path);
	free(gh);
	free(dir);
	free(res);
}
END_TEST

/*
 * A result.json with n rollouts on 7 sandboxes with long names, a third
 * of them failed with a long error: rows of about 300 bytes.
 */
static char *big_result(size_t n)
{
	struct rv_buf b = RV_BUF_INIT;
	char err[301], sb[201];

	memset(err, 'e', sizeof(err) - 1);
	err[sizeof(err) - 1] = '\0';
	memset(sb, 's', sizeof(sb) - 1);
	sb[sizeof(sb) - 1] = '\0';
	rv_buf_adds(&b, "{\"schema\":\"runeval.result/1\",\"job\":{\"id\":\"big\",\"started_utc\":\"2026-01-01T00:00:00Z\"},"
		    "\"environment\":{\"provider\":\"docker\"},\"spans\":[\n");
	for (size_t i = 0; i < n; i++)
		rv_buf_addf(&b, "{\"phase\":\"rollout\",\"sandbox\":\"sb-%zu-%s\",\"seed\":%zu,\"start_ms\":%zu,\"ms\":%zu.5,\"ok\":%s,\"error\":%s%s%s},\n",
			    i % 7, sb, i, i / 10, 50 + i % 100, i % 3 ? "true" : "false",
			    i % 3 ? "null" : "\"", i % 3 ? "" : err, i % 3 ? "" : "\"");
	rv_buf_adds(&b, "{\"phase\":\"teardown\",\"sandbox\":\"sb-0\",\"start_ms\":2000,\"ms\":3,\"ok\":true}\n],\"rollouts\":[\n");
	for (size_t i = 0; i < n; i++)
		rv_buf_addf(&b, "{\"seed\":%zu,\"sandbox\":\"sb-%zu-%s\",\"ok\":%s,\"reward\":%s,\"latency_ms\":%zu.5,\"error\":%s%s%s}%s\n",
			    i, i % 7, sb, i % 3 ? "true" : "false", i % 3 ? "1" : "null",
			    50 + i % 100, i % 3 ? "null" : "\"", i % 3 ? "" : err,
			    i % 3 ? "" : "\"", i + 1 < n ? "," : "");
	rv_buf_adds(&b, "]}\n");
	return rv_buf_detach(&b, NULL);
}

START_TEST(test_markdown_stays_under_1_mib)
{
	char *text = big_result(10000);
	char *res = rh_write(tmp, "big.json", text);
	char *dir = rv_xasprintf("%s/big", tmp);
	char *p = rv_xasprintf("%s/report.md", dir);
	struct rv_err err = RV_ERR_INIT;
	size_t len = 0, shown, hidden = 0;
	char *md;
	const char *note;

	ck_assert_msg(report_write_job(res, dir, NULL, &err) == RV_OK, "%s", err.msg);
	md = tu_read_file(p, &len);
	ck_assert_uint_lt(len, 1024 * 1024);
	ck_assert_uint_gt(len, 900 * 1000);	/* it used the room it has */
	/* every rollout is either a row or counted in the note */
	shown = rh_count(md, "| sb-");
	note = strstr(md, " more rollouts not shown: the report stays under 1000000 bytes.");
	ck_assert_ptr_nonnull(note);
	while (note > md && note[-1] >= '0' && note[-1] <= '9')
		note--;
	hidden = strtoul(note, NULL, 10);
	ck_assert_uint_eq(shown + hidden, 10000);
	ck_assert(strstr(md, "</details>"));
	ck_assert(strstr(md, "This report was cut to stay under 1000000 bytes"));
	/* cut error messages keep the table a table */
	ck_assert(strstr(md, "eeeeeeee...") != NULL);
	free(md);
	free(p);
	free(dir);
	free(res);
	free(text);
}
END_TEST

/*
 * Times past 2554 (where nanoseconds leave 64 bits) and before 1970 are
 * written exactly, not as 1970 or through a float-to-integer cast.
 */
START_TEST(test_times_far_from_now_are_exact)
{
	static const struct { const char *ts, *iso, *junit; } cases[] = {
		{ "2600-01-02T03:04:05.678Z", "2600-01-02T03:04:05.678Z",
		  "2600-01-02T03:04:05" },
		{ "9999-12-31T23:59:59.999Z", "9999-12-31T23:59:59.999Z",
		  "9999-12-31T23:59:59" },
		{ "0001-03-01T00:00:00+01:00", "0001-02-28T23:00:00.000Z",
		  "0001-02-28T23:00:00" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *line = rv_xasprintf("{\"provider\":\"p\",\"phase\":\"x\","
					  "\"ms\":1,\"ok\":true,\"ts\":\"%s\"}\n",
					  cases[i].ts);
		char *in = rh_write(tmp, "far.jsonl", line);
		char *bin = tu_build_path("runeval");
		char *cmd = rv_xasprintf("'%s' report '%s' --json '%s/far.json' "
					 "--junit '%s/far.xml' --quiet", bin, in,
					 tmp, tmp);
		char *out = NULL, *p, *xml, *want;
		json_t *v;

		ck_assert_msg(rh_sh(cmd, &out) == 0, "%s\n%s", cmd, out);
		p = rv_xasprintf("%s/far.json", tmp);
		v = rv_json_load_file(p, NULL);
		ck_assert_str_eq(rv_json_str(v, "timestamp"), cases[i].iso);
		free(p);
		p = rv_xasprintf("%s/far.xml", tmp);
		xml = tu_read_file(p, NULL);
		want = rv_xasprintf("timestamp=\"%s\"", cases[i].junit);
		ck_assert_msg(strstr(xml, want), "%s", xml);
		json_decref(v);
		free(want);
		free(xml);
		free(p);
		free(out);
		free(cmd);
		free(bin);
		free(in);
		free(line);
	}
}
END_TEST

static Suite *report_render_suite(void)
{
	Suite *s = suite_create("report_render");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, rh_tmp_setup, rh_tmp_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_summary_json);
	tcase_add_test(tc, test_summary_json_one_provider_ranks_none);
	tcase_add_test(tc, test_hyperfine_export_reads_back);
	tcase_add_test(tc, test_junit_is_valid);
	tcase_add_test(tc, test_csv_reads_back);
	tcase_add_test(tc, test_prometheus_metrics_pass_promtool);
	tcase_add_test(tc, test_svg_is_well_formed);
	tcase_add_test(tc, test_write_job_and_step_summary);
	tcase_add_test(tc, test_markdown_stays_under_1_mib);
	tcase_add_test(tc, test_times_far_from_now_are_exact);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(report_render_suite()) ? 1 : 0;
}
