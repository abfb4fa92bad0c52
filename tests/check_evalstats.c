/*
 * The outcome of an eval (evalstats.h) and its JSON against outcomes
 * computed independently: tests/fixtures/report/evalstats_expected.json,
 * made by evalstats_reference.py (exact rationals, pass@k by binomial
 * coefficients per seed, counts by Python's Counter).
 */
#include "testutil.h"

#include "evalstats.h"
#include "report_helpers.h"
#include "rv_alloc.h"
#include "rv_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void assert_num(const json_t *got, const json_t *want, const char *what)
{
	double g, w;

	if (json_is_null(want)) {
		ck_assert_msg(json_is_null(got), "%s: want null", what);
		return;
	}
	ck_assert_msg(json_is_number(got), "%s: got no number", what);
	g = json_number_value(got);
	w = json_number_value(want);
	ck_assert_msg(fabs(g - w) <= 1e-9 * fmax(1, fabs(w)),
		      "%s: got %.17g, want %.17g", what, g, w);
}

static enum evalstats_class class_of(const char *s)
{
	return !strcmp(s, "ok") ? EVALSTATS_OK : !strcmp(s, "pipeline") ?
	       EVALSTATS_PIPELINE : EVALSTATS_TRANSPORT;
}

/* The fixture's rollouts as the input (strings borrowed from it). */
static struct evalstats_rollout *input(const json_t *a, size_t *n)
{
	struct evalstats_rollout *r;
	size_t i;
	json_t *x;

	*n = json_array_size(a);
	r = rv_xcalloc(*n + 1, sizeof(*r));
	json_array_foreach(a, i, x) {
		json_t *rw = json_object_get(x, "reward");

		r[i].seed = json_integer_value(json_object_get(x, "seed"));
		r[i].epoch = (unsigned)json_integer_value(json_object_get(x, "epoch"));
		r[i].reward = json_is_null(rw) ? NAN : json_number_value(rw);
		r[i].cls = class_of(rv_json_str(x, "cls"));
		r[i].status = rv_json_str(x, "status");
		r[i].task = rv_json_str(x, "task");
		r[i].difficulty = rv_json_str(x, "difficulty");
		for (size_t k = 0; k < 3; k++)
			r[i].tokens[k] = json_integer_value(json_array_get(
				json_object_get(x, "tokens"), k));
	}
	return r;
}

static void check_case(const json_t *c)
{
	const char *name = rv_json_str(c, "name");
	const json_t *e = json_object_get(c, "expected");
	static const char *const nums[] = {
		"rollouts", "seeds", "epochs", "completed", "ok",
		"pipeline_failures", "transport_failures", "mean_reward",
		"mean_reward_sd", "mean_reward_stderr", "mean_reward_all",
		"passed", "pass_rate",
	};
	struct evalstats es;
	size_t n, i;
	struct evalstats_rollout *r = input(json_object_get(c, "rollouts"), &n);
	json_t *got, *t, *x;
	const char *key;
	char what[128];

	evalstats_compute(r, n, json_number_value(json_object_get(c,
		"threshold")), &es);
	got = evalstats_json(&es, true);
	for (i = 0; i < sizeof(nums) / sizeof(*nums); i++) {
		snprintf(what, sizeof(what), "%s %s", name, nums[i]);
		assert_num(json_object_get(got, nums[i]),
			   json_object_get(e, nums[i]), what);
	}
	x = json_object_get(e, "mean_reward_ci95");
	for (i = 0; json_is_array(x) && i < 2; i++) {
		snprintf(what, sizeof(what), "%s ci95[%zu]", name, i);
		assert_num(json_array_get(json_object_get(got, "mean_reward_ci95"), i),
			   json_array_get(x, i), what);
	}
	ck_assert(json_is_null(x) == json_is_null(json_object_get(got,
							"mean_reward_ci95")));
	ck_assert_msg(json_equal(json_object_get(got, "statuses"),
				 json_object_get(e, "statuses")), "%s statuses", name);
	ck_assert_msg(json_equal(json_object_get(got, "tokens"),
				 json_object_get(e, "tokens")), "%s tokens", name);
	json_object_foreach(json_object_get(e, "pass_at_k"), key, x) {
		snprintf(what, sizeof(what), "%s pass@%s", name, key);
		assert_num(json_object_get(json_object_get(got, "pass_at_k"), key),
			   x, what);
	}
	ck_assert_uint_eq(json_object_size(json_object_get(got, "pass_at_k")),
			  json_object_size(json_object_get(e, "pass_at_k")));
	/* tasks: in name order, each with its own pass@k */
	t = json_object_get(got, "tasks");
	ck_assert_uint_eq(json_array_size(t), json_object_size(json_object_get(e, "tasks")));
	json_array_foreach(t, i, x) {
		const json_t *w = json_object_get(json_object_get(e, "tasks"),
						  rv_json_str(x, "task"));
		const char *f[] = { "rollouts", "completed", "passed", "failures",
				    "mean_reward" };

		ck_assert_msg(w != NULL, "%s: task %s", name, rv_json_str(x, "task"));
		for (size_t k = 0; k < 5; k++) {
			snprintf(what, sizeof(what), "%s task %s %s", name,
				 rv_json_str(x, "task"), f[k]);
			assert_num(json_object_get(x, f[k]), json_object_get(w, f[k]),
				   what);
		}
		ck_assert_msg(json_object_size(json_object_get(x, "pass_at_k")) ==
			      json_object_size(json_object_get(w, "pass_at_k")),
			      "%s task pass@k", name);
		json_object_foreach(json_object_get(w, "pass_at_k"), key, t) {
			snprintf(what, sizeof(what), "%s task pass@%s", name, key);
			assert_num(json_object_get(json_object_get(x, "pass_at_k"), key),
				   t, what);
		}
		t = json_object_get(got, "tasks");
	}
	json_array_foreach(json_object_get(got, "difficulties"), i, x)
		ck_assert_int_eq(rv_json_int(x, "rollouts", -1),
			json_integer_value(json_object_get(json_object_get(e,
				"difficulties"), rv_json_str(x, "difficulty"))));
	/* per seed, ascending */
	json_array_foreach(json_object_get(e, "per_seed"), i, x) {
		json_t *s = json_array_get(json_object_get(got, "per_seed"), i);

		ck_assert_msg(json_equal(json_object_get(s, "seed"),
					 json_object_get(x, "seed")), "%s seed", name);
		snprintf(what, sizeof(what), "%s seed %zu mean", name, i);
		assert_num(json_object_get(s, "mean_reward"),
			   json_object_get(x, "mean_reward"), what);
		ck_assert_int_eq(rv_json_int(s, "passed", -1),
				 rv_json_int(x, "passed", -2));
	}
	json_decref(got);
	evalstats_release(&es);
	free(r);
}

START_TEST(test_outcomes_match_the_reference)
{
	char *path = rh_fixture("evalstats_expected.json");
	struct rv_err err = RV_ERR_INIT;
	json_t *cases = rv_json_load_file(path, &err), *c;
	size_t i;

	ck_assert_msg(cases != NULL, "%s", err.msg);
	ck_assert_uint_ge(json_array_size(cases), 5);
	json_array_foreach(cases, i, c)
		check_case(c);
	json_decref(cases);
	free(path);
}
END_TEST

/* A hostile app names a task per seed: the outcome stays bounded. */
START_TEST(test_names_are_bounded)
{
	size_t n = 3000;
	struct evalstats_rollout *r = rv_xcalloc(n, sizeof(*r));
	char **names = rv_xcalloc(n, sizeof(*names));
	struct evalstats es;
	int other;

	for (size_t i = 0; i < n; i++) {
		/* task-0 is frequent and must keep its own slice */
		names[i] = rv_xasprintf("task-%zu", i % 10 ? i : 0);
		r[i] = (struct evalstats_rollout){ .seed = (int64_t)i,
			.epoch = 1, .reward = 1, .status = names[i],
			.task = names[i], .tokens = { -1, -1, -1 } };
	}
	evalstats_compute(r, n, 1, &es);
	ck_assert_uint_eq(es.n_tasks, EVALSTATS_MAX_NAMES);
	ck_assert_uint_eq(es.n_statuses, EVALSTATS_MAX_NAMES);
	ck_assert_int_ge(evalstats_find(es.tasks, es.n_tasks, "task-0"), 0);
	ck_assert_uint_eq(es.statuses[0].n, n / 10);	/* by count */
	other = evalstats_find(es.tasks, es.n_tasks, EVALSTATS_OTHER);
	ck_assert_int_ge(other, 0);
	ck_assert_uint_eq(es.tasks[other].n, n - n / 10 - (EVALSTATS_MAX_NAMES - 2));
	ck_assert_uint_eq(es.tasks[other].completed, es.tasks[other].n);
	for (size_t i = 0; i < es.n_seeds; i++)
		ck_assert_int_ge(es.seeds[i].task, 0);
	evalstats_release(&es);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(r);
}
END_TEST

START_TEST(test_invalid_names_and_empty)
{
	struct evalstats_rollout r = { .seed = 1, .epoch = 1, .reward = 0,
		.status = "bad\xff", .task = "t\xc3", .tokens = { -1, -1, 5 } };
	struct evalstats es;
	json_t *j;

	evalstats_compute(&r, 1, 1, &es);
	j = evalstats_json(&es, false);
	ck_assert_int_eq(rv_json_int(j, "statuses.(invalid UTF-8)", -1), 1);
	ck_assert_str_eq(rv_json_str(json_array_get(json_object_get(j, "tasks"), 0),
				     "task"), "(invalid UTF-8)");
	ck_assert_int_eq(rv_json_int(j, "tokens.total", -1), 5);
	ck_assert_ptr_null(json_object_get(j, "per_seed"));
	json_decref(j);
	evalstats_release(&es);
	/* no rollouts: nothing defined, nothing crashes */
	evalstats_compute(NULL, 0, 1, &es);
	ck_assert(isnan(es.reward.mean) && isnan(es.pass_rate));
	ck_assert(isnan(evalstats_pass_at(&es, 1, EVALSTATS_ALL, 0, NULL)));
	j = evalstats_json(&es, true);
	ck_assert(json_is_null(json_object_get(j, "mean_reward")));
	json_decref(j);
	evalstats_release(&es);
}
END_TEST

START_TEST(test_pass_at_k_choices)
{
	struct evalstats e = { .max_k = 3 };
	size_t ks[24], n;

	n = evalstats_ks(&e, ks);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(ks[2], 3);
	e.max_k = 64;
	n = evalstats_ks(&e, ks);
	ck_assert_uint_eq(n, 7);	/* 1 2 5 10 20 50 64 */
	ck_assert_uint_eq(ks[3], 10);
	ck_assert_uint_eq(ks[6], 64);
	e.max_k = 100;
	n = evalstats_ks(&e, ks);
	ck_assert_uint_eq(ks[n - 1], 100);
	ck_assert_uint_eq(ks[n - 2], 50);
}
END_TEST

static Suite *evalstats_suite(void)
{
	Suite *s = suite_create("evalstats");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_outcomes_match_the_reference);
	tcase_add_test(tc, test_names_are_bounded);
	tcase_add_test(tc, test_invalid_names_and_empty);
	tcase_add_test(tc, test_pass_at_k_choices);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(evalstats_suite()) ? 1 : 0;
}
