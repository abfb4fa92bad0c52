/*
 * runeval --daytona and what reaches the sandboxed task app: passed
 * variables and settings (never in the provider's records: not the
 * create-time env, not a command's text), and, through a network
 * allow-list, a model endpoint on this host: the llm policy end to end
 * against daytona-lite (--network-host-only) and the OpenAI-compatible
 * test stub, which checks the Bearer key it gets.
 */
#include "testutil.h"
#include "daytona_world.h"
#include "lite_util.h"
#include "llm_stub.h"

#include "lite_net.h"
#include "minibench.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_http.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OPENAI "sk-proj-daytona-e2e-58c1a9f0d3b7264e"
#define APPKEY "envkey-daytona-b19e77c2a0d4f6385e1c"

/* w.sbx.env, then more (NULL-ended), in env (room for 12). */
static void world_env(const struct world *w, const char **env,
		      const char *const *more)
{
	size_t n = 0;

	for (size_t i = 0; w->sbx.env[i]; i++)
		env[n++] = w->sbx.env[i];
	for (size_t i = 0; more && more[i] && n < 11; i++)
		env[n++] = more[i];
	env[n] = NULL;
}

/* GET path on the daytona-lite of w (API key), the body (malloc'ed). */
static char *lite_get(struct world *w, const char *path)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	const char *h[] = { "Authorization: Bearer " TL_KEY, NULL };
	char *body;

	ck_assert_int_eq(tl_req(&w->lite.tl, "GET", path, h, NULL, &resp),
			 200);
	body = rv_xstrdup(resp.body.data);
	rv_http_response_release(&resp);
	return body;
}

/* The provider's records of the kept sandbox id hold no secret. */
static void assert_records_clean(struct world *w, const char *id)
{
	const char *const secrets[] = { OPENAI, APPKEY, NULL };
	char *path = rv_xasprintf("/api/sandbox/%s", id);
	char *dto = lite_get(w, path), *sessions, *ls, *rec;
	json_t *o = json_loads(dto, 0, NULL);

	free(path);
	/* nothing in the create-time env, which every get returns */
	ck_assert_uint_eq(json_object_size(json_object_get(o, "env")), 0);
	ck_assert(json_is_true(json_object_get(o, "networkBlockAll")));
	json_decref(o);
	/* nor in the start command's text, which the toolbox echoes */
	path = rv_xasprintf("/toolbox/%s/process/session", id);
	sessions = lite_get(w, path);
	ck_assert_msg(strstr(sessions, ".runeval-env"), "%s", sessions);
	/* nor on the sandbox's disk once the app has read it */
	ls = tl_exec(&w->lite.tl, id, "ls -a /tmp/runeval-app /tmp", NULL);
	ck_assert_msg(!strstr(ls, ".runeval-env"), "%s", ls);
	free(path);
	path = rv_xasprintf("%s/sandboxes/%s.json", w->lite.tl.state_dir, id);
	rec = tu_read_file(path, NULL);
	ck_assert_ptr_nonnull(rec);
	for (size_t i = 0; secrets[i]; i++) {
		ck_assert_msg(!strstr(dto, secrets[i]), "in the sandbox DTO");
		ck_assert_msg(!strstr(sessions, secrets[i]), "in a command");
		ck_assert_msg(!strstr(rec, secrets[i]), "in the record");
	}
	free(rec);
	free(path);
	free(ls);
	free(sessions);
	free(dto);
}

START_TEST(test_daytona_env_reaches_the_app_privately)
{
	const char *args[] = { "--daytona", "--seeds", "2", "--app", NULL,
			       "--start", "exec python3 app.py --host 0.0.0.0 "
			       "--leak", "--pass-env", "OPENAI_API_KEY", "--env",
			       "MODE=fast", "--keep", "--network-block-all",
			       /* setup gets the environment, and the file is
				  gone before it runs (a snapshot after install
				  never holds it) */
			       "--setup", "test -n \"$OPENAI_API_KEY\" && "
			       "test -n \"$ENVIRONMENT_API_KEY\" && "
			       "test ! -e .runeval-env", NULL };
	const char *more[] = { "OPENAI_API_KEY=" OPENAI,
			       "ENVIRONMENT_API_KEY=" APPKEY, NULL };
	const char *env[12];
	struct world w;
	struct rr *r = rr_new();
	json_t *seen;
	const char *id, *job;
	char *out, *jobarg;

	world_start(&w, NULL);
	args[4] = w.sbx.pyapp;
	world_env(&w, env, more);
	ck_assert_msg(rr_run(r, args, env) == 0, "%s", r->stderr_text);
	/* the key is the user's: nothing to say of it */
	ck_assert_msg(strstr(r->stderr_text, "kept") &&
		      !strstr(r->stderr_text, "not shown"), "%s",
		      r->stderr_text);
	seen = json_object_get(json_object_get(rr_rollout(r, 1), "details"),
			       "environ");
	ck_assert_str_eq(json_string_value(json_object_get(seen,
			 "OPENAI_API_KEY")), "[REDACTED]");
	ck_assert_str_eq(json_string_value(json_object_get(seen,
			 "ENVIRONMENT_API_KEY")), "[REDACTED]");
	ck_assert_str_eq(json_string_value(json_object_get(seen, "MODE")),
			 "fast");
	ck_assert_ptr_nonnull(json_object_get(seen, "PORT"));
	ck_assert_ptr_null(json_object_get(seen, "DAYTONA_API_KEY"));
	ck_assert_ptr_null(json_object_get(seen, "DAYTONA_API_URL"));
	id = json_string_value(json_object_get(rr_first_span(r, "health"),
					       "sandbox"));
	assert_records_clean(&w, id);
	rr_assert_nowhere(r, NULL, OPENAI);
	rr_assert_nowhere(r, NULL, APPKEY);
	rr_assert_nowhere(r, w.sbx.state, OPENAI);	/* the journal */
	rr_assert_nowhere(r, w.sbx.state, APPKEY);
	job = json_string_value(json_object_get(json_object_get(r->result,
							       "job"), "id"));
	jobarg = rv_xasprintf("--job=%s", job);
	ck_assert_int_eq(sbx_world_reap(&w.sbx, jobarg, NULL, &out), 0);
	ck_assert_uint_eq(world_left(&w), 0);
	free(out);
	free(jobarg);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* Seed 3's task gets a wrong answer, every other task its reference. */
struct canned {
	char *answers[64];
	const struct minibench_task *wrong;
};

static const char *canned_reply(const json_t *body, void *arg)
{
	struct canned *c = arg;
	const json_t *msgs = json_object_get(body, "messages");
	const char *text = json_string_value(json_object_get(json_array_get(
		msgs, json_array_size(msgs) - 1), "content"));
	size_t best = 0, best_len = 0;

	for (size_t i = 0; text && i < minibench_count() && i < 64; i++) {
		const char *sig = minibench_task(i)->signature;

		if (strstr(text, sig) && strlen(sig) > best_len) {
			best = i;
			best_len = strlen(sig);
		}
	}
	return best_len ? c->answers[best] : "I do not know.";
}

static void canned_init(struct canned *c, long wrong_seed)
{
	c->wrong = minibench_for_seed(wrong_seed);
	for (size_t i = 0; i < minibench_count() && i < 64; i++) {
		const struct minibench_task *t = minibench_task(i);

		c->answers[i] = rv_xasprintf("Here it is:\n```c\n%s\n```\n",
			t == c->wrong ? minibench_noop_source(t) :
			t->reference);
	}
}

static void canned_release(struct canned *c)
{
	for (size_t i = 0; i < 64; i++)
		free(c->answers[i]);
}

/*
 * runeval --daytona --policy llm against stub (started here) on this
 * host, seen from the sandbox at 10.0.2.2; extra arguments after the
 * fixed ones (NULL-ended), OPENAI_API_KEY passed; the stub is stopped
 * when it returns.
 */
static void llm_job(struct world *w, struct llm_stub *stub, long seeds,
		    const char *const *extra, struct rr *r)
{
	char n[16], *url;
	const char *args[24] = { "--daytona", "--seeds", n, "--policy", "llm",
				 "--inference-url", NULL, "--model", "m",
				 "--pass-env", "OPENAI_API_KEY" };
	const char *more[] = { "OPENAI_API_KEY=" OPENAI, NULL };
	const char *env[12];
	size_t k = 11;

	snprintf(n, sizeof(n), "%ld", seeds);
	world_start(w, (const char *const[]){ "--network-host-only", NULL });
	url = rv_xasprintf("http://%s:%d/v1", LITE_NET_HOST,
			   llm_stub_start(stub));
	args[6] = url;
	for (; extra && *extra && k < 23; extra++)
		args[k++] = *extra;
	args[k] = NULL;
	world_env(w, env, more);
	rr_run(r, args, env);
	llm_stub_stop(stub);
	free(url);
}

/* The headline of issue 13: a model-backed eval in a sandbox, offline. */
START_TEST(test_daytona_llm_through_an_allowed_address)
{
	const char *extra[] = { "--network-allow", LITE_NET_HOST "/32", NULL };
	struct llm_stub stub = { 0 };
	struct canned c = { 0 };
	struct world w;
	struct rr *r = rr_new();

	canned_init(&c, 3);
	stub.reply_for = canned_reply;
	stub.reply_arg = &c;
	stub.expect_auth = "Bearer " OPENAI;
	llm_job(&w, &stub, 5, extra, r);
	ck_assert_msg(r->status == 0, "exit %d: %s", r->status,
		      r->stderr_text);
	/* one request per seed, each with the passed key and the model */
	ck_assert_int_eq(stub.nrequests, 5);
	for (int i = 0; i < stub.nrequests; i++) {
		ck_assert_str_eq(stub.auths[i], "Bearer " OPENAI);
		ck_assert_str_eq(stub.paths[i], "/v1/chat/completions");
		ck_assert_str_eq(json_string_value(json_object_get(
			stub.bodies[i], "model")), "m");
	}
	/* rewards from the canned answers */
	for (long seed = 0; seed < 5; seed++) {
		json_t *ro = rr_rollout(r, seed);

		ck_assert(json_is_true(json_object_get(ro, "ok")));
		ck_assert_msg(fabs(json_number_value(json_object_get(ro,
			"reward")) - (seed == 3 ? 0.0 : 1.0)) < 1e-9,
			"seed %ld", seed);
	}
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(
		json_object_get(json_object_get(r->result, "config"),
				"network"), "allow"), 0)), LITE_NET_HOST "/32");
	rr_assert_nowhere(r, NULL, OPENAI);
	rr_assert_nowhere(r, NULL, "sk-proj-dayt");
	rr_assert_nowhere(r, w.sbx.state, OPENAI);
	ck_assert_uint_eq(world_left(&w), 0);
	ck_assert_int_eq(sbx_world_journals(&w.sbx), 0);
	llm_stub_release(&stub);
	canned_release(&c);
	rr_free(r);
	world_stop(&w);
}
END_TEST

/* Without the allow-list the same endpoint is out of reach. */
START_TEST(test_daytona_llm_without_allow_list_cannot_reach)
{
	struct llm_stub stub = { 0 };
	struct world w;
	struct rr *r = rr_new();
	const char *detail;

	stub.nreplies = 1;
	stub.replies[0] = "no";
	llm_job(&w, &stub, 1, NULL, r);
	ck_assert_int_eq(stub.nrequests, 0);
	/* the rollout ran and says why it scored nothing */
	detail = json_string_value(json_object_get(rr_rollout(r, 0),
						   "status_detail"));
	ck_assert_msg(detail && (strstr(detail, "unreachable") ||
				 strstr(detail, "connect")), "%s",
		      detail ? detail : r->stderr_text);
	ck_assert_uint_eq(world_left(&w), 0);
	llm_stub_release(&stub);
	rr_free(r);
	world_stop(&w);
}
END_TEST

static Suite *daytona_env_suite(void)
{
	Suite *s = suite_create("daytona_env");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, test_daytona_env_reaches_the_app_privately);
	tcase_add_test(tc, test_daytona_llm_through_an_allowed_address);
	tcase_add_test(tc, test_daytona_llm_without_allow_list_cannot_reach);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(daytona_env_suite()) ? 1 : 0;
}
