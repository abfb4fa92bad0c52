/*
 * check_reap: `runeval reap` against a daytona-lite with sandboxes a
 * crashed job left (labelled runeval.job, no journal) and sandboxes that
 * are not runeval's: only the labelled ones are listed and deleted, and
 * they are deleted several at a time (one by one, 70 took 4.8 s).
 */
#include "daytona_api.h"
#include "lite_server.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

struct reap_world {
	struct lite_server lite;
	struct daytona_client *c;
	char env_state[300];
};

static void rw_start(struct reap_world *w, const char *const *lite_args)
{
	struct daytona_config cfg = { .no_env = true };
	struct rv_err err = RV_ERR_INIT;

	memset(w, 0, sizeof(*w));
	ck_assert(lite_server_start(&w->lite, lite_args));
	cfg.api_url = w->lite.api_url;
	cfg.api_key = w->lite.api_key;
	w->c = daytona_client_new(&cfg, &err);
	ck_assert_msg(w->c, "%s", err.msg);
	snprintf(w->env_state, sizeof(w->env_state),
		 "RUNEVAL_STATE_DIR=%s/runeval-state", w->lite.dir);
}

static void rw_stop(struct reap_world *w)
{
	daytona_client_free(w->c);
	lite_server_stop(&w->lite);
}

/* A started sandbox with one label "k=v" (NULL: none). */
static void rw_create(struct reap_world *w, const char *name,
		      const char *label)
{
	const char *labels[] = { label, NULL };
	struct daytona_create_opts o = { .name = name, .auto_stop_min = -1,
					 .auto_delete_min = -1 };
	struct daytona_sandbox_info info = { 0 };
	struct rv_err err = RV_ERR_INIT;

	o.labels = label ? labels : NULL;
	ck_assert_msg(daytona_create(w->c, &o, NULL, &info, &err) == RV_OK,
		      "%s", err.msg);
	if (strcmp(info.state, "started"))
		ck_assert_msg(daytona_wait_started(w->c, info.id, NULL, NULL,
						   &err) == RV_OK, "%s",
			      err.msg);
	daytona_sandbox_info_release(&info);
}

/* Sandboxes on the server: all of them, or those with label key. */
static size_t rw_count(struct reap_world *w, const char *key)
{
	struct daytona_sandbox_info *v = NULL;
	struct rv_err err = RV_ERR_INIT;
	size_t n = 0;

	ck_assert_msg(daytona_list(w->c, key, NULL, NULL, &v, &n, &err) ==
		      RV_OK, "%s", err.msg);
	daytona_sandbox_list_free(v, n);
	return n;
}

/* `runeval reap ARGS`; its exit code, output in *out. */
static int rw_reap(struct reap_world *w, const char *arg, char **out)
{
	char *bin = tu_build_path("runeval");
	char *log = rv_xasprintf("%s/reap.out", w->lite.dir);
	char *const argv[] = { bin, "reap", (char *)arg, NULL };
	char *const env[] = { w->lite.env_url, w->lite.env_key,
			      w->env_state, NULL };
	int code = tu_run(argv, env, log, out);

	free(log);
	free(bin);
	return code;
}

START_TEST(test_reap_only_what_carries_the_label)
{
	struct reap_world w;
	char *out;

	rw_start(&w, NULL);
	rw_create(&w, "someone-elses", NULL);
	rw_create(&w, "another-team", "team=x");
	rw_create(&w, "runeval-crashed-0", "runeval.job=crashed");
	rw_create(&w, "runeval-crashed-1", "runeval.job=crashed");
	ck_assert_int_eq(rw_reap(&w, "--dry-run", &out), 0);
	ck_assert_msg(strstr(out, "reap: 2 found") &&
		      !strstr(out, "someone-elses") &&
		      !strstr(out, "another-team"), "%s", out);
	free(out);
	ck_assert_int_eq(rw_reap(&w, NULL, &out), 0);
	ck_assert_msg(strstr(out, "reap: 2 found, 2 deleted"), "%s", out);
	free(out);
	ck_assert_uint_eq(rw_count(&w, "runeval.job"), 0);
	ck_assert_uint_eq(rw_count(&w, "team"), 1);
	rw_stop(&w);
}
END_TEST

/*
 * Every request takes 150 ms more: one by one, 16 deletions (a DELETE
 * and at least one GET each) take at least 4.8 s; 8 at a time, about
 * a second.
 */
START_TEST(test_reap_deletes_in_parallel)
{
	const char *args[] = { "--fault-latency-ms", "150", NULL };
	struct reap_world w;
	uint64_t t0;
	double s;
	char *out;

	rw_start(&w, args);
	for (int i = 0; i < 16; i++) {
		char name[64];

		snprintf(name, sizeof(name), "runeval-crashed-%d", i);
		rw_create(&w, name, "runeval.job=crashed");
	}
	t0 = rv_now_ns();
	ck_assert_int_eq(rw_reap(&w, NULL, &out), 0);
	s = (double)(rv_now_ns() - t0) / 1e9;
	ck_assert_msg(strstr(out, "reap: 16 found, 16 deleted"), "%s", out);
	ck_assert_msg(s < 3.5, "16 deletions took %.2f s", s);
	free(out);
	ck_assert_uint_eq(rw_count(&w, "runeval.job"), 0);
	rw_stop(&w);
}
END_TEST

static Suite *reap_suite(void)
{
	Suite *s = suite_create("reap");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_reap_only_what_carries_the_label);
	tcase_add_test(tc, test_reap_deletes_in_parallel);
	tcase_set_timeout(tc, 180);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(reap_suite()) ? 1 : 0;
}
