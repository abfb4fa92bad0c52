#include "remote_e2e.h"

#include "testutil.h"
#include "e2b_api.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct e2b_client *re_e2b_client(const struct re_world *w)
{
	struct e2b_config cfg = { .api_url = w->api_url, .api_key = TL_KEY,
				  .no_env = true };
	struct e2b_client *c = e2b_client_new(&cfg, NULL);

	ck_assert_ptr_nonnull(c);
	return c;
}

/* Sandboxes left on the server (any runeval job). */
static size_t re_e2b_left(const struct re_world *w)
{
	struct e2b_client *c = re_e2b_client(w);
	struct e2b_sandbox_info *v = NULL;
	struct rv_err err = RV_ERR_INIT;
	size_t n = 0;

	ck_assert_msg(e2b_list(c, "runeval.job", NULL, NULL, &v, &n, &err) ==
		      RV_OK, "%s", err.msg);
	e2b_sandbox_list_free(v, n);
	e2b_client_free(c);
	return n;
}

const struct re_kind re_e2b = {
	.provider = "e2b",
	.flag = "--e2b",
	.prog = "e2b-lite",
	.api_path = "",
	.url_env = "E2B_API_URL",
	.key_env = "E2B_API_KEY",
	/* ports by the domain the create answers with */
	.env = (const char *const[]){ "E2B_SANDBOX_URL=", "E2B_DOMAIN=",
				      NULL },
	.create_status = 201,
	.left = re_e2b_left,
};

/* What the server behind sbx still holds (sbx_world's left()). */
static size_t re_left_sbx(const struct sbx_world *sbx)
{
	return re_left(sbx->provider);
}

void re_start(struct re_world *w, const struct re_kind *k,
	      const char *const *lite_args)
{
	const char *args[40] = { "--quiet" }, *env[SBX_WORLD_MAX_ENV + 1];
	size_t n = 1;

	memset(w, 0, sizeof(*w));
	w->kind = k;
	for (; lite_args && *lite_args && n < 39; lite_args++)
		args[n++] = *lite_args;
	w->lite.prog = k->prog;
	tl_start(&w->lite, args);
	snprintf(w->api_url, sizeof(w->api_url), "%s%s", w->lite.base,
		 k->api_path);
	snprintf(w->env_url, sizeof(w->env_url), "%s=%s", k->url_env,
		 w->api_url);
	snprintf(w->env_key, sizeof(w->env_key), "%s=%s", k->key_env, TL_KEY);
	n = 0;
	env[n++] = w->env_url;
	env[n++] = w->env_key;
	for (const char *const *e = k->env; e && *e; e++) {
		ck_assert_uint_lt(n, SBX_WORLD_MAX_ENV);
		env[n++] = *e;
	}
	env[n] = NULL;
	sbx_world_init(&w->sbx, w->lite.tmp, env, re_left_sbx, w);
}

void re_stop(struct re_world *w)
{
	sbx_world_release(&w->sbx);
	tl_free(&w->lite);
	memset(w, 0, sizeof(*w));
}

size_t re_left(const struct re_world *w)
{
	return w->kind->left(w);
}

int re_journals(const struct re_world *w)
{
	return sbx_world_journals(&w->sbx);
}

void re_assert_clean(const struct re_world *w, const struct rr *r,
		     int want_status)
{
	sbx_assert_ran_clean(&w->sbx, r, want_status);
}

int re_reap(const struct re_world *w, const char *a1, const char *a2,
	    char **output)
{
	return sbx_world_reap(&w->sbx, a1, a2, output);
}

/* --- the shared test bodies ---------------------------------------------- */

void re_bundled_five_seeds(const struct re_kind *k)
{
	struct re_world w;
	struct rr *r;
	char *log;

	re_start(&w, k, NULL);
	r = sbx_run_headline(&w.sbx, k->provider, w.api_url, &log);
	/* the create's attempt log holds the provider's answer */
	ck_assert(rr_span_saw(rr_first_span(r, "provision"),
			      k->create_status));
	/* the app's output, followed while it ran */
	ck_assert_msg(rr_wait_for_text(log, "taskapp: listening", 1000), "no %s",
		      log);
	free(log);
	rr_free(r);
	re_stop(&w);
}

void re_forty_seeds_four_sandboxes(const struct re_kind *k)
{
	const char *args[] = { k->flag, "--seeds", "40", "--sandboxes", "4",
			       "--app", NULL, "--start", "exec python3 app.py",
			       NULL };
	json_t *it, *seen = json_object();
	struct re_world w;
	struct rr *r = rr_new();
	size_t i;

	re_start(&w, k, NULL);
	args[6] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	re_assert_clean(&w, r, 0);
	ck_assert_int_eq((int)rr_summary_num(r, "completed"), 40);
	/* work stealing: every rollout names a sandbox that came up; how
	   many seeds each ran depends on who was free */
	json_array_foreach(json_object_get(r->result, "spans"), i, it)
		if (!strcmp(rv_json_str(it, "phase"), "health"))
			json_object_set_new(seen, rv_json_str(it, "sandbox"),
					    json_true());
	ck_assert_uint_eq(json_object_size(seen), 4);
	json_array_foreach(json_object_get(r->result, "rollouts"), i, it)
		ck_assert_ptr_nonnull(json_object_get(seen, rv_json_str(it,
							"sandbox")));
	ck_assert_int_eq(rr_count_spans(r, "provision"), 4);
	/* the shards, in order, with their names */
	json_array_foreach(json_object_get(r->result, "sandboxes"), i, it) {
		const char *name = rv_json_str(it, "name");

		ck_assert_int_eq(json_integer_value(json_object_get(it,
				 "shard")), (json_int_t)i);
		ck_assert_msg(name && name[strlen(name) - 1] == (char)('0' + i),
			      "%s", name);
		ck_assert_ptr_nonnull(json_object_get(seen, rv_json_str(it,
							"id")));
	}
	ck_assert_uint_eq(json_array_size(json_object_get(r->result,
							  "sandboxes")), 4);
	json_decref(seen);
	rr_free(r);
	re_stop(&w);
}

void re_unreachable_inference(const struct re_kind *k)
{
	const char *args[] = { k->flag, "--seeds", "2", "--policy", "llm",
			       "--inference-url", "http://127.0.0.1:9/v1", NULL };
	struct re_world w;
	struct rr *r = rr_new();
	char *path, *text;

	re_start(&w, k, NULL);
	rr_run(r, args, w.sbx.env);
	re_assert_clean(&w, r, 4);
	ck_assert_str_eq(rv_json_str(rr_rollout(r, 0), "status"),
			 "network_error");
	ck_assert_int_eq(rv_json_int(r->result,
				     "summary.eval.statuses.network_error", 0),
			 2);
	ck_assert_msg(strstr(r->stdout_text, "failed (exit 4): 2 of 2 rollouts "
			     "are pipeline failures (network_error 2)"), "%s",
		      r->stdout_text);
	ck_assert_ptr_null(strstr(r->stdout_text, "100.0%"));
	/* the renderings of the job say it too */
	path = rv_xasprintf("%s/junit.xml", r->out);
	text = tu_read_file(path, NULL);
	ck_assert_msg(text && strstr(text, "errors=\"2\""), "%s", text);
	free(text);
	free(path);
	path = rv_xasprintf("%s/report.md", r->out);
	text = tu_read_file(path, NULL);
	ck_assert_msg(text && strstr(text, "❌ **2 pipeline failures**"), "%s",
		      text);
	free(text);
	free(path);
	rr_free(r);
	re_stop(&w);
}

void re_without_credentials(const struct re_kind *k)
{
	const char *args[] = { k->flag, "--seeds", "1", NULL };
	char *key = rv_xasprintf("%s=", k->key_env);
	char *url = rv_xasprintf("%s=", k->url_env);
	const char *env[16] = { key, url };
	struct rr *r = rr_new();
	size_t n = 2;

	for (const char *const *e = k->env; e && *e && n < 15; e++)
		env[n++] = *e;
	rr_run(r, args, env);
	ck_assert_int_eq(r->status, 2);
	ck_assert_ptr_nonnull(strstr(r->stderr_text, k->key_env));
	ck_assert_ptr_nonnull(strstr(r->stderr_text, k->url_env));
	rr_free(r);
	free(key);
	free(url);
}

void re_survives_429_and_5xx(const struct re_kind *k)
{
	const char *faults[] = { "--fault-429-rate", "0.3",
		"--fault-5xx-rate", "0.1", "--fault-retry-after-s", "0",
		"--seed", "3", NULL };
	const char *args[] = { k->flag, "--seeds", "6", "--sandboxes", "2",
			       "--app", NULL, "--start", "exec python3 app.py",
			       NULL };
	struct re_world w;
	struct rr *r = rr_new();
	bool saw_429 = false;
	json_t *s;
	size_t i;

	re_start(&w, k, faults);
	args[6] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	/* rollouts through the proxy may meet a 5xx; the job completes */
	ck_assert_msg(r->status == 0 || r->status == 1, "exit %d: %s",
		      r->status, r->stderr_text);
	ck_assert_uint_eq(json_array_size(json_object_get(r->result,
							  "rollouts")), 6);
	json_array_foreach(json_object_get(r->result, "spans"), i, s) {
		if (strcmp(rv_json_str(s, "phase"), "provision"))
			continue;
		ck_assert(json_is_true(json_object_get(s, "ok")));
		ck_assert_int_eq(json_integer_value(json_object_get(s,
				 "attempts")), json_array_size(
				 json_object_get(s, "attempt_log")));
		saw_429 |= rr_span_saw(s, 429);
	}
	ck_assert_msg(saw_429, "no 429 recorded");
	ck_assert_uint_eq(re_left(&w), 0);
	rr_free(r);
	re_stop(&w);
}

void re_create_fails(const struct re_kind *k, const char *needle)
{
	const char *faults[] = { "--fault-error-rate", "1", NULL };
	const char *args[] = { k->flag, "--seeds", "2", NULL };
	struct re_world w;
	struct rr *r = rr_new();

	re_start(&w, k, faults);
	rr_run(r, args, w.sbx.env);
	re_assert_clean(&w, r, 3);
	ck_assert_msg(strstr(r->stderr_text, "provision") &&
		      strstr(r->stderr_text, needle), "%s", r->stderr_text);
	rr_free(r);
	re_stop(&w);
}

void re_create_stuck(const struct re_kind *k, const char *const *faults,
		     const char *needle, long saw_status)
{
	const char *args[] = { k->flag, "--seeds", "1", "--provision-timeout",
			       "1.5", NULL };
	struct re_world w;
	struct rr *r = rr_new();
	json_t *p;

	re_start(&w, k, faults);
	rr_run(r, args, w.sbx.env);
	re_assert_clean(&w, r, 3);
	ck_assert_msg(strstr(r->stderr_text, needle), "%s", r->stderr_text);
	p = rr_first_span(r, "provision");
	ck_assert(json_number_value(json_object_get(p, "ms")) >= 1500);
	ck_assert(json_number_value(json_object_get(p, "ms")) < 15000);
	ck_assert(!saw_status || rr_span_saw(p, saw_status));
	rr_free(r);
	re_stop(&w);
}

/* When span s ended, in ms from the job's start. */
static double span_end_ms(const json_t *s)
{
	return json_number_value(json_object_get(s, "start_ms")) +
		json_number_value(json_object_get(s, "ms"));
}

void re_health_waits_out_502(const struct re_kind *k)
{
	const char *faults[] = { "--fault-preview-502-ms", "2000", NULL };
	const char *args[] = { k->flag, "--seeds", "2", "--app", NULL,
			       "--start", "exec python3 app.py", NULL };
	struct re_world w;
	struct rr *r = rr_new();
	json_t *h, *p;

	re_start(&w, k, faults);
	args[4] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	re_assert_clean(&w, r, 0);
	h = rr_first_span(r, "health");
	p = rr_first_span(r, "provision");
	ck_assert_int_gt(json_integer_value(json_object_get(h, "attempts")),
			 3);
	/* the 502s last 2 s from the sandbox's start, which is after the
	   provision began (however slow the steps between); the wait ends
	   soon after them */
	ck_assert(span_end_ms(h) - json_number_value(json_object_get(p,
		  "start_ms")) >= 2000);
	ck_assert(json_number_value(json_object_get(h, "ms")) < 8000);
	rr_free(r);
	re_stop(&w);
}

void re_interrupt_during(const struct re_kind *k, const char *phase,
			 const char *const *faults, const char *delay,
			 bool twice)
{
	const char *args[] = { k->flag, "--seeds", "3", "-v", "--app", NULL,
			       "--start", NULL, NULL };
	char *start = rv_xasprintf("exec python3 app.py --rollout-delay %s",
				   delay);
	struct re_world w;

	re_start(&w, k, faults);
	args[5] = w.sbx.pyapp;
	args[7] = start;
	sbx_interrupt_during(&w.sbx, args, phase, twice);
	free(start);
	re_stop(&w);
}

void re_kill9_then_reap(const struct re_kind *k)
{
	const char *args[] = { k->flag, "--seeds", "4", "--sandboxes", "2",
			       "-v", "--app", NULL, "--start",
			       "exec python3 app.py --rollout-delay 5", NULL };
	struct re_world w;
	struct rr *r = rr_new();
	char *out, *empty;

	re_start(&w, k, NULL);
	args[7] = w.sbx.pyapp;
	rr_kill9_during(r, args, w.sbx.env, "rollouts");
	ck_assert_uint_eq(re_left(&w), 2);
	ck_assert_int_eq(re_journals(&w), 1);
	/* what a job killed before its first create left, by an older
	   runeval that made its journal at once: an empty file */
	empty = rv_xasprintf("%s/jobs/20260101T000000Z-dead00.jsonl", w.sbx.state);
	fclose(fopen(empty, "w"));

	/* each sandbox is in the journal and listed by label: once each */
	ck_assert_int_eq(re_reap(&w, "--dry-run", NULL, &out), 0);
	ck_assert_msg(strstr(out, "would delete"), "%s", out);
	ck_assert_msg(strstr(out, "reap: 2 found, 0 deleted"), "%s", out);
	free(out);
	ck_assert_uint_eq(re_left(&w), 2);
	ck_assert_int_eq(access(empty, F_OK), 0);	/* a dry run */

	ck_assert_int_eq(re_reap(&w, NULL, NULL, &out), 0);
	ck_assert_msg(strstr(out, "reap: 2 found, 2 deleted"), "%s", out);
	ck_assert_msg(strstr(out, "removed ") && strstr(out, "dead00.jsonl"),
		      "%s", out);
	free(out);
	ck_assert_int_eq(access(empty, F_OK), -1);
	free(empty);
	ck_assert_uint_eq(re_left(&w), 0);
	ck_assert_int_eq(re_journals(&w), 0);
	rr_free(r);
	re_stop(&w);
}

void re_lifecycle_command(const struct re_kind *k)
{
	const char *const args[] = { k->flag, NULL };
	const char *const plain[] = { k->flag, "--no-interactive", NULL };
	struct re_world w;
	char *text;

	re_start(&w, k, NULL);
	/* with the interpreter and the time to interactive (python3 is in
	   the offline servers' sandboxes), and without */
	text = rr_lifecycle(args, w.sbx.env);
	ck_assert_msg(strstr(text, "\"phase\":\"tti\",") &&
		      strstr(text, "\"phase\":\"interpreter\","), "%s", text);
	free(text);
	text = rr_lifecycle(plain, w.sbx.env);
	ck_assert_msg(!strstr(text, "\"phase\":\"tti\",") &&
		      !strstr(text, "\"phase\":\"interpreter\","), "%s", text);
	free(text);
	ck_assert_uint_eq(re_left(&w), 0);
	re_stop(&w);
}

void re_rejected_and_unreachable(const struct re_kind *k)
{
	const char *args[] = { k->flag, "--seeds", "1", NULL };
	char *bad_key = rv_xasprintf("%s=not-the-key", k->key_env), *url;
	struct re_world w;
	struct rr *r = rr_new();
	uint64_t t0;

	re_start(&w, k, NULL);
	w.sbx.env[1] = bad_key;
	rr_run(r, args, w.sbx.env);
	re_assert_clean(&w, r, 3);
	ck_assert_msg(strstr(r->stderr_text, "HTTP 401"), "%s",
		      r->stderr_text);
	rr_free(r);

	r = rr_new();
	url = rv_xasprintf("%s=http://127.0.0.1:%d%s", k->url_env,
			   tu_free_port(), k->api_path);
	w.sbx.env[0] = url;
	w.sbx.env[1] = w.env_key;
	t0 = rv_now_ns();
	rr_run(r, args, w.sbx.env);
	ck_assert_int_eq(r->status, 3);
	ck_assert_uint_lt(rv_now_ns() - t0, 10 * RV_NS_PER_SEC);
	ck_assert_msg(strstr(r->stderr_text, "cannot create sandbox"), "%s",
		      r->stderr_text);
	ck_assert_int_eq(re_journals(&w), 0);
	rr_free(r);
	free(url);
	free(bad_key);
	re_stop(&w);
}
