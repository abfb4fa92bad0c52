/*
 * runeval --local with the bundled reference task app (build/taskapp):
 * the README's first command, end to end.
 */
#include "testutil.h"
#include "rv_alloc.h"

#include "runeval_run.h"

#include <math.h>
#include <signal.h>
#include <string.h>

static double summary_num(const struct rr *r, const char *key)
{
	return json_number_value(json_object_get(json_object_get(r->result,
		"summary"), key));
}

/*
 * The details of each seed in result.json are those its line in the
 * seed log has (most were read back from there, seedlog.h), whole.
 */
static void assert_details_as_logged(struct rr *r, long n)
{
	char *path = rv_xasprintf("%s/seeds.jsonl", r->out);
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	long seen = 0;

	ck_assert_ptr_nonnull(f);
	while (getline(&line, &cap, f) > 0) {
		json_t *v = json_loads(line, 0, NULL), *d;
		char *text;

		ck_assert_ptr_nonnull(v);
		if (json_object_get(v, "seedlog")) {
			json_decref(v);
			continue;
		}
		d = json_object_get(v, "details");
		text = json_dumps(d, JSON_COMPACT);
		ck_assert_msg(strlen(text) >= 128, "short details: %s", text);
		ck_assert(json_equal(d, json_object_get(rr_rollout(r,
			json_integer_value(json_object_get(v, "seed"))),
			"details")));
		free(text);
		json_decref(v);
		seen++;
	}
	ck_assert_int_eq(seen, n);
	ck_assert_ptr_null(strstr(r->stderr_text, "does not hold"));
	free(line);
	fclose(f);
	free(path);
}

START_TEST(test_taskapp_reference_scores_one)
{
	struct rr *r = rr_new();
	const char *args[] = { "--local", "--seeds", "5", NULL };
	static const char *const phases[] = { "start", "preview", "health",
		"rollouts", "rollout", "teardown" };
	json_t *ph;

	ck_assert_msg(rr_run(r, args, NULL) == 0, "%s", r->stderr_text);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(
		r->result, "config"), "app")), "bundled");
	ck_assert(fabs(summary_num(r, "mean_reward") - 1.0) < 1e-9);
	ck_assert_int_eq((int)summary_num(r, "completed"), 5);
	ph = json_object_get(json_object_get(r->result, "summary"), "phases");
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		ck_assert_msg(rr_has_span(r, phases[i]), "no %s", phases[i]);
		ck_assert_msg(json_object_get(ph, phases[i]), "no %s stats",
			      phases[i]);
	}
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(
		ph, "rollout"), "ok")), 5);
	/* the task app said what it graded */
	ck_assert(json_is_object(json_object_get(rr_rollout(r, 3), "details")));
	assert_details_as_logged(r, 5);
	ck_assert_msg(strstr(r->stdout_text, "mean reward 1.000"), "%s",
		      r->stdout_text);
	rr_free(r);
}
END_TEST

START_TEST(test_taskapp_noop_scores_zero)
{
	struct rr *r = rr_new();
	const char *args[] = { "--local", "--seeds", "5", "--policy", "noop",
			       NULL };

	ck_assert_msg(rr_run(r, args, NULL) == 0, "%s", r->stderr_text);
	ck_assert(fabs(summary_num(r, "mean_reward")) < 1e-9);
	ck_assert(fabs(summary_num(r, "success_rate") - 1.0) < 1e-9);
	rr_free(r);
}
END_TEST

static Suite *local_taskapp_suite(void)
{
	Suite *s = suite_create("local_taskapp");
	TCase *tc = tcase_create("bundled");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_taskapp_reference_scores_one);
	tcase_add_test(tc, test_taskapp_noop_scores_zero);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(local_taskapp_suite()) ? 1 : 0;
}
