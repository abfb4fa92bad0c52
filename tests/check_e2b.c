/*
 * runeval --e2b end to end: build/runeval as a process against an
 * e2b-lite (real bubblewrap sandboxes, the envd daemon in each) started
 * by each test, with faults injected by e2b-lite itself.  The checks
 * every remote provider passes are remote_e2e's; E2B's own follow, and
 * the client's envelope parser on hostile streams.  Every test ends by
 * listing the sandboxes through the API: none may be left.
 */
#include "testutil.h"
#include "remote_e2e.h"

#include "e2b_api.h"
#include "e2b_envd.h"
#include "rv_alloc.h"
#include "rv_http.h"
#include "rv_json.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY "rv-e2b-test-environment-key-0123456789"

static const char *span_sandbox(const struct rr *r, const char *phase)
{
	return json_string_value(json_object_get(rr_first_span(r, phase), "sandbox"));
}

START_TEST(test_e2b_bundled_five_seeds)
{
	re_bundled_five_seeds(&re_e2b);
}
END_TEST

START_TEST(test_e2b_forty_seeds_four_sandboxes)
{
	re_forty_seeds_four_sandboxes(&re_e2b);
}
END_TEST

START_TEST(test_e2b_unreachable_inference_is_a_pipeline_failure)
{
	re_unreachable_inference(&re_e2b);
}
END_TEST

START_TEST(test_e2b_without_credentials)
{
	re_without_credentials(&re_e2b);
}
END_TEST

/* Options E2B has no use for: exit 2 before anything starts. */
START_TEST(test_e2b_option_errors)
{
	static const char *const bad[][3] = {
		{ "--image", "debian:12", "--snapshot" },
		{ "--target", "eu", "E2B_API_URL" },
	};
	const char *env[] = { "E2B_API_KEY=" TL_KEY,
			      "E2B_API_URL=http://127.0.0.1:9", NULL };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *args[] = { "--e2b", "--seeds", "1", bad[i][0],
				       bad[i][1], NULL };
		struct rr *r = rr_new();

		rr_run(r, args, env);
		ck_assert_msg(r->status == 2, "%s: exit %d: %s", bad[i][0],
			      r->status, r->stderr_text);
		ck_assert_msg(strstr(r->stderr_text, bad[i][0]) &&
			      strstr(r->stderr_text, bad[i][2]), "%s",
			      r->stderr_text);
		ck_assert_ptr_null(r->result);
		rr_free(r);
	}
}
END_TEST

START_TEST(test_e2b_survives_429_and_5xx)
{
	re_survives_429_and_5xx(&re_e2b);
}
END_TEST

START_TEST(test_e2b_failed_create)
{
	re_create_fails(&re_e2b, "fault-error-rate");
}
END_TEST

/* The create hangs; the client gives up and kills what it made. */
START_TEST(test_e2b_stuck_create)
{
	const char *faults[] = { "--fault-stuck-rate", "1", NULL };

	re_create_stuck(&re_e2b, faults, "timed out", 0);
}
END_TEST

START_TEST(test_e2b_health_waits_out_port_502)
{
	re_health_waits_out_502(&re_e2b);
}
END_TEST

START_TEST(test_e2b_sigint_during_provision)
{
	const char *slow[] = { "--fault-latency-ms", "500", NULL };

	re_interrupt_during(&re_e2b, "provision", slow, "0", true);
}
END_TEST

START_TEST(test_e2b_sigint_during_upload)
{
	const char *slow[] = { "--fault-latency-ms", "500", NULL };

	re_interrupt_during(&re_e2b, "upload", slow, "0", false);
}
END_TEST

START_TEST(test_e2b_sigint_during_rollouts)
{
	re_interrupt_during(&re_e2b, "rollouts", NULL, "3", false);
}
END_TEST

START_TEST(test_e2b_kill9_then_reap)
{
	re_kill9_then_reap(&re_e2b);
}
END_TEST

/* POST an RPC to envd of sandbox id (unary JSON); the answer's body. */
static char *envd_call(struct re_world *w, const struct e2b_sandbox_info *s,
		       const char *method, const char *body)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	char *tok = rv_xasprintf("X-Access-Token: %s", s->envd_token);
	char *sid = rv_xasprintf("E2b-Sandbox-Id: %s", s->id);
	const char *hdrs[] = { tok, sid, "E2b-Sandbox-Port: 49983",
			       "Content-Type: application/json", NULL };
	char *path = rv_xasprintf("/%s", method);
	char *out;

	ck_assert_int_eq(tl_req(&w->lite, "POST", path, hdrs, body, &resp),
			 200);
	out = rv_xstrdup(resp.body.data);
	rv_http_response_release(&resp);
	free(path);
	free(sid);
	free(tok);
	return out;
}

/*
 * --keep: the sandbox stays and its app runs with ENVIRONMENT_API_KEY,
 * which no record of E2B's shows (not the process list envd keeps, not
 * the sandbox's details) and which left no file behind; the sandbox's
 * tokens are in nothing runeval wrote.  reap --job deletes it.
 */
START_TEST(test_e2b_keep_hides_the_key_and_tokens)
{
	const char *args[] = { "--e2b", "--seeds", "1", "--keep", "--app", NULL,
			       "--start", "exec python3 app.py", NULL };
	const char *env[17];
	struct e2b_sandbox_info s = { 0 };
	struct e2b_client *c;
	struct re_world w;
	size_t n = 0;
	struct rr *r = rr_new();
	char *procs, *tmp, *detail, *log, *res, *out, *jobarg;
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	const char *id;

	re_start(&w, &re_e2b, NULL);
	args[5] = w.sbx.pyapp;
	while (w.sbx.env[n] && n < 15) {
		env[n] = w.sbx.env[n];
		n++;
	}
	env[n++] = "ENVIRONMENT_API_KEY=" KEY;
	env[n] = NULL;
	rr_run(r, args, env);
	ck_assert_msg(r->status == 0, "%s", r->stderr_text);
	ck_assert(fabs(rr_summary_num(r, "mean_reward") - 1.0) < 1e-9);
	ck_assert_uint_eq(re_left(&w), 1);
	id = span_sandbox(r, "health");
	c = re_e2b_client(&w);
	ck_assert_int_eq(e2b_get(c, id, NULL, &s, NULL), RV_OK);
	e2b_client_free(c);
	ck_assert_ptr_nonnull(s.envd_token);

	/* the app runs: its process, its arguments, no key anywhere */
	procs = envd_call(&w, &s, "process.Process/List", "{}");
	ck_assert_msg(strstr(procs, "app.py"), "%s", procs);
	ck_assert_msg(!strstr(procs, KEY), "the key in List: %s", procs);
	tmp = envd_call(&w, &s, "filesystem.Filesystem/ListDir",
			"{\"path\":\"/tmp\"}");
	ck_assert_msg(!strstr(tmp, ".runeval-env"), "left: %s", tmp);
	{
		const char *h[] = { "X-API-Key: " TL_KEY, NULL };
		char *p = rv_xasprintf("/sandboxes/%s", id);

		ck_assert_int_eq(tl_req(&w.lite, "GET", p, h, NULL, &resp),
				 200);
		detail = rv_xstrdup(resp.body.data);
		free(p);
	}
	ck_assert_msg(!strstr(detail, KEY), "%s", detail);

	/* runeval wrote none of the sandbox's tokens */
	log = rv_xasprintf("%s/sandbox-%s/taskapp.log", r->out, id);
	res = rv_xasprintf("%s/result.json", r->out);
	{
		const char *const files[] = { log, res, r->stdout_path,
					      r->stderr_path };

		for (size_t i = 0; i < 4; i++) {
			char *text = tu_read_file(files[i], NULL);

			ck_assert_msg(text, "no %s", files[i]);
			ck_assert_msg(!strstr(text, s.envd_token), "%s",
				      files[i]);
			ck_assert_msg(!s.traffic_token ||
				      !strstr(text, s.traffic_token), "%s",
				      files[i]);
			ck_assert_msg(!strstr(text, KEY), "%s", files[i]);
			free(text);
		}
	}

	/* a plain reap leaves a kept sandbox alone; --job names it */
	ck_assert_int_eq(re_reap(&w, NULL, NULL, &out), 0);
	free(out);
	ck_assert_uint_eq(re_left(&w), 1);
	jobarg = rv_xasprintf("--job=%s", rv_json_str(json_object_get(
		r->result, "job"), "id"));
	ck_assert_int_eq(re_reap(&w, jobarg, NULL, &out), 0);
	ck_assert_msg(strstr(out, "1 deleted"), "%s", out);
	free(out);
	ck_assert_uint_eq(re_left(&w), 0);
	rv_http_response_release(&resp);
	e2b_sandbox_info_release(&s);
	free(jobarg);
	free(procs);
	free(tmp);
	free(detail);
	free(log);
	free(res);
	rr_free(r);
	re_stop(&w);
}
END_TEST

START_TEST(test_e2b_lifecycle_command)
{
	re_lifecycle_command(&re_e2b);
}
END_TEST

START_TEST(test_e2b_rejected_and_unreachable)
{
	re_rejected_and_unreachable(&re_e2b);
}
END_TEST

/*
 * E2B ends a sandbox at its timeout, whatever it is doing: a job that
 * outlasts the lifetime runeval asks for still runs to its end, since
 * runeval extends it while it holds the sandbox.  e2b-lite runs a minute
 * in 150 ms here, so the lifetime (--timeout 600 s + 30 min: 40 min)
 * lasts 6 s; the four rollouts, one at a time, take 12.
 */
START_TEST(test_e2b_long_job_outlives_the_timeout)
{
	const char *fast[] = { "--interval-unit-ms", "150", NULL };
	const char *args[] = { "--e2b", "--seeds", "4", "--concurrency", "1",
			       "--app", NULL, "--start",
			       "exec python3 app.py --rollout-delay 3", NULL };
	struct re_world w;
	struct rr *r = rr_new();

	re_start(&w, &re_e2b, fast);
	args[6] = w.sbx.pyapp;
	rr_run(r, args, w.sbx.env);
	re_assert_clean(&w, r, 0);
	ck_assert_int_eq((int)rr_summary_num(r, "completed"), 4);
	ck_assert(json_number_value(json_object_get(json_object_get(
		r->result, "job"), "duration_ms")) > 9000);
	rr_free(r);
	re_stop(&w);
}
END_TEST

/* --- the client's envelope parser, on hostile streams ------------------ */

static void frame(struct rv_buf *b, unsigned char flags, const char *json)
{
	size_t n = strlen(json);
	unsigned char h[5] = { flags, (unsigned char)(n >> 24),
			       (unsigned char)(n >> 16),
			       (unsigned char)(n >> 8), (unsigned char)n };

	rv_buf_add(b, h, 5);
	rv_buf_add(b, json, n);
}

static void collect(const char *data, size_t len, void *arg)
{
	rv_buf_add(arg, data, len);
}

/* Feed b in pieces of step bytes. */
static void feed(const struct rv_buf *b, size_t step,
		 struct e2b_proc_events *ev)
{
	struct e2b_frames f = { RV_BUF_INIT, false };

	for (size_t off = 0; off < b->len; off += step)
		e2b_frames_feed(&f, b->data + off, b->len - off < step ?
				b->len - off : step, ev);
	e2b_frames_release(&f);
}

/*
 * A stream cut anywhere reads the same; nothing after the end counts (a
 * later "start" does not change the pid, later output is not output); a
 * pid that is not positive is no pid; a length beyond reason ends the
 * stream as malformed; errors and signals map to runeval's.
 */
START_TEST(test_e2b_frames_hostile)
{
	static const size_t steps[] = { 1, 2, 5, 7, 4096 };
	struct rv_buf b = RV_BUF_INIT, out = RV_BUF_INIT;
	struct e2b_proc_events ev;
	struct rv_err err = RV_ERR_INIT;

	frame(&b, 0, "{\"event\":{\"start\":{\"pid\":42}}}");
	frame(&b, 0, "{\"event\":{\"data\":{\"stdout\":\"aGk=\"}}}");
	frame(&b, 0, "{\"event\":{\"keepalive\":{}}}");
	frame(&b, 0, "{\"event\":{\"data\":{\"stderr\":\"ZXJy\"}}}");
	frame(&b, 0, "{\"event\":{\"end\":{\"exitCode\":3,"
	      "\"exited\":true,\"status\":\"exit status 3\"}}}");
	frame(&b, 0x02, "{}");
	frame(&b, 0, "{\"event\":{\"start\":{\"pid\":7}}}");
	frame(&b, 0, "{\"event\":{\"data\":{\"stdout\":\"bGF0ZQ==\"}}}");
	frame(&b, 0x02, "{\"error\":{\"code\":\"internal\"}}");
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		memset(&ev, 0, sizeof(ev));
		rv_buf_reset(&out);
		ev.output = collect;
		ev.arg = &out;
		feed(&b, steps[i], &ev);
		ck_assert_int_eq(ev.pid, 42);
		ck_assert_uint_eq(out.len, 5);
		ck_assert(!memcmp(out.data, "hierr", 5));
		ck_assert(ev.ended && ev.closed);
		ck_assert_int_eq(ev.exit_code, 3);
		ck_assert_str_eq(ev.error_code, "");
	}

	/* no positive pid; killed by a signal, and a second (forged) end
	   event does not make it a clean exit (found by
	   fuzz_stream_frames) */
	rv_buf_reset(&b);
	frame(&b, 0, "{\"event\":{\"start\":{\"pid\":-5}}}");
	frame(&b, 0, "{\"event\":{\"start\":{\"pid\":4294967297}}}");
	frame(&b, 0, "{\"event\":{\"end\":{\"exited\":false,"
	      "\"status\":\"signal: killed\"}}}");
	frame(&b, 0, "{\"event\":{\"end\":{\"exited\":true,"
	      "\"exitCode\":0,\"status\":\"exit status 0\"}}}");
	memset(&ev, 0, sizeof(ev));
	feed(&b, 3, &ev);
	ck_assert_int_eq(ev.pid, 0);
	ck_assert_int_eq(ev.term_signal, SIGKILL);
	ck_assert_int_eq(ev.exit_code, 128 + SIGKILL);
	ck_assert(!ev.closed);
	ck_assert_int_eq(e2b_proc_error(&ev, "run", &err), RV_ERR_PROTO);

	/* a 4 GiB envelope, then JSON that is not: malformed, over */
	rv_buf_reset(&b);
	rv_buf_add(&b, "\x00\xff\xff\xff\xff{}", 7);
	memset(&ev, 0, sizeof(ev));
	feed(&b, 1, &ev);
	ck_assert(ev.closed);
	ck_assert_str_eq(ev.error_code, "internal");
	rv_buf_reset(&b);
	rv_buf_add(&b, "\x00\x00\x00\x00\x03{x}", 8);
	memset(&ev, 0, sizeof(ev));
	feed(&b, 4096, &ev);
	ck_assert(ev.closed);
	ck_assert_int_eq(e2b_proc_error(&ev, "run", &err), RV_ERR_PROVIDER);
	ck_assert_msg(strstr(err.msg, "malformed"), "%s", err.msg);

	/* the end with a deadline: a timeout */
	rv_buf_reset(&b);
	frame(&b, 0x02, "{\"error\":{\"code\":\"deadline_exceeded\","
	      "\"message\":\"too slow\"}}");
	memset(&ev, 0, sizeof(ev));
	feed(&b, 2, &ev);
	ck_assert_int_eq(e2b_proc_error(&ev, "run", &err), RV_ERR_TIMEOUT);
	ck_assert_msg(strstr(err.msg, "too slow"), "%s", err.msg);
	rv_buf_release(&b);
	rv_buf_release(&out);
}
END_TEST

static Suite *e2b_suite(void)
{
	Suite *s = suite_create("e2b");
	TCase *tc = tcase_create("core");
	TCase *te = tcase_create("errors");
	TCase *tl = tcase_create("limits");
	TCase *tf = tcase_create("frames");

	tcase_set_timeout(tc, 120);
	tcase_set_timeout(te, 120);
	tcase_set_timeout(tl, 120);
	tcase_add_test(tc, test_e2b_bundled_five_seeds);
	tcase_add_test(tc, test_e2b_forty_seeds_four_sandboxes);
	tcase_add_test(tc, test_e2b_unreachable_inference_is_a_pipeline_failure);
	tcase_add_test(tc, test_e2b_keep_hides_the_key_and_tokens);
	tcase_add_test(tc, test_e2b_lifecycle_command);
	tcase_add_test(tc, test_e2b_long_job_outlives_the_timeout);
	tcase_add_test(te, test_e2b_without_credentials);
	tcase_add_test(te, test_e2b_option_errors);
	tcase_add_test(te, test_e2b_rejected_and_unreachable);
	tcase_add_test(te, test_e2b_survives_429_and_5xx);
	tcase_add_test(te, test_e2b_failed_create);
	tcase_add_test(te, test_e2b_stuck_create);
	tcase_add_test(te, test_e2b_health_waits_out_port_502);
	tcase_add_test(tl, test_e2b_sigint_during_provision);
	tcase_add_test(tl, test_e2b_sigint_during_upload);
	tcase_add_test(tl, test_e2b_sigint_during_rollouts);
	tcase_add_test(tl, test_e2b_kill9_then_reap);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, te);
	suite_add_tcase(s, tl);
	tcase_add_test(tf, test_e2b_frames_hostile);
	suite_add_tcase(s, tf);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(e2b_suite()) ? 1 : 0;
}
