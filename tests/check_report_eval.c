/*
 * The eval in `runeval report`: the paired comparison and the outcome
 * against tests/fixtures/report/eval_expected.json (eval_fixtures.py,
 * computed independently of the C code), every rendering read back by a
 * real parser (python3's json and ElementTree, xmllint against the JUnit
 * schema, promtool), gates over the outcome that hold and fail, latency
 * regress gates refused on too few samples, and jobs grouped by identity.
 */
#include "testutil.h"

#include "report_eval.h"
#include "report_helpers.h"
#include "report_set.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_json.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define tmp rh_tmp

static char *cand, *base;
static json_t *expected;

static void setup(void)
{
	char *p = rh_fixture("eval_expected.json");
	struct rv_err err = RV_ERR_INIT;

	rh_tmp_setup();
	cand = rh_fixture("eval_cand.json");
	base = rh_fixture("eval_base.json");
	expected = rv_json_load_file(p, &err);
	ck_assert_msg(expected != NULL, "%s", err.msg);
	free(p);
}

static void teardown(void)
{
	json_decref(expected);
	free(cand);
	free(base);
	rh_tmp_teardown();
}

/* runeval report ARGS... (NULL-terminated): exit code, output in *out. */
#define report(out, ...) rh_report(out, NULL, __VA_ARGS__)

static double want(const char *path)
{
	json_t *v = rv_json_path(expected, path);

	ck_assert_msg(json_is_number(v), "no %s in the fixture", path);
	return json_number_value(v);
}

static void assert_near(double got, double w, const char *what)
{
	ck_assert_msg(fabs(got - w) <= 1e-9 * fmax(1, fabs(w)),
		      "%s: got %.17g, want %.17g", what, got, w);
}

/* python3 CODE FILE: its output (malloc'ed); the exit code must be 0. */
static char *py(const char *code, const char *file)
{
	char *argv[] = { "python3", "-c", (char *)code, (char *)file, NULL };
	char *out = NULL;

	ck_assert_msg(rh_run(argv, NULL, NULL, &out) == 0, "%s", out);
	return out;
}

START_TEST(test_paired_comparison_matches_the_reference)
{
	struct report_set c, b;
	struct report_evals ec, eb;
	struct report_pairs p;
	struct rv_err err = RV_ERR_INIT;
	const struct report_pair *x;
	json_t *fixed = rv_json_path(expected, "paired.fixed");
	json_t *broke = rv_json_path(expected, "paired.broke");

	report_set_init(&c);
	report_set_init(&b);
	ck_assert_msg(report_set_load(&c, cand, &err) == RV_OK, "%s", err.msg);
	ck_assert_msg(report_set_load(&b, base, &err) == RV_OK, "%s", err.msg);
	report_evals_compute(&ec, &c, NAN);
	report_evals_compute(&eb, &b, NAN);
	report_pairs_compute(&p, &ec, &eb);
	ck_assert_uint_eq(ec.n, 1);
	ck_assert_uint_eq(p.n, 1);
	x = &p.v[0];
	ck_assert_uint_eq(x->n, (size_t)want("paired.n"));
	assert_near(x->diff.mean, want("paired.mean_difference"), "mean diff");
	assert_near(x->diff.lo, json_number_value(json_array_get(rv_json_path(
		expected, "paired.ci95"), 0)), "ci lo");
	assert_near(x->diff.hi, json_number_value(json_array_get(rv_json_path(
		expected, "paired.ci95"), 1)), "ci hi");
	assert_near(x->base_mean, want("paired.base_mean"), "base mean");
	assert_near(x->cand_mean, want("paired.cand_mean"), "cand mean");
	assert_near(x->wilcoxon.p, want("paired.wilcoxon_p"), "wilcoxon p");
	ck_assert(!x->wilcoxon.exact);
	assert_near(x->mcnemar.p, want("paired.mcnemar_p"), "mcnemar p");
	ck_assert_uint_eq(x->n_fixed, json_array_size(fixed));
	ck_assert_uint_eq(x->n_broke, json_array_size(broke));
	for (size_t i = 0; i < x->n_broke; i++)
		ck_assert_int_eq(x->broke[i], json_integer_value(json_array_get(broke, i)));
	ck_assert_int_eq(x->fixed[0], json_integer_value(json_array_get(fixed, 0)));
	/* the candidate's outcome: three epochs, a pipeline and a transport
	 * failure */
	assert_near(ec.groups[0].st.reward.mean, want("candidate.mean_reward"),
		    "mean reward");
	assert_near(ec.groups[0].st.pass_rate, want("candidate.pass_rate"),
		    "pass rate");
	for (size_t k = 1; k <= 3; k++) {
		char path[64];

		snprintf(path, sizeof(path), "candidate.pass_at_k.%zu", k);
		assert_near(evalstats_pass_at(&ec.groups[0].st, k, EVALSTATS_ALL,
					      0, NULL), want(path), path);
	}
	ck_assert_uint_eq(ec.groups[0].st.pipeline, 1);
	ck_assert_uint_eq(ec.groups[0].st.transport, 1);
	ck_assert_str_eq(ec.groups[0].app, "evalapp");
	ck_assert_str_eq(ec.groups[0].policy, "reference");
	report_pairs_release(&p);
	report_evals_release(&ec);
	report_evals_release(&eb);
	report_set_release(&c);
	report_set_release(&b);
}
END_TEST

/*
 * A job that brings its own eval (runeval rendering its own reports: the
 * summary's) lends it to its group instead of the group computing it
 * again; not at another threshold, nor for other rollouts.
 */
START_TEST(test_a_jobs_own_eval_is_borrowed)
{
	struct rv_err err = RV_ERR_INIT;
	struct report_set a, b;
	struct report_evals own, lent, other;
	struct evalstats copy;

	report_set_init(&a);
	report_set_init(&b);
	ck_assert_int_eq(report_set_load(&a, cand, &err), RV_OK);
	ck_assert_int_eq(report_set_load(&b, cand, &err), RV_OK);
	report_evals_compute(&own, &a, NAN);
	ck_assert_uint_eq(own.n, 1);
	ck_assert(!own.groups[0].st_borrowed);
	b.jobs[0].eval = &own.groups[0].st;
	report_evals_compute(&lent, &b, NAN);
	ck_assert(lent.groups[0].st_borrowed);
	ck_assert_ptr_eq(lent.groups[0].st.seeds, own.groups[0].st.seeds);
	ck_assert_uint_eq(lent.groups[0].st.passed, own.groups[0].st.passed);
	ck_assert_str_eq(lent.groups[0].name, own.groups[0].name);
	report_evals_release(&lent);
	report_evals_compute(&other, &b, own.groups[0].threshold + 0.25);
	ck_assert(!other.groups[0].st_borrowed);
	report_evals_release(&other);
	copy = own.groups[0].st;
	copy.n++;			/* not these rollouts */
	b.jobs[0].eval = &copy;
	report_evals_compute(&other, &b, NAN);
	ck_assert(!other.groups[0].st_borrowed);
	ck_assert_uint_eq(other.groups[0].st.passed, own.groups[0].st.passed);
	report_evals_release(&other);
	report_evals_release(&own);
	report_set_release(&b);
	report_set_release(&a);
}
END_TEST

START_TEST(test_summary_json_has_the_eval)
{
	static const char head[] = "1 66 3 1 1 1 evalapp reference 20 "
		"[0, 2, 5] [7] ['daytona'] ['overhead', 'performance', "
		"'reliability']\n";
	char *out = NULL, *sj = rv_xasprintf("%s/summary.json", tmp), *got;
	char *line;

	ck_assert_int_eq(report(&out, cand, "--baseline", base, "--json", sj,
				"--quiet", NULL), 0);
	free(out);
	got = py("import json, sys\n"
		 "d = json.load(open(sys.argv[1]))\n"
		 "g = d['eval']['groups'][0]\n"
		 "b = g['baseline']\n"
		 "print(len(d['eval']['groups']), g['rollouts'], g['epochs'], "
		 "g['pipeline_failures'], g['transport_failures'], "
		 "g['statuses']['network_error'], g['app'], g['policy'], "
		 "b['paired_seeds'], b['broke_seeds'], b['fixed_seeds'], "
		 "sorted(d['providers']), sorted(d['comparison']))\n"
		 "print(repr(g['mean_reward']), repr(b['mean_difference']), "
		 "repr(b['wilcoxon']['p_value']), repr(b['mcnemar']['p_value']), "
		 "repr(g['pass_at_k']['3']))\n", sj);
	/* overhead: null without local among the inputs, but there */
	ck_assert_msg(!strncmp(got, head, strlen(head)), "%s", got);
	line = strchr(got, '\n') + 1;
	assert_near(strtod(line, &line), want("candidate.mean_reward"), "mean");
	assert_near(strtod(line, &line), want("paired.mean_difference"), "diff");
	assert_near(strtod(line, &line), want("paired.wilcoxon_p"), "wilcoxon");
	assert_near(strtod(line, &line), want("paired.mcnemar_p"), "mcnemar");
	assert_near(strtod(line, &line), want("candidate.pass_at_k.3"), "pass@3");
	free(got);
	free(sj);
}
END_TEST

START_TEST(test_junit_errors_failures_and_properties)
{
	char *out = NULL, *xml = rv_xasprintf("%s/junit.xml", tmp);
	char *xsd = rh_fixture("junit.xsd"), *cmd, *got;
	static const char count[] =
		"import sys, xml.etree.ElementTree as E\n"
		"r = E.parse(sys.argv[1]).getroot()\n"
		"s = r.find('testsuite')\n"
		"c = [t for t in s.iter('testcase') if t.get('classname').endswith('rollout')]\n"
		"p = {x.get('name'): x.get('value') for x in c[0].iter('property')}\n"
		"e = [t.find('error') for t in c if t.find('error') is not None]\n"
		"print(len(c), s.get('errors'), s.get('failures'), len(e), e[0].get('type'), "
		"p['status'], p['epoch'], 'reward' in p, p['task'])\n";

	ck_assert_int_eq(report(&out, cand, "--junit", xml, "--quiet", NULL), 0);
	free(out);
	cmd = rv_xasprintf("xmllint --noout --schema '%s' '%s'", xsd, xml);
	ck_assert_msg(rh_sh(cmd, &out) == 0, "%s", out);
	free(out);
	/* the pipeline failure is an error, the HTTP 500 a failure; reward-0
	 * rollouts pass */
	got = py(count, xml);
	ck_assert_msg(!strcmp(got, "66 1 1 1 network_error success 1 True task-B\n"),
		      "%s", got);
	free(got);
	/* --junit-fail-below 0.5: the 17 answered rollouts with reward 0
	 * fail too (counted from the fixture by eval_fixtures.py's rule) */
	ck_assert_int_eq(report(&out, cand, "--junit", xml, "--quiet",
				"--junit-fail-below", "0.5", NULL), 0);
	free(out);
	ck_assert_msg(rh_sh(cmd, &out) == 0, "%s", out);
	free(out);
	got = py("import json, sys\n"
		 "d = json.load(open(sys.argv[1]))\n"
		 "print(sum(1 for r in d['rollouts'] if r['outcome'] == 'ok' and "
		 "r['reward'] < 0.5))\n", cand);
	{
		long low = strtol(got, NULL, 10);
		char *want_s = rv_xasprintf("66 1 %ld 1 network_error", 1 + low);

		free(got);
		got = py(count, xml);
		ck_assert_msg(!strncmp(got, want_s, strlen(want_s)), "%s (want %s)",
			      got, want_s);
		ck_assert_int_gt(low, 5);
		free(want_s);
	}
	free(got);
	free(cmd);
	free(xsd);
	free(xml);
}
END_TEST

START_TEST(test_prometheus_eval_series)
{
	char *out = NULL, *prom = rv_xasprintf("%s/metrics.prom", tmp), *cmd;
	char *got;

	ck_assert_int_eq(report(&out, cand, "--prom", prom, "--prom-strict",
				"--quiet", NULL), 0);
	free(out);
	cmd = rv_xasprintf("promtool check metrics < '%s'", prom);
	ck_assert_msg(rh_sh(cmd, &out) == 0, "%s", out);	/* lint-clean */
	free(out);
	got = py("import sys, re\n"
		 "v = {}\n"
		 "for l in open(sys.argv[1]):\n"
		 "    m = re.match(r'(runeval_eval_\\w+|runeval_rollouts_total)\\{(.*)\\} (\\S+)$', l)\n"
		 "    if m: v[(m.group(1), re.sub(r'job=\"[^\"]*\",provider=\"daytona\",policy=\"reference\",model=\"m-1\",?', '', m.group(2)))] = float(m.group(3))\n"
		 "print(repr(v[('runeval_eval_mean_reward', '')]), repr(v[('runeval_eval_pass_rate', '')]), "
		 "v[('runeval_rollouts_total', 'status=\"network_error\"')], v[('runeval_rollouts_total', 'status=\"success\"')], "
		 "repr(v[('runeval_eval_pass_at_k', 'k=\"3\"')]), v[('runeval_eval_tokens_total', 'kind=\"total\"')])\n",
		 prom);
	{
		char *p = got;

		assert_near(strtod(p, &p), want("candidate.mean_reward"), "mean");
		assert_near(strtod(p, &p), want("candidate.pass_rate"), "pass rate");
		ck_assert_msg(!strncmp(p, " 1.0 64.0 ", 10), "%s", got);
		p += 10;
		assert_near(strtod(p, &p), want("candidate.pass_at_k.3"), "pass@3");
		ck_assert_msg(!strcmp(p, " 990.0\n"), "%s", got);	/* 66 x 15 */
	}
	free(got);
	free(cmd);
	free(prom);
}
END_TEST

START_TEST(test_svg_rewards_failures_and_shards)
{
	char *out = NULL, *svg = rv_xasprintf("%s/w.svg", tmp), *cmd, *got;

	ck_assert_int_eq(report(&out, cand, "--svg", svg, "--quiet", NULL), 0);
	free(out);
	cmd = rv_xasprintf("xmllint --noout '%s'", svg);
	ck_assert_int_eq(rh_sh(cmd, NULL), 0);
	got = py("import sys, xml.etree.ElementTree as E\n"
		 "n = '{http://www.w3.org/2000/svg}'\n"
		 "r = E.parse(sys.argv[1]).getroot()\n"
		 "t = [(x.find(n + 'title').tail if x.find(n + 'title') is not None "
		 "else x.text) or '' for x in r.iter(n + 'text')]\n"
		 "lab = [x for x in t if x.startswith('#')]\n"
		 "print(lab[0].startswith('#0 ') and lab[0].endswith('-0'), "
		 "lab[1].startswith('#1 ') and lab[1].endswith('-1'), "
		 "sum(1 for x in t if x.startswith('\\u2717 network_error')), "
		 "sum(1 for x in t if x.startswith('\\u2717 http_error')), "
		 "sum(1 for x in t if x == '0.5'), "
		 "sum(1 for x in r.iter(n + 'rect') if x.get('fill') == '#d62728'))\n",
		 svg);
	/* shards in order though their spans came the other way; the two
	 * failures marked; rewards written after the bars; the HTTP 500 red */
	ck_assert_msg(!strncmp(got, "True True 1 1 ", 14), "%s", got);
	ck_assert_msg(strtol(got + 14, NULL, 10) > 5, "%s", got);
	ck_assert_msg(!strcmp(strrchr(got, ' '), " 1\n"), "%s", got);
	free(got);
	free(cmd);
	free(svg);
}
END_TEST

START_TEST(test_markdown_opens_with_the_eval)
{
	char *out = NULL, *md = rv_xasprintf("%s/report.md", tmp), *text;

	ck_assert_int_eq(report(&out, cand, "--baseline", base, "--md", md,
				"--gate", "mean_reward >= 0.9", "--quiet", NULL), 1);
	free(out);
	text = tu_read_file(md, NULL);
	ck_assert_msg(strstr(text, "# runeval eval report: evalapp 2.0, policy "
			     "reference, model m-1, on daytona\n") == text, "%.200s",
		      text);
	ck_assert(strstr(text, "## Eval") < strstr(text, "## Sandbox timing"));
	ck_assert_msg(strstr(text, "| Status | 🔴 **a gate failed**; ❌ **1 pipeline "
			     "failure**; ❌ **1 rollout failed** |"), "%s", text);
	ck_assert(strstr(text, "| Mean reward | **0.5538** ± "));
	ck_assert(strstr(text, "| Pass rate | **36.4%** (24 of 66 with reward >= 1) |"));
	ck_assert(strstr(text, "pass@1 36.4%, pass@2 "));
	ck_assert(strstr(text, "| Statuses | success 64, http\\_error 1, network\\_error 1 |"));
	ck_assert(strstr(text, "| Task | Rollouts | Mean reward | Pass rate | pass@3 | Failures |"));
	ck_assert(strstr(text, "**Against the baseline**, seed by seed over the 20 seeds"));
	ck_assert(strstr(text, "- Broke (passed in the baseline, not now): seeds 0, 2, 5."));
	ck_assert(strstr(text, "- Fixed (failed in the baseline, passes now): seeds 7."));
	/* the timing: the status cell red, no "most reliable" of one provider,
	 * a phase of one sample is one number */
	ck_assert(strstr(text, "| 🔴 gate failed |"));
	ck_assert_ptr_null(strstr(text, "Most reliable"));
	ck_assert_ptr_null(strstr(text, "Providers against each other"));
	ck_assert_msg(strstr(text, "| install | 55.5 ms | ok |"), "%s", text);
	ck_assert(strstr(text, "| Seed | Epoch | Sandbox | Result | Reward |"));
	free(text);
	free(md);
}
END_TEST

/* The exit code of `runeval report CAND [--baseline BASE] --gate G`. */
static int gate(const char *g, bool with_base, const char *needle)
{
	char *out = NULL;
	int rc = with_base ? report(&out, cand, "--baseline", base, "--gate", g,
				    "--quiet", NULL) :
		 report(&out, cand, "--gate", g, "--quiet", NULL);

	if (needle)
		ck_assert_msg(strstr(out, needle), "gate '%s': %s", g, out);
	free(out);
	return rc;
}

START_TEST(test_eval_gates_hold_and_fail)
{
	/* mean 0.5538, pass rate 36.4%, pass@3 0.409, one network_error */
	ck_assert_int_eq(gate("mean_reward >= 0.5", false,
			      "ok   mean_reward >= 0.5: evalcand 0.554\n"), 0);
	ck_assert_int_eq(gate("mean_reward >= 0.6", false,
			      "FAIL mean_reward >= 0.6: evalcand 0.554 is 0.046 under the limit"), 1);
	ck_assert_int_eq(gate("pass_rate >= 30%", false, NULL), 0);
	ck_assert_int_eq(gate("pass@3 >= 0.5", false,
			      "evalcand 40.9% is 9.1 points under the limit"), 1);
	ck_assert_int_eq(gate("count(network_error) == 0", false,
			      "FAIL count(network_error) == 0: evalcand 1 is not 0"), 1);
	ck_assert_int_eq(gate("count(timeout) == 0", false, NULL), 0);
	ck_assert_int_eq(gate("mean_reward_all > 0.5", false, NULL), 0);
	ck_assert_int_eq(gate("pass_rate(task=task-B) >= 0.9", false,
			      "evalcand task task-B"), 1);
	ck_assert_int_eq(gate("mean_reward(task=*) >= 0", false,
			      "evalcand task task-A"), 0);
	ck_assert_int_eq(gate("mean_reward(difficulty=hard) < 2", false, NULL), 0);
	/* the absolute drop against the baseline: 0.6 -> 0.5538 */
	ck_assert_int_eq(gate("mean_reward regress < 0.05", true,
			      "ok   mean_reward regress < 0.05: evalcand drop 0.046 (0.600 -> 0.554)"), 0);
	ck_assert_int_eq(gate("mean_reward regress < 0.01", true, NULL), 1);
	ck_assert_int_eq(gate("pass_rate(task=*) regress < 50%", true, NULL), 0);
	/* what cannot be evaluated is bad input, not a verdict */
	ck_assert_int_eq(gate("pass@4 >= 0.1", false,
			      "pass@4 needs 4 attempts of every seed, and evalcand has seeds with 3 (run more with --epochs 4)"), 2);
	ck_assert_int_eq(gate("mean_reward(task=nope) > 0", false,
			      "no rollouts of task 'nope'"), 2);
	ck_assert_int_eq(gate("mean_reward regress < 0.05", false,
			      "'regress' needs --baseline"), 2);
	ck_assert_int_eq(gate("count(network_error) regress < 1", true,
			      "regress works on"), 2);
	ck_assert_int_eq(gate("pass_rate > 2", false, "a rate must be between 0 and 1"), 2);
	ck_assert_int_eq(gate("mean_reward > 5%", false, "a reward takes no unit"), 2);
	ck_assert_int_eq(gate("count() == 0", false, "count needs a status"), 2);
	ck_assert_int_eq(gate("mean_reward(foo=bar) > 0", false, "expected (task=NAME)"), 2);
	ck_assert_int_eq(gate("pass@0 > 0", false, "expected a statistic"), 2);
}
END_TEST

START_TEST(test_eval_gate_needs_an_eval_and_few_samples_are_refused)
{
	char *spans = rh_fixture("spans.jsonl");
	char *a = rh_write(tmp, "a.jsonl", "{\"provider\":\"p\",\"phase\":\"health\",\"ms\":10,\"ok\":true}\n");
	char *b = rh_write(tmp, "b.jsonl", "{\"provider\":\"p\",\"phase\":\"health\",\"ms\":50,\"ok\":true}\n");
	char *out = NULL;

	ck_assert_int_eq(report(&out, spans, "--gate", "mean_reward > 0", NULL), 2);
	ck_assert_msg(strstr(out, "no eval in the inputs"), "%s", out);
	free(out);
	/* one sample a side: a regress gate is refused, not decided */
	ck_assert_int_eq(report(&out, b, "--baseline", a, "--gate",
				"p50(health) regress < 20%", NULL), 2);
	ck_assert_msg(strstr(out, "gate 'p50(health) regress < 20%': p has 1 baseline "
			     "and 1 candidate samples of 'health', fewer than 6 a side"),
		      "%s", out);
	free(out);
	ck_assert_int_eq(report(&out, b, "--baseline", a, "--gate",
				"p50(health) regress < 20%", "--allow-few-samples",
				NULL), 1);
	ck_assert_msg(strstr(out, "FAIL p50(health) regress < 20%: p +400.0%"), "%s", out);
	free(out);
	{	/* a provider that ran no rollout (its job never got past
		   its health check) is not ranked fastest on the few phases
		   it has */
		char *s = rh_write(tmp, "rank.jsonl",
			"{\"provider\":\"a\",\"phase\":\"start\",\"ms\":10,\"ok\":true}\n"
			"{\"provider\":\"a\",\"phase\":\"rollout\",\"ms\":100,\"ok\":true}\n"
			"{\"provider\":\"c\",\"phase\":\"start\",\"ms\":20,\"ok\":true}\n"
			"{\"provider\":\"c\",\"phase\":\"rollout\",\"ms\":90,\"ok\":true}\n"
			"{\"provider\":\"b\",\"phase\":\"start\",\"ms\":1,\"ok\":true}\n"
			"{\"provider\":\"b\",\"phase\":\"rollout\",\"ms\":5,\"ok\":false}\n");

		ck_assert_int_eq(report(&out, s, NULL), 0);
		ck_assert_msg(strstr(out, "fastest: a (10.0 ms), slowest: c "
				     "(20.0 ms)"), "%s", out);
		free(out);
		free(s);
	}
	{	/* a bench's cold series (one sample a run) is left out of a
		   regress that names no series, and refused when named */
		struct rv_buf ta = RV_BUF_INIT, tb = RV_BUF_INIT;
		char *ca, *cb;

		rv_buf_adds(&ta, "{\"provider\":\"p:cold\",\"phase\":\"provision\",\"ms\":90,\"ok\":true}\n");
		rv_buf_adds(&tb, "{\"provider\":\"p:cold\",\"phase\":\"provision\",\"ms\":500,\"ok\":true}\n");
		for (int i = 0; i < 8; i++) {
			rv_buf_addf(&ta, "{\"provider\":\"p\",\"phase\":\"provision\",\"ms\":%d,\"ok\":true}\n", 10 + i);
			rv_buf_addf(&tb, "{\"provider\":\"p\",\"phase\":\"provision\",\"ms\":%d,\"ok\":true}\n", 11 + i);
		}
		ca = rh_write(tmp, "ca.jsonl", ta.data);
		cb = rh_write(tmp, "cb.jsonl", tb.data);
		ck_assert_int_eq(report(&out, cb, "--baseline", ca, "--gate",
					"p50(provision) regress < 50%", NULL), 0);
		ck_assert_msg(strstr(out, "ok   p50(provision) regress < 50%: p +") &&
			      !strstr(strstr(out, "gates:"), "p:cold"), "%s", out);
		free(out);
		ck_assert_int_eq(report(&out, cb, "--baseline", ca, "--gate",
					"p50(provision, p:cold) regress < 50%",
					NULL), 2);
		ck_assert_msg(strstr(out, "fewer than 6 a side"), "%s", out);
		free(out);
		/* nor is it ranked: one provider and its cold series make
		   no fastest and slowest; with two, the cold ones (here the
		   quickest) are left out */
		ck_assert_int_eq(report(&out, ca, NULL), 0);
		ck_assert_msg(!strstr(out, "fastest:"), "%s", out);
		free(out);
		rv_buf_adds(&ta, "{\"provider\":\"q:cold\",\"phase\":\"provision\",\"ms\":1,\"ok\":true}\n"
				 "{\"provider\":\"q\",\"phase\":\"provision\",\"ms\":40,\"ok\":true}\n");
		free(ca);
		ca = rh_write(tmp, "ca2.jsonl", ta.data);
		ck_assert_int_eq(report(&out, ca, NULL), 0);
		ck_assert_msg(strstr(out, "fastest: p (13.5 ms), slowest: q "
				     "(40.0 ms)"), "%s", out);
		free(out);
		free(ca);
		free(cb);
		rv_buf_release(&ta);
		rv_buf_release(&tb);
	}
	free(a);
	free(b);
	free(spans);
}
END_TEST

/* report.md of s (JSON lines), malloc'ed. */
static char *md_comparison_of(const char *name, const char *s)
{
	char *in = rh_write(tmp, name, s), *out = NULL, *text;
	char *md = rv_xasprintf("%s/%s.md", tmp, name);

	ck_assert_int_eq(report(&out, in, "--md", md, "--quiet", NULL), 0);
	text = tu_read_file(md, NULL);
	free(out);
	free(md);
	free(in);
	return text;
}

#define SPAN(p, ph, ms, ok) "{\"provider\":\"" p "\",\"phase\":\"" ph \
	"\",\"ms\":" #ms ",\"ok\":" #ok "}\n"

/*
 * Who is ranked: a provider whose job ran no rollout while others did
 * is left out of the per-phase table too (it lacks phases: the table
 * used to read past them and crash), and so is a bench's cold series
 * beside warm ones, also in choosing the phases compared; a bench of
 * cold series alone (one iteration) still compares them.
 */
START_TEST(test_rankings_leave_out_the_incomparable)
{
	char *cmp;

	cmp = md_comparison_of("norollout.jsonl",
		SPAN("a", "start", 10, true) SPAN("a", "health", 10, true)
		SPAN("a", "rollout", 100, true) SPAN("c", "start", 20, true)
		SPAN("c", "health", 20, true) SPAN("c", "rollout", 90, true)
		SPAN("b", "start", 1, true));
	ck_assert_msg(strstr(cmp, "| health | a (10.0 ms) | c (20.0 ms) | "
			     "2.00x |") && !strstr(cmp, "| b ("), "%s", cmp);
	free(cmp);
	/* one provider and its cold series: nothing to compare */
	cmp = md_comparison_of("onecold.jsonl",
		SPAN("p", "provision", 100, true) SPAN("p", "provision", 104, true)
		SPAN("p:cold", "provision", 900, true));
	ck_assert_msg(!strstr(cmp, "| Phase | Fastest") &&
		      !strstr(cmp, "Fastest:") && !strstr(cmp, "Most reliable:") &&
		      strstr(cmp, "Nothing to rank: a bench's cold series"),
		      "%s", cmp);
	free(cmp);
	/* a cold run's failed step does not drop the phase it failed in
	   from the warm series' comparison */
	cmp = md_comparison_of("coldfail.jsonl",
		SPAN("p", "provision", 100, true) SPAN("p", "exec", 30, true)
		SPAN("q", "provision", 60, true) SPAN("q", "exec", 1000, true)
		SPAN("q:cold", "provision", 70, true)
		SPAN("q:cold", "exec", 5, false));
	ck_assert_msg(strstr(cmp, "Fastest: **p** (130.0 ms") &&
		      strstr(cmp, "| exec | p (30.0 ms) | q (1.00 s) |") &&
		      !strstr(cmp, "(q:cold") && !strstr(cmp, "**q:cold**"),
		      "%s", cmp);
	free(cmp);
	/* cold series alone: compared with each other */
	cmp = md_comparison_of("coldonly.jsonl",
		SPAN("p:cold", "provision", 100, true)
		SPAN("q:cold", "provision", 300, true));
	ck_assert_msg(strstr(cmp, "| provision | p:cold (100.0 ms) | "
			     "q:cold (300.0 ms) | 3.00x |"), "%s", cmp);
	free(cmp);
}
END_TEST

/*
 * Odd input that passes the loaders: rollouts without a seed are seeds
 * of their own (they were all seed 0, so pass@k counted them as one
 * seed's attempts); a time near DBL_MAX made the SVG's axis loop forever;
 * a window near SIZE_MAX wrapped around and hid samples from hyperfine.
 */
START_TEST(test_odd_input_is_not_miscounted_and_does_not_hang)
{
	char *fixture = rh_fixture("result_docker.json"), *out = NULL, *cmd;
	char *noseed = rv_xasprintf("%s/noseed.json", tmp), *big, *three;
	char *svg = rv_xasprintf("%s/w.svg", tmp);
	json_t *doc;

	cmd = rv_xasprintf("sed 's/\"seed\": [0-9][0-9]*/\"seed\": null/g' "
			   "'%s' > '%s'", fixture, noseed);
	ck_assert_int_eq(rh_sh(cmd, NULL), 0);
	free(cmd);
	ck_assert_int_eq(report(&out, noseed, "--gate", "pass@2 >= 0", NULL),
			 2);
	ck_assert_msg(strstr(out, "pass@2 needs 2 attempts of every seed"),
		      "%s", out);
	free(out);
	ck_assert_int_eq(report(&out, noseed, "--json", "-", "--quiet", NULL),
			 0);
	doc = json_loads(out, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(
		rv_json_path(doc, "eval.groups"), 0), "seeds")), 12);
	json_decref(doc);
	free(out);
	big = rh_write(tmp, "big.jsonl", SPAN("a", "start", 1.5e308, true)
		       SPAN("b", "start", 1e308, true));
	ck_assert_int_eq(report(&out, big, "--svg", svg, "--quiet", NULL), 0);
	free(out);
	ck_assert_int_eq(report(&out, big, NULL), 0);	/* with its unit */
	ck_assert_msg(strstr(out, " 1.5e+305 s ") && strstr(out, " 1e+305 s "),
		      "%s", out);
	free(out);
	three = rh_write(tmp, "three.jsonl", SPAN("a", "start", 10, true)
			 SPAN("a", "start", 20, true) SPAN("a", "start", 30, true));
	ck_assert_int_eq(report(&out, three, "--window",
				"18446744073709551615", "--hyperfine", "-",
				"--quiet", NULL), 0);
	ck_assert_msg(strstr(out, "0.01,") && strstr(out, "0.02,") &&
		      strstr(out, "0.03\n"), "%s", out);
	free(out);
	free(three);
	free(big);
	free(svg);
	free(noseed);
	free(fixture);
}
END_TEST

START_TEST(test_jobs_are_grouped_by_identity)
{
	char *text = tu_read_file(cand, NULL), *other, *p2, *again, *got;
	char *sj = rv_xasprintf("%s/s.json", tmp), *out = NULL;

	/* the same file twice is one job, counted once */
	ck_assert_int_eq(report(&out, cand, cand, "--json", sj, "--quiet",
				NULL), 0);
	ck_assert_msg(strstr(out, "is job evalcand again") &&
		      strstr(out, "counted once"), "%s", out);
	free(out);
	got = py("import json, sys\n"
		 "d = json.load(open(sys.argv[1]))\n"
		 "print([(len(g['jobs']), g['rollouts']) for g in d['eval']['groups']])\n", sj);
	ck_assert_str_eq(got, "[(1, 66)]\n");
	free(got);
	/* another job of the same identity (its id another), and one of
	 * another policy on the same provider */
	p2 = strstr(text, "\"id\": \"evalcand\"");
	ck_assert_ptr_nonnull(p2);
	memcpy(p2, "\"id\": \"evalcanD\"", 16);
	again = rh_write(tmp, "again.json", text);
	memcpy(p2, "\"id\": \"evalcanE\"", 16);
	while ((p2 = strstr(text, "\"policy\": \"reference\"")))
		memcpy(p2, "\"policy\": \"otherpol1\"", 21);
	other = rh_write(tmp, "other.json", text);
	ck_assert_int_eq(report(&out, cand, again, other, "--json", sj, "--quiet",
				NULL), 0);
	free(out);
	got = py("import json, sys\n"
		 "d = json.load(open(sys.argv[1]))\n"
		 "print([(g['policy'], len(g['jobs']), g['rollouts']) for g in d['eval']['groups']], "
		 "sorted(d['providers']))\n", sj);
	ck_assert_msg(!strcmp(got, "[('reference', 2, 132), ('otherpol1', 1, 66)] "
			      "['daytona (policy=otherpol1)', 'daytona (policy=reference)']\n"),
		      "%s", got);
	free(got);
	{	/* labels that would read alike once cut (the first 25
		   bytes the same) are printed whole */
		char *d = rv_xasprintf("%s/long", tmp), *a, *b;

		got = py("import json, os, sys\n"
			 "t = open(sys.argv[1]).read()\n"
			 "d = os.path.dirname(sys.argv[1]) + '/long'\n"
			 "os.makedirs(d, exist_ok=True)\n"
			 "for k in ('1', '2', '\u00e9' * 12):\n"
			 "    u = t.replace('\"policy\": \"otherpol1\"',"
			 " '\"policy\": \"' + (k if len(k) > 1 else "
			 "'a-long-policy-name-' + k) + '\"')\n"
			 "    u = u.replace('evalcanE', 'evalcan' + k[:1])\n"
			 "    open(d + '/' + k[:1] + '.json', 'w').write(u)\n",
			 other);
		free(got);
		a = rv_xasprintf("%s/1.json", d);
		b = rv_xasprintf("%s/2.json", d);
		ck_assert_int_eq(report(&out, a, b, NULL), 0);
		ck_assert_msg(strstr(out, "\ndaytona (policy=a-long-policy-name-1)"
				     "  ") &&
			      strstr(out, "\ndaytona (policy=a-long-policy-name-2)"
				     "  ") && !strstr(out, "..."), "%s", out);
		free(out);
		/* a name cut is cut at a character's start: 16 bytes, then
		   4 of the 2-byte letters, not 4.5 */
		free(b);
		b = rv_xasprintf("%s/\xc3\xa9.json", d);
		ck_assert_int_eq(report(&out, cand, b, NULL), 0);
		ck_assert_msg(strstr(out, "\ndaytona (policy=\xc3\xa9\xc3\xa9"
				     "\xc3\xa9\xc3\xa9...  "), "%s", out);
		free(out);
		free(a);
		free(b);
		free(d);
	}
	free(sj);
	free(again);
	free(other);
	free(text);
}
END_TEST

/* Files written before the outcome model: statuses derived, still read. */
START_TEST(test_older_result_files)
{
	char *docker = rh_fixture("result_docker.json"), *out = NULL;

	ck_assert_int_eq(report(&out, docker, "--gate", "count(failed) == 1",
				"--gate", "count(success) == 11", "--quiet", NULL), 0);
	free(out);
	free(docker);
}
END_TEST

static Suite *report_eval_suite(void)
{
	Suite *s = suite_create("report_eval");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_paired_comparison_matches_the_reference);
	tcase_add_test(tc, test_summary_json_has_the_eval);
	tcase_add_test(tc, test_a_jobs_own_eval_is_borrowed);
	tcase_add_test(tc, test_junit_errors_failures_and_properties);
	tcase_add_test(tc, test_prometheus_eval_series);
	tcase_add_test(tc, test_svg_rewards_failures_and_shards);
	tcase_add_test(tc, test_markdown_opens_with_the_eval);
	tcase_add_test(tc, test_eval_gates_hold_and_fail);
	tcase_add_test(tc, test_eval_gate_needs_an_eval_and_few_samples_are_refused);
	tcase_add_test(tc, test_rankings_leave_out_the_incomparable);
	tcase_add_test(tc, test_odd_input_is_not_miscounted_and_does_not_hang);
	tcase_add_test(tc, test_jobs_are_grouped_by_identity);
	tcase_add_test(tc, test_older_result_files);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(report_eval_suite()) ? 1 : 0;
}
