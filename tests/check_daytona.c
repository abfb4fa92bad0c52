/*
 * runeval --daytona end to end: build/runeval as a process against a
 * daytona-lite (real bubblewrap sandboxes) started by each test, with
 * faults injected by daytona-lite itself.  The checks every remote
 * provider passes are remote_e2e's; Daytona's own follow.  Every test
 * ends by listing the sandboxes through the API: none may be left.
 */
#include "testutil.h"
#include "daytona_world.h"
#include "remote_e2e.h"

#include "daytona_api.h"
#include "rv_alloc.h"
#include "rv_http.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sandboxes left on the server (any runeval job). */
static size_t daytona_left(const struct re_world *w)
{
	return daytona_sandboxes_left(w->api_url, TL_KEY);
}

static const struct re_kind daytona = {
	.provider = "daytona",
	.flag = "--daytona",
	.prog = "daytona-lite",
	.api_path = "/api",
	.url_env = "DAYTONA_API_URL",
	.key_env = "DAYTONA_API_KEY",
	.env = (const char *const[]){ "DAYTONA_TARGET=", "DAYTONA_JWT_TOKEN=",
				      NULL },
	.create_status = 200,
	.left = daytona_left,
};

START_TEST(test_daytona_bundled_five_seeds)
{
	re_bundled_five_seeds(&daytona);
}
END_TEST

START_TEST(test_daytona_foreign_language_app)
{
	struct re_world w;
	struct rr *r = rr_new();
	const char *args[] = { "--daytona", "--seeds", "3", "--app", NULL,
			       "--start", "exec python3 app.py", NULL };

	re_start(&w, &daytona, NULL);
	args[4] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	re_assert_clean(&w, r, 0);
	ck_assert(fabs(rr_summary_num(r, "mean_reward") - 1.0) < 1e-9);
	rr_free(r);
	re_stop(&w);
}
END_TEST

/*
 * A failing --setup: its whole output is in sandbox-<id>/setup.log, the
 * error quotes its last line whole (it was cut at 300 bytes, mid-word),
 * and the last lines follow the error.
 */
START_TEST(test_daytona_setup_failure_keeps_its_output)
{
	struct re_world w;
	struct rr *r = rr_new();
	const char *args[] = { "--daytona", "--seeds", "1", "--app", NULL,
			       "--start", "exec python3 app.py", "--setup",
			       "for i in $(seq 1 200); do echo \"pip: step $i "
			       "of the install\"; done; echo \"ERROR: could "
			       "not find a version that satisfies the "
			       "requirement definitely-not-a-package==1.0\"; "
			       "exit 7", NULL };
	char *cmd, *log;
	FILE *f;
	char path[512] = "";

	re_start(&w, &daytona, NULL);
	args[4] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	re_assert_clean(&w, r, 3);
	ck_assert_msg(strstr(r->stderr_text, "setup command") &&
		      strstr(r->stderr_text, "failed with exit 7") &&
		      strstr(r->stderr_text, "/setup.log): ERROR: could not "
			     "find a version that satisfies the requirement "
			     "definitely-not-a-package==1.0\n"),
		      "%s", r->stderr_text);
	/* the last lines follow, whole, one per line */
	ck_assert_msg(strstr(r->stderr_text, "\npip: step 200 of the "
			     "install\nERROR: could not"), "%s",
		      r->stderr_text);
	cmd = rv_xasprintf("ls '%s'/sandbox-*/setup.log", r->out);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(path, sizeof(path), f));
	pclose(f);
	path[strcspn(path, "\n")] = '\0';
	log = tu_read_file(path, NULL);
	ck_assert_ptr_nonnull(log);
	ck_assert(strstr(log, "pip: step 1 of the install\n"));
	ck_assert(strstr(log, "pip: step 200 of the install\n"));
	ck_assert(strstr(log, "definitely-not-a-package==1.0\n"));
	free(log);
	free(cmd);
	rr_free(r);
	re_stop(&w);
}
END_TEST

START_TEST(test_daytona_forty_seeds_four_sandboxes)
{
	re_forty_seeds_four_sandboxes(&daytona);
}
END_TEST

START_TEST(test_daytona_unreachable_inference_is_a_pipeline_failure)
{
	re_unreachable_inference(&daytona);
}
END_TEST

START_TEST(test_daytona_without_credentials)
{
	re_without_credentials(&daytona);
}
END_TEST

START_TEST(test_daytona_survives_429_and_5xx)
{
	re_survives_429_and_5xx(&daytona);
}
END_TEST

START_TEST(test_daytona_error_state_is_clear_and_clean)
{
	re_create_fails(&daytona, "state 'error'");
}
END_TEST

START_TEST(test_daytona_health_waits_out_preview_502)
{
	re_health_waits_out_502(&daytona);
}
END_TEST

START_TEST(test_daytona_stuck_sandbox_times_out)
{
	const char *faults[] = { "--fault-stuck-rate", "1",
				 "--create-wait-ms", "0", NULL };

	re_create_stuck(&daytona, faults, "not started after", 200);
}
END_TEST

START_TEST(test_daytona_sigint_during_provision)
{
	const char *slow[] = { "--fault-latency-ms", "500", NULL };

	re_interrupt_during(&daytona, "provision", slow, "0", true);
}
END_TEST

START_TEST(test_daytona_sigint_during_upload)
{
	const char *slow[] = { "--fault-latency-ms", "500", NULL };

	re_interrupt_during(&daytona, "upload", slow, "0", false);
}
END_TEST

START_TEST(test_daytona_sigint_during_rollouts)
{
	re_interrupt_during(&daytona, "rollouts", NULL, "3", false);
}
END_TEST

START_TEST(test_daytona_kill9_then_reap)
{
	re_kill9_then_reap(&daytona);
}
END_TEST

/* The preview token of sandbox id, from the API. */
static char *preview_token(const struct re_world *w, const char *id)
{
	struct daytona_config cfg = { .api_url = w->api_url,
				      .api_key = TL_KEY, .no_env = true };
	struct daytona_client *c = daytona_client_new(&cfg, NULL);
	char *url = NULL, *token = NULL;

	ck_assert_int_eq(daytona_preview(c, id, 8000, NULL, &url, &token,
					 NULL), RV_OK);
	free(url);
	daytona_client_free(c);
	return token;
}

/* --keep leaves it up; the token is nowhere; reap --job deletes it. */
START_TEST(test_daytona_keep_then_reap_job)
{
	const char *args[] = { "--daytona", "--seeds", "1", "--keep", "--app",
			       NULL, "--start", "exec python3 app.py", NULL };
	struct re_world w;
	struct rr *r = rr_new();
	const char *id, *job;
	char *token, *out, *log, *logtext, *jobarg, *resfile;

	re_start(&w, &daytona, NULL);
	args[5] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	ck_assert_msg(r->status == 0, "%s", r->stderr_text);
	ck_assert_ptr_nonnull(strstr(r->stderr_text, "kept"));
	/* a curl line that works once the variables are set: header names,
	   never a secret's value */
	ck_assert_msg(strstr(r->stderr_text, "\n  curl -H \"X-API-Key: "
			     "$ENVIRONMENT_API_KEY\" -H \"X-Daytona-Preview-"
			     "Token: $X_DAYTONA_PREVIEW_TOKEN\"") &&
		      strstr(r->stderr_text, "/health\n"), "%s",
		      r->stderr_text);
	/* with a key made for the job (not shown), the user is told how
	   to have one that reaches the kept app */
	ck_assert_msg(strstr(r->stderr_text, "was made for this job and is "
			     "not shown; to reach a kept app, run the job "
			     "with ENVIRONMENT_API_KEY set"), "%s",
		      r->stderr_text);
	ck_assert_uint_eq(re_left(&w), 1);
	id = json_string_value(json_object_get(rr_first_span(r, "health"),
					       "sandbox"));
	job = json_string_value(json_object_get(json_object_get(r->result,
							       "job"), "id"));
	token = preview_token(&w, id);
	ck_assert(strlen(token) >= 6);
	log = rv_xasprintf("%s/sandbox-%s/taskapp.log", r->out, id);
	logtext = tu_read_file(log, NULL);
	resfile = rv_xasprintf("%s/result.json", r->out);
	free(log);
	log = tu_read_file(resfile, NULL);
	ck_assert_ptr_null(strstr(log, token));
	ck_assert_ptr_null(strstr(r->stderr_text, token));
	ck_assert_ptr_null(strstr(r->stdout_text, token));
	ck_assert_ptr_null(logtext ? strstr(logtext, token) : NULL);

	/* a plain reap leaves a kept sandbox alone (journal and label: one
	   sandbox, counted once); --job names it */
	ck_assert_int_eq(re_reap(&w, NULL, NULL, &out), 0);
	ck_assert_msg(strstr(out, "reap: 1 found, 0 deleted, 0 already gone, "
			     "1 skipped"), "%s", out);
	free(out);
	ck_assert_uint_eq(re_left(&w), 1);
	jobarg = rv_xasprintf("--job=%s", job);
	ck_assert_int_eq(re_reap(&w, jobarg, NULL, &out), 0);
	ck_assert_msg(strstr(out, "1 deleted"), "%s", out);
	free(out);
	ck_assert_uint_eq(re_left(&w), 0);
	ck_assert_int_eq(re_journals(&w), 0);
	free(jobarg);
	free(resfile);
	free(log);
	free(logtext);
	free(token);
	rr_free(r);
	re_stop(&w);
}
END_TEST

START_TEST(test_daytona_lifecycle_command)
{
	re_lifecycle_command(&daytona);
}
END_TEST

START_TEST(test_daytona_rejected_and_unreachable)
{
	re_rejected_and_unreachable(&daytona);
}
END_TEST

/* Sandbox options are checked before anything starts. */
START_TEST(test_daytona_option_errors)
{
	static const char *const bad[][7] = {
		{ "--local", "--seeds", "1", "--sandboxes", "2", NULL },
		{ "--local", "--seeds", "1", "--keep", NULL },
		{ "--daytona", "--seeds", "1", "--snapshot", "a", "--image",
		  "b" },
		{ "--daytona", "--seeds", "1", "--sandboxes", "0", NULL },
		{ "--daytona", "--seeds", "1", "--sandboxes", "65", NULL },
		{ "--daytona", "--seeds", "4", "--sandboxes", "2", "--keep" },
		{ "--daytona", "--lite", "--seeds", "1", "--keep", NULL },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *args[8] = { 0 };
		struct rr *r = rr_new();

		memcpy(args, bad[i], sizeof(bad[i]));
		rr_run(r, args, NULL);
		ck_assert_msg(r->status == 2, "case %zu: exit %d", i, r->status);
		ck_assert_msg(strstr(r->stderr_text, "--"), "case %zu: %s", i,
			      r->stderr_text);
		rr_free(r);
	}
}
END_TEST

static Suite *daytona_suite(void)
{
	Suite *s = suite_create("daytona");
	TCase *tc = tcase_create("core");
	TCase *te = tcase_create("errors");
	TCase *tl = tcase_create("limits");

	tcase_set_timeout(tc, 120);
	tcase_set_timeout(te, 120);
	tcase_set_timeout(tl, 120);
	tcase_add_test(tc, test_daytona_bundled_five_seeds);
	tcase_add_test(tc, test_daytona_foreign_language_app);
	tcase_add_test(tc, test_daytona_forty_seeds_four_sandboxes);
	tcase_add_test(tc, test_daytona_unreachable_inference_is_a_pipeline_failure);
	tcase_add_test(tc, test_daytona_keep_then_reap_job);
	tcase_add_test(tc, test_daytona_lifecycle_command);
	tcase_add_test(te, test_daytona_without_credentials);
	tcase_add_test(te, test_daytona_option_errors);
	tcase_add_test(te, test_daytona_setup_failure_keeps_its_output);
	tcase_add_test(te, test_daytona_rejected_and_unreachable);
	tcase_add_test(te, test_daytona_survives_429_and_5xx);
	tcase_add_test(te, test_daytona_error_state_is_clear_and_clean);
	tcase_add_test(te, test_daytona_health_waits_out_preview_502);
	tcase_add_test(te, test_daytona_stuck_sandbox_times_out);
	tcase_add_test(tl, test_daytona_sigint_during_provision);
	tcase_add_test(tl, test_daytona_sigint_during_upload);
	tcase_add_test(tl, test_daytona_sigint_during_rollouts);
	tcase_add_test(tl, test_daytona_kill9_then_reap);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, te);
	suite_add_tcase(s, tl);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(daytona_suite()) ? 1 : 0;
}
