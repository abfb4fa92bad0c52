/*
 * Jobs that finish on daytona-lite (real bubblewrap sandboxes): sandbox
 * starts that fail are replaced while the others take the seeds, a proxy
 * answering 5xx does not lose a seed (retries), a slow sandbox does not
 * hold the job (work stealing), --keep keeps several sandboxes, and the
 * bring-up is shown.  Every test ends with nothing left on the server.
 */
#include "testutil.h"
#include "daytona_world.h"

#include "daytona_api.h"
#include "rv_alloc.h"

#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

static long count_spans(const struct rr *r, const char *phase, bool ok)
{
	json_t *s;
	size_t i;
	long n = 0;

	json_array_foreach(json_object_get(r->result, "spans"), i, s)
		n += !strcmp(json_string_value(json_object_get(s, "phase")),
			     phase) &&
			json_is_true(json_object_get(s, "ok")) == ok;
	return n;
}

static void assert_all_ok(const struct rr *r, size_t seeds)
{
	json_t *ro;
	size_t i;

	ck_assert_msg(r->status == 0, "exit %d: %s", r->status,
		      r->stderr_text);
	ck_assert_uint_eq(json_array_size(json_object_get(r->result,
							  "rollouts")), seeds);
	json_array_foreach(json_object_get(r->result, "rollouts"), i, ro)
		ck_assert_msg(json_is_true(json_object_get(ro, "ok")),
			      "seed %zu: %s", i, json_string_value(
				      json_object_get(ro, "error")));
}

/* 40% of sandbox starts fail: replaced; every seed completes, and the
   console showed the bring-up (plain lines: stderr is no terminal). */
START_TEST(test_daytona_jobs_failing_starts_are_replaced)
{
	const char *faults[] = { "--fault-error-rate", "0.4", "--seed", "7",
				 NULL };
	const char *args[] = { "--daytona", "--seeds", "20", "--sandboxes",
			       "4", "--sandbox-retries", "6", "--app", NULL,
			       "--start", "exec python3 app.py", NULL };
	struct world w;
	struct rr *r = rr_new();

	world_start(&w, faults);
	args[8] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	assert_all_ok(r, 20);
	ck_assert_int_gt(count_spans(r, "provision", false), 0);
	ck_assert_int_ge(count_spans(r, "health", true), 1);
	ck_assert_msg(strstr(r->stderr_text, "runeval: sandboxes: ") &&
		      strstr(r->stderr_text, " healthy"), "%s",
		      r->stderr_text);
	ck_assert_uint_eq(world_left(&w), 0);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* 10% of preview requests answered 502/503/504 by the proxy: retried,
   every seed completes, and the retried ones list their tries. */
START_TEST(test_daytona_jobs_proxy_5xx_retried)
{
	const char *faults[] = { "--fault-preview-5xx-rate", "0.1", "--seed",
				 "11", NULL };
	const char *args[] = { "--daytona", "--seeds", "60", "--sandboxes",
			       "2", "--retries", "6", "--app", NULL,
			       "--start", "exec python3 app.py", NULL };
	struct world w;
	struct rr *r = rr_new();
	json_t *ro, *t;
	size_t i, retried = 0;

	world_start(&w, faults);
	args[8] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	assert_all_ok(r, 60);
	json_array_foreach(json_object_get(r->result, "rollouts"), i, ro) {
		t = json_object_get(ro, "tries");
		if (!t)
			continue;
		retried++;
		ck_assert_int_eq(json_integer_value(json_object_get(ro,
				 "attempts")), json_array_size(t) + 1);
		ck_assert_int_ge(json_integer_value(json_object_get(
			json_array_get(t, 0), "http_status")), 502);
	}
	ck_assert_uint_gt(retried, 0);
	ck_assert_uint_eq(world_left(&w), 0);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* `runeval reap --job=ID`: its exit code. */
static int reap_job(const struct world *w, const char *job)
{
	char *jobarg = rv_xasprintf("--job=%s", job), *out = NULL;
	int rc = sbx_world_reap(&w->sbx, jobarg, NULL, &out);

	free(out);
	free(jobarg);
	return rc;
}

/* --keep with two sandboxes keeps both and says how to reach each. */
START_TEST(test_daytona_jobs_keep_several)
{
	/* slow rollouts: no sandbox finds the queue empty when it is up */
	const char *args[] = { "--daytona", "--seeds", "8", "--sandboxes",
			       "2", "--concurrency", "1", "--keep", "--app",
			       NULL, "--start",
			       "exec python3 app.py --rollout-delay 1", NULL };
	struct world w;
	struct rr *r = rr_new();
	const char *first;

	world_start(&w, NULL);
	args[9] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	assert_all_ok(r, 8);
	ck_assert_uint_eq(world_left(&w), 2);
	first = strstr(r->stderr_text, "kept");
	ck_assert_ptr_nonnull(first);
	ck_assert_ptr_nonnull(strstr(first + 1, "kept"));
	ck_assert_int_eq(reap_job(&w, json_string_value(json_object_get(
		json_object_get(r->result, "job"), "id"))), 0);
	ck_assert_uint_eq(world_left(&w), 0);
	rr_free(r);
	world_stop(&w);
}
END_TEST

static Suite *daytona_jobs_suite(void)
{
	Suite *s = suite_create("daytona_jobs");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_daytona_jobs_failing_starts_are_replaced);
	tcase_add_test(tc, test_daytona_jobs_proxy_5xx_retried);
	tcase_add_test(tc, test_daytona_jobs_keep_several);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(daytona_jobs_suite()) ? 1 : 0;
}
