/*
 * The reporter's inputs (result.json, span lines, hyperfine exports,
 * detected by content), malformed and empty inputs, grouping and the
 * rolling window, and the gate grammar.
 */
#include "testutil.h"

#include "report_gate.h"
#include "report_helpers.h"
#include "report_set.h"
#include "report_stats.h"
#include "rv_alloc.h"
#include "rv_buf.h"

#include <math.h>
#include <string.h>

static enum rv_code load_text(struct report_set *set, const char *text,
			      struct rv_err *err)
{
	return report_set_load_buf(set, "in.jsonl", text, strlen(text), err);
}

static void load_fixture(struct report_set *set, const char *name)
{
	char *path = rh_fixture(name);
	struct rv_err err = RV_ERR_INIT;

	ck_assert_msg(report_set_load(set, path, &err) == RV_OK, "%s", err.msg);
	free(path);
}

START_TEST(test_result_json_is_read)
{
	struct report_set set;
	struct report_stats st;
	const struct report_group *g;
	const struct report_job *job;

	report_set_init(&set);
	load_fixture(&set, "result_docker.json");
	ck_assert_uint_eq(set.n_jobs, 1);
	job = &set.jobs[0];
	ck_assert_str_eq(job->name, "20261121T204844Z-d0c");
	ck_assert_int_eq(job->kind, REPORT_KIND_RESULT);
	ck_assert_str_eq(job->status, "failed");
	ck_assert_str_eq(report_str(&set, job->provider), "docker");
	ck_assert_uint_eq(job->n_rollouts, 12);
	ck_assert(!job->rollouts[5].ok);
	ck_assert_str_eq(report_str(&set, job->rollouts[5].error), "HTTP 500");
	ck_assert(isnan(job->rollouts[5].reward));
	ck_assert_double_eq(job->rollouts[0].reward, 0.5);
	/* 2 sandboxes x (6 phases + rollouts + teardown) + 12 rollouts */
	ck_assert_uint_eq(set.n_samples, 28);
	report_stats_compute(&st, &set, 0);
	g = report_stats_find_named(&st, "docker", "rollout");
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(g->st.n, 12);
	ck_assert_uint_eq(g->st.ok, 11);
	ck_assert_str_eq(report_str(&set, st.phases[0]), "provision");
	ck_assert_str_eq(report_str(&set, st.phases[st.n_phases - 1]),
			 "teardown");
	report_stats_release(&st);
	report_set_release(&set);
}
END_TEST

START_TEST(test_span_lines_and_hyperfine_are_read)
{
	struct report_set set;
	struct report_stats st;
	const struct report_group *g;

	report_set_init(&set);
	load_fixture(&set, "spans.jsonl");
	load_fixture(&set, "hyperfine.json");
	ck_assert_uint_eq(set.n_jobs, 2);
	ck_assert_int_eq(set.jobs[0].kind, REPORT_KIND_SPANS);
	ck_assert_int_eq(set.jobs[1].kind, REPORT_KIND_HYPERFINE);
	/* ts became offsets from the first span of the file */
	ck_assert_double_eq(set.samples[0].start_ms, 0);
	ck_assert_double_eq(set.samples[1].start_ms, 500);
	ck_assert_double_eq(set.samples[2].start_ms, 1000);
	report_stats_compute(&st, &set, 0);
	g = report_stats_find_named(&st, "modal", "provision");
	ck_assert_uint_eq(g->st.n, 20);
	ck_assert_uint_eq(g->st.ok, 19);
	g = report_stats_find_named(&st, "sleep 0.1", "command");
	ck_assert_ptr_nonnull(g);
	ck_assert_uint_eq(g->st.n, 10);
	ck_assert(g->st.min >= 100 && g->st.max < 111);	/* seconds -> ms */
	ck_assert_int_eq(st.fastest, -1);	/* no phase in common */
	report_stats_release(&st);
	report_set_release(&set);
}
END_TEST

START_TEST(test_span_fields)
{
	struct report_set set;
	struct rv_err err = RV_ERR_INIT;
	const struct report_sample *s;

	report_set_init(&set);
	ck_assert_int_eq(load_text(&set,
		"\n{\"provider\":\"d\\u00e9j\\u00e0\",\"phase\":\"provision\",\"ms\":1.5e2,"
		"\"ok\":false,\"seed\":-3,\"attempts\":2,\"sandbox\":\"sb\","
		"\"error\":\"HTTP 503\",\"ts\":\"2026-01-01T00:00:01+01:00\","
		"\"extra\":{\"nested\":[1,{\"x\":null}]}}\r\n"
		"  \n"
		"{\"provider\":\"x\",\"phase\":\"rollout\",\"ms\":0,\"ok\":true,"
		"\"seed\":null,\"error\":null,\"ts\":\"2026-01-01T00:00:00.250Z\"}\n",
		&err), RV_OK);
	ck_assert_uint_eq(set.n_samples, 2);
	s = &set.samples[0];
	ck_assert_str_eq(report_str(&set, s->provider), "d\xc3\xa9j\xc3\xa0");
	ck_assert_double_eq(s->ms, 150);
	ck_assert(!s->ok);
	ck_assert_int_eq(s->seed, -3);
	ck_assert_uint_eq(s->attempts, 2);
	ck_assert_str_eq(report_str(&set, s->error), "HTTP 503");
	/* 00:00:01+01:00 is 23:00:01Z the day before: 3599.75 s earlier */
	ck_assert_double_eq(s->start_ms, 0);
	ck_assert_double_eq(set.samples[1].start_ms, 3599250);
	ck_assert_int_eq(set.samples[1].seed, REPORT_NO_SEED);
	/* the rollout span became a rollout row */
	ck_assert_uint_eq(set.jobs[0].n_rollouts, 1);
	report_set_release(&set);
}
END_TEST

/* Each malformed input and the words its one-line error must contain. */
static const struct {
	const char *text, *want;
} malformed[] = {
	{ "", "'in.jsonl' is empty" },
	{ " \n\t\n", "'in.jsonl' is empty" },
	{ "{\"provider\":\"a\",\"phase\":\"p\",\"ms\":1,\"ok\":true}\n{\"provider\":\"a\",\"phase\":\"p\",\"ms\":1}\n",
	  "'in.jsonl' line 2: missing 'ok'" },
	{ "{\"provider\":\"a\",\"phase\":\"p\",\"ms\":1,\"ok\":true}\n\n{\"provider\":\"a\",\"phase\":\"p\",\"ms\":\"1\",\"ok\":true}\n",
	  "'in.jsonl' line 3: 'ms' must be a number, got string" },
	{ "{\"provider\":\"a\",\"phase\":\"p\",\"ms\":-1,\"ok\":true,\"x\":1}\n{}\n",
	  "line 1: 'ms' is out of range" },
	{ "{\"provider\":\"a\",\"phase\":\"p\",\"ms\":1,\"ok\":true}\n{\"provider\":\"a\",\"phase\":\"p\",\"ms\":1,\"ok\":tru}\n",
	  "line 2 column 41: invalid JSON: invalid literal" },
	{ "{\"provider\":\"a\",\"phase\":\"p\",\"ms\":1,\"ok\":true}\n{\"provider\":\"a\",\"phase\":\"p\",\"ms\":1,\"ok\":true}}\n",
	  "line 2 column 46: invalid JSON: text after the object" },
	{ "{\"provider\":\"a\",\"phase\":\"p\",\"ms\":1,\"ok\":true}\n[1,2]\n",
	  "line 2: a span must be a JSON object, got array" },
	{ "{\"provider\":\"\",\"phase\":\"p\",\"ms\":1,\"ok\":true}\n",
	  "line 1: 'provider' must not be empty" },
	{ "{\"provider\":\"a\",\"phase\":\"p\",\"ms\":1,\"ok\":true,\"seed\":1.5}\n",
	  "line 1: 'seed' must be an integer" },
	{ "{\"provider\":\"a\",\"phase\":\"p\",\"ms\":1,\"ok\":true,\"ts\":\"yesterday\"}\n",
	  "line 1: 'ts' is not a UTC ISO-8601 time" },
	{ "{\"provider\":\"a\",\"phase\":\"p\",\"ms\":1,\"ok\":true}\n{\"provider\":\"a\\ud800\",\"phase\":\"p\",\"ms\":1,\"ok\":true}\n",
	  "line 2 column 21: invalid JSON: invalid Unicode surrogate" },
	{ "{\"provider\":\"a\",\"phase\":\"p\",\"ms\":1,\"ok\":true}\n{\"provider\":\"a\xff\",\"phase\":\"p\",\"ms\":1,\"ok\":true}\n",
	  "line 2 column 15: invalid JSON: invalid UTF-8" },
	{ "{\"provider\":\"a\xff\",\"phase\":\"p\",\"ms\":1,\"ok\":true}\n",
	  "invalid JSON in 'in.jsonl' at line 1 column 14" },
	{ "{\"provider\":\"a\",\"phase\":\"p\",\"ms\":1,\"ok\":true,\"n\":01}\n",
	  "invalid JSON" },
	{ "{\"schema\":\"runeval.result/2\",\"spans\":[]}", "unsupported schema 'runeval.result/2'" },
	{ "{\"schema\":\"runeval.result/1\"}", "missing 'spans'" },
	{ "{\"schema\":\"runeval.result/1\",\n\"spans\":[\n{\"phase\":\"p\",\"ms\":1,\"ok\":true}\n]}",
	  "'in.jsonl' line 3: missing 'provider'" },
	{ "{\"schema\":\"runeval.result/1\",\"environment\":{\"provider\":\"x\"},\n\"spans\":[\n{\"phase\":\"p\",\"ms\":1,\"ok\":true},\n{\"phase\":\"p\",\"ms\":null,\"ok\":true}\n]}",
	  "'in.jsonl' line 4: 'ms' must be a number, got null" },
	{ "{\"schema\":\"runeval.result/1\",\"environment\":{\"provider\":\"x\"},\"spans\":[],\n\"rollouts\":[{\"seed\":1}]}",
	  "'in.jsonl' line 2: rollout: missing 'ok'" },
	{ "{\"schema\":\"runeval.result/1\",\n\"spans\": {}}", "line 2: 'spans' must be an array" },
	{ "{\"schema\":\"runeval.result/1\",\n\"spans\": [}", "invalid JSON in 'in.jsonl' at line 2" },
	{ "{\"results\":[]}", "no timings in 'results'" },
	{ "{\"results\":[\n{\"command\":\"a\",\"times\":[0.1,\"x\"]}]}", "line 2: 'times' must be a number, got string" },
	{ "{\"results\":[{\"command\":\"a\",\"times\":[0.1],\"exit_codes\":[0,1]}]}", "'exit_codes' has 2 entries, 'times' 1" },
	{ "{\"results\":[{\"times\":[0.1]}]}", "missing 'command'" },
	{ "{\"schema\":1,\"spans\":[]}", "'in.jsonl': unsupported schema '?'" },
	/* numbers jansson cannot hold: in the metadata jansson reads them,
	 * in the samples the scanner does */
	{ "{\"schema\":\"runeval.result/1\",\n\"job\":{\"duration_ms\":1e400},\"spans\":[]}",
	  "invalid JSON in 'in.jsonl' at line 2 column 26: real number overflow" },
	{ "{\"schema\":\"runeval.result/1\",\"spans\":[{\"provider\":\"p\",\"phase\":\"x\",\"ms\":1e400,\"ok\":true}]}",
	  "'in.jsonl' line 1: 'ms' is out of range (inf)" },
	/* times that cannot be written back as YYYY-MM-DD */
	{ "{\"schema\":\"runeval.result/1\",\n\"job\":{\"id\":\"j\",\n\"started_unix_us\":1e30},\"spans\":[]}",
	  "'in.jsonl' line 3: job.started_unix_us 1e+30 is out of range (years 0000 to 9999)" },
	{ "{\"schema\":\"runeval.result/1\",\"job\":{\"started_unix_us\":-1e17},\"spans\":[]}",
	  "'in.jsonl' line 1: job.started_unix_us -1e+17 is out of range" },
	{ "{\"provider\":\"a\",\"phase\":\"p\",\"ms\":1,\"ok\":true,\"ts\":\"9999-12-31T23:59:59-01:00\"}\n",
	  "line 1: 'ts' is not a UTC ISO-8601 time of the years 0000 to 9999" },
	{ "[1, 2, 3]", "not a runeval result.json" },
	{ "hello world\n", "invalid JSON in 'in.jsonl' at line 1" },
	/* jansson quotes the input: its line break stays out of the message
	 * (found by tests/fuzz/fuzz_report.c) */
	{ "{\"provider\":\"bwrap\",\"sandbox\":\"b-\\ud83\n    \"ok\": true}",
	  "invalid escape near '\"b-\\ud83\\n'" },
	/* and values quoted in a message keep their control characters out */
	{ "{\"provider\":\"a\",\"phase\":\"p\",\"ms\":1,\"ok\":true,\"ts\":\"2026\\nPASS\\u001b[2J\"}\n",
	  "line 1: 'ts' is not a UTC ISO-8601 time of the years 0000 to 9999: '2026\\nPASS\\x1b[2J'" },
	{ "{\"schema\":\"\\u001b[31mrunevil\\r\",\"spans\":[]}",
	  "unsupported schema '\\x1b[31mrunevil\\r'" },
	/* hyperfine seconds whose milliseconds overflow (found by
	 * tests/fuzz/fuzz_report.c) */
	{ "{\"results\":[{\"command\":\"c\",\n\"times\":[1e308]}]}",
	  "'in.jsonl' line 1: 'times' holds 1e+308 s, out of range" },
};

START_TEST(test_malformed_inputs_name_file_and_line)
{
	struct report_set set;
	struct rv_err err = RV_ERR_INIT;
	const char *text = malformed[_i].text;

	report_set_init(&set);
	ck_assert_int_eq(report_set_load_buf(&set, "in.jsonl", text,
					     strlen(text), &err), RV_ERR_PROTO);
	ck_assert_msg(strstr(err.msg, malformed[_i].want) != NULL,
		      "input %d: '%s' does not say '%s'", _i, err.msg,
		      malformed[_i].want);
	ck_assert_ptr_null(strchr(err.msg, '\n'));
	report_set_release(&set);
}
END_TEST

START_TEST(test_unreadable_file)
{
	struct report_set set;
	struct rv_err err = RV_ERR_INIT;

	report_set_init(&set);
	ck_assert_int_eq(report_set_load(&set, "/nonexistent/x.json", &err),
			 RV_ERR_IO);
	ck_assert_str_eq(err.msg, "cannot read '/nonexistent/x.json': No such file or directory");
	report_set_release(&set);
}
END_TEST

START_TEST(test_window_and_jobs)
{
	struct report_set set;
	struct report_stats st;
	struct rv_err err = RV_ERR_INIT;
	struct rv_buf b = RV_BUF_INIT;
	const struct report_group *g;

	report_set_init(&set);
	/* 100 spans of 1..100 ms, the first 10 failed */
	for (int i = 1; i <= 100; i++)
		rv_buf_addf(&b, "{\"provider\":\"p\",\"phase\":\"x\",\"ms\":%d,\"ok\":%s}\n",
			    i, i <= 10 ? "false" : "true");
	ck_assert_int_eq(report_set_load_buf(&set, "a", b.data, b.len, &err), RV_OK);
	ck_assert_int_eq(report_set_load_buf(&set, "b", b.data, 50 * (b.len / 100), &err), RV_OK);
	report_stats_compute(&st, &set, 0);
	g = report_stats_find_named(&st, "p", "x");
	ck_assert_uint_eq(g->st.n, 150);
	ck_assert_uint_eq(g->st.ok, 130);
	ck_assert_uint_eq(st.n_job_groups, 2);
	ck_assert_uint_eq(st.job_groups[0].st.n, 100);
	ck_assert_uint_eq(st.job_groups[1].st.n, 50);
	report_stats_release(&st);
	/* the last 20 samples: 31..50 of job b */
	report_stats_compute(&st, &set, 20);
	g = report_stats_find_named(&st, "p", "x");
	ck_assert_uint_eq(g->st.n, 20);
	ck_assert_double_eq(g->st.min, 31);
	ck_assert_double_eq(g->st.max, 50);
	ck_assert_uint_eq(st.job_groups[0].st.n, 20);
	ck_assert_double_eq(st.job_groups[0].st.min, 81);
	report_stats_release(&st);
	report_set_release(&set);
	rv_buf_release(&b);
}
END_TEST

START_TEST(test_provider_comparison)
{
	struct report_set set;
	struct report_stats st;

	report_set_init(&set);
	load_fixture(&set, "result_docker.json");
	load_fixture(&set, "result_daytona.json");
	report_stats_compute(&st, &set, 0);
	ck_assert_uint_eq(st.n_providers, 2);
	ck_assert_uint_eq(st.n_common, 8);	/* not rollout: a part of rollouts */
	ck_assert_str_eq(report_str(&set, st.providers[st.fastest].provider), "docker");
	ck_assert_str_eq(report_str(&set, st.providers[st.slowest].provider), "daytona");
	ck_assert_str_eq(report_str(&set, st.providers[st.most_reliable].provider), "daytona");
	ck_assert(st.speed_difference > 1.5 && st.speed_difference < 3);
	ck_assert_double_eq(st.providers[0].total_ms, set.jobs[0].duration_ms);
	report_stats_release(&st);
	report_set_release(&set);
	/* only rollouts in common: then they are compared */
	report_set_init(&set);
	ck_assert_int_eq(load_text(&set,
		"{\"provider\":\"a\",\"phase\":\"rollout\",\"ms\":10,\"ok\":true}\n"
		"{\"provider\":\"b\",\"phase\":\"rollout\",\"ms\":30,\"ok\":true}\n"
		"{\"provider\":\"b\",\"phase\":\"teardown\",\"ms\":1,\"ok\":true}\n",
		NULL), RV_OK);
	report_stats_compute(&st, &set, 0);
	ck_assert_uint_eq(st.n_common, 1);
	ck_assert_double_eq(st.speed_difference, 3);
	report_stats_release(&st);
	report_set_release(&set);
}
END_TEST

static const struct {
	const char *text;
	enum gate_stat stat;
	double q, limit;
	const char *phase, *provider;
	bool regress;
	enum gate_op op;
} gates_ok[] = {
	{ "p95(provision) < 30s", GATE_QUANTILE, 0.95, 30000, "provision", NULL, false, GATE_LT },
	{ "success_rate >= 0.95", GATE_SUCCESS_RATE, 0, 0.95, NULL, NULL, false, GATE_GE },
	{ "success_rate(rollout, docker)>=99%", GATE_SUCCESS_RATE, 0, 0.99, "rollout", "docker", false, GATE_GE },
	{ "p50(health) regress < 20%", GATE_QUANTILE, 0.5, 20, "health", NULL, true, GATE_LT },
	{ "  p99.9( teardown ) <= 250 ms ", GATE_QUANTILE, 0.999, 250, "teardown", NULL, false, GATE_LE },
	{ "median(start) > 1.5", GATE_QUANTILE, 0.5, 1.5, "start", NULL, false, GATE_GT },
	{ "failures(teardown) == 0", GATE_FAILURES, 0, 0, "teardown", NULL, false, GATE_EQ },
	{ "n >= 30", GATE_N, 0, 30, NULL, NULL, false, GATE_GE },
	{ "mad(rollout) < 5", GATE_MAD, 0, 5, "rollout", NULL, false, GATE_LT },
};

START_TEST(test_gate_grammar)
{
	struct report_gate g;
	struct rv_err err = RV_ERR_INIT;

	ck_assert_int_eq(report_gate_parse(gates_ok[_i].text, &g, &err), RV_OK);
	ck_assert_int_eq(g.stat, gates_ok[_i].stat);
	ck_assert_double_eq_tol(g.q, gates_ok[_i].q, 1e-12);
	ck_assert_double_eq_tol(g.limit, gates_ok[_i].limit, 1e-9);
	ck_assert_int_eq(g.op, gates_ok[_i].op);
	ck_assert_int_eq(g.regress, gates_ok[_i].regress);
	if (gates_ok[_i].phase)
		ck_assert_str_eq(g.phase, gates_ok[_i].phase);
	else
		ck_assert_ptr_null(g.phase);
	if (gates_ok[_i].provider)
		ck_assert_str_eq(g.provider, gates_ok[_i].provider);
	else
		ck_assert_ptr_null(g.provider);
	report_gate_release(&g);
}
END_TEST

static const char *const gates_bad[][2] = {
	{ "p95 < 30s", "a time statistic needs a phase" },
	{ "p95(provision) < 30%", "a time limit takes ms or s" },
	{ "p100(provision) < 1", "expected a statistic" },
	{ "fast(provision) < 1", "expected a statistic" },
	{ "p95(provision < 1", "missing ')'" },
	{ "p95() < 1", "empty phase" },
	{ "p95(provision) ~ 1", "expected one of" },
	{ "p95(provision) < fast", "expected a number" },
	{ "p95(provision) < 0x10 s", "expected a number" },
	{ "p95(provision) < inf", "expected a number" },
	{ "p0x32(provision) < 1s", "expected a statistic" },
	{ "p95(provision) < 1 hour", "unexpected text after the value" },
	{ "success_rate >= 1.5", "between 0 and 1" },
	{ "success_rate >= 3s", "a success rate is a fraction" },
	{ "n(rollout) > 5ms", "a count takes no unit" },
	{ "n regress < 5%", "regress works on" },
	{ "p50(health) regress < 20ms", "a regress limit is a percentage" },
	{ "", "expected a statistic" },
};

START_TEST(test_gate_grammar_errors)
{
	struct report_gate g;
	struct rv_err err = RV_ERR_INIT;

	ck_assert_int_eq(report_gate_parse(gates_bad[_i][0], &g, &err),
			 RV_ERR_USAGE);
	ck_assert_msg(strstr(err.msg, gates_bad[_i][1]) != NULL,
		      "'%s': '%s' lacks '%s'", gates_bad[_i][0], err.msg,
		      gates_bad[_i][1]);
	ck_assert_ptr_null(g.text);
}
END_TEST

/* Evaluate text on the docker+daytona fixtures (baseline: docker). */
static enum rv_code eval(const char *text, struct report_gate_result *r,
			 struct rv_buf *line, struct rv_err *err)
{
	struct report_set set, base;
	struct report_stats st, bst;
	struct report_gate g;
	enum rv_code rc;

	report_set_init(&set);
	report_set_init(&base);
	load_fixture(&set, "result_docker.json");
	load_fixture(&set, "result_daytona.json");
	load_fixture(&base, "result_daytona.json");
	report_stats_compute(&st, &set, 0);
	report_stats_compute(&bst, &base, 0);
	ck_assert_int_eq(report_gate_parse(text, &g, err), RV_OK);
	{
		struct report_gate_ctx c = { .cand = &st, .base = &bst,
					     .allow_few = true };

		rc = report_gate_eval(&g, &c, r, err);
	}
	if (rc == RV_OK)
		report_gate_describe(&g, r, line);
	report_gate_release(&g);
	report_stats_release(&st);
	report_stats_release(&bst);
	report_set_release(&set);
	report_set_release(&base);
	return rc;
}

START_TEST(test_gate_evaluation)
{
	struct report_gate_result r;
	struct rv_err err = RV_ERR_INIT;
	struct rv_buf line = RV_BUF_INIT;

	/* docker p95(provision) 386.9 ms, daytona 992.4 ms */
	ck_assert_int_eq(eval("p95(provision) < 1s", &r, &line, &err), RV_OK);
	ck_assert(r.pass);
	ck_assert_uint_eq(r.n, 2);
	report_gate_result_release(&r);
	rv_buf_reset(&line);
	ck_assert_int_eq(eval("p95(provision) < 900ms", &r, &line, &err), RV_OK);
	ck_assert(!r.pass);
	ck_assert_msg(strstr(line.data, "FAIL p95(provision) < 900ms: daytona 992.4 ms is 92.4 ms (10.3%) over the limit; docker 386.9 ms"),
		      "%s", line.data);
	report_gate_result_release(&r);
	rv_buf_reset(&line);
	/* docker failed 1 of 28, daytona none */
	ck_assert_int_eq(eval("success_rate >= 0.99", &r, &line, &err), RV_OK);
	ck_assert(!r.pass);
	ck_assert_msg(strstr(line.data, "docker 96.4% is 2.6 points under the limit"), "%s", line.data);
	report_gate_result_release(&r);
	rv_buf_reset(&line);
	ck_assert_int_eq(eval("failures(rollout, daytona) == 0", &r, &line, &err), RV_OK);
	ck_assert(r.pass);
	ck_assert_uint_eq(r.n, 1);
	report_gate_result_release(&r);
	rv_buf_reset(&line);
	/* regress: only daytona is in the baseline; identical: +0% */
	ck_assert_int_eq(eval("p50(health) regress < 1%", &r, &line, &err), RV_OK);
	ck_assert(r.pass);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_str_eq(r.checks[0].provider, "daytona");
	report_gate_result_release(&r);
	/* what cannot be evaluated is bad input, not a failed gate */
	ck_assert_int_eq(eval("p50(provison) < 1s", &r, &line, &err), RV_ERR_USAGE);
	ck_assert_msg(strstr(err.msg, "no samples of that phase"), "%s", err.msg);
	ck_assert_int_eq(eval("p50(health, modal) < 1s", &r, &line, &err), RV_ERR_USAGE);
	ck_assert_msg(strstr(err.msg, "no samples of provider 'modal'"), "%s", err.msg);
	rv_buf_release(&line);
}
END_TEST

static Suite *report_input_suite(void)
{
	Suite *s = suite_create("report_input");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_result_json_is_read);
	tcase_add_test(tc, test_span_lines_and_hyperfine_are_read);
	tcase_add_test(tc, test_span_fields);
	tcase_add_test(tc, test_window_and_jobs);
	tcase_add_test(tc, test_provider_comparison);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_loop_test(tc, test_malformed_inputs_name_file_and_line, 0,
			    (int)(sizeof(malformed) / sizeof(*malformed)));
	tcase_add_test(tc, test_unreadable_file);
	suite_add_tcase(s, tc);
	tc = tcase_create("gates");
	tcase_add_loop_test(tc, test_gate_grammar, 0,
			    (int)(sizeof(gates_ok) / sizeof(*gates_ok)));
	tcase_add_loop_test(tc, test_gate_grammar_errors, 0,
			    (int)(sizeof(gates_bad) / sizeof(*gates_bad)));
	tcase_add_test(tc, test_gate_evaluation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(report_input_suite()) ? 1 : 0;
}
