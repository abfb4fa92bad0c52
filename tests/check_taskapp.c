/*
 * The task app over real HTTP: every route, every auth case, request
 * validation, the listening line and a clean stop.  (Rewards, hostile
 * candidates, the llm policy and the bundle have their own suites.)
 */
#include "testutil.h"

#include "minibench.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_json.h"
#include "taskapp_harness.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static struct th_app app;

static void app_up(void)
{
	th_start(&app, NULL, NULL);
}

static void app_down(void)
{
	th_stop(&app);
}

/* Status of GET path with headers. */
static long get_status(const char *path, const char *const *headers,
		       struct th_resp *out)
{
	struct th_resp r;
	long st;

	th_http(&app, NULL, path, headers, NULL, &r);
	st = r.status;
	if (out)
		*out = r;
	else
		th_resp_release(&r);
	return st;
}

START_TEST(test_taskapp_root_needs_no_key)
{
	struct th_resp r;

	ck_assert_int_eq(get_status("/", NULL, &r), 200);
	ck_assert_str_eq(rv_json_str(r.json, "status"), "ok");
	ck_assert_str_eq(rv_json_str(r.json, "service"), "minibench");
	th_resp_release(&r);
	th_http(&app, "HEAD", "/", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "");
	th_resp_release(&r);
}
END_TEST

START_TEST(test_taskapp_auth_headers)
{
	const char *xkey[] = { "X-API-Key: " TH_KEY, NULL };
	const char *xkeys[] = { "X-API-Keys: wrong-one, " TH_KEY, NULL };
	const char *bearer[] = { "Authorization: Bearer " TH_KEY, NULL };
	const char *lower[] = { "x-api-key: " TH_KEY, NULL };
	const char *bad[] = { "X-API-Key: not-the-key", NULL };
	const char *badbearer[] = { "Authorization: Bearer nope", NULL };
	struct th_resp r;

	ck_assert_int_eq(get_status("/health", xkey, NULL), 200);
	ck_assert_int_eq(get_status("/health", xkeys, NULL), 200);
	ck_assert_int_eq(get_status("/health", bearer, NULL), 200);
	ck_assert_int_eq(get_status("/health", lower, NULL), 200);
	ck_assert_int_eq(get_status("/info", badbearer, NULL), 400);
	ck_assert_int_eq(get_status("/health", bad, &r), 400);
	ck_assert_str_eq(rv_json_str(r.json, "detail.error.code"), "unauthorised");
	ck_assert_str_eq(rv_json_str(r.json, "detail.error.message"),
			 "API key missing or invalid");
	ck_assert(rv_json_bool(r.json, "detail.error.have_x_api_key", false));
	ck_assert(!rv_json_bool(r.json, "detail.error.have_authorization", true));
	ck_assert_ptr_null(strstr(r.body, "not-the-key"));
	th_resp_release(&r);
	/* no key at all, on every guarded route */
	ck_assert_int_eq(get_status("/health", NULL, NULL), 400);
	ck_assert_int_eq(get_status("/info", NULL, NULL), 400);
	ck_assert_int_eq(get_status("/task_info", NULL, NULL), 400);
	th_http(&app, "POST", "/rollout", NULL, "{}", &r);
	ck_assert_int_eq(r.status, 400);
	th_resp_release(&r);
	th_http(&app, "POST", "/done", NULL, "{}", &r);
	ck_assert_int_eq(r.status, 400);
	th_resp_release(&r);
}
END_TEST

START_TEST(test_taskapp_auth_aliases_and_unconfigured)
{
	char *env[] = { "ENVIRONMENT_API_KEY_ALIASES=alias-key-one, alias-key-two",
			NULL };
	char *noenv[] = { "ENVIRONMENT_API_KEY=", "ENVIRONMENT_API_KEY_ALIASES=",
			  NULL };
	const char *alias[] = { "X-API-Key: alias-key-two", NULL };
	const char *xkey[] = { "X-API-Key: " TH_KEY, NULL };
	struct th_resp r;

	th_stop(&app);
	th_start(&app, env, NULL);
	ck_assert_int_eq(get_status("/health", alias, NULL), 200);
	ck_assert_int_eq(get_status("/health", xkey, NULL), 200);
	th_stop(&app);
	th_start(&app, noenv, NULL);
	ck_assert_int_eq(get_status("/", NULL, NULL), 200);
	ck_assert_int_eq(get_status("/health", xkey, &r), 503);
	ck_assert_str_eq(rv_json_str(r.json, "detail.error.code"),
			 "missing_environment_api_key");
	ck_assert_str_eq(rv_json_str(r.json, "detail.error.message"),
			 "ENVIRONMENT_API_KEY is not configured");
	th_resp_release(&r);
}
END_TEST

START_TEST(test_taskapp_unknown_route_and_method)
{
	const char *xkey[] = { "X-API-Key: " TH_KEY, NULL };
	struct th_resp r;

	ck_assert_int_eq(get_status("/nope", xkey, &r), 404);
	ck_assert_str_eq(rv_json_str(r.json, "detail"), "Not Found");
	th_resp_release(&r);
	ck_assert_int_eq(get_status("/rollout", xkey, &r), 405);
	ck_assert_str_eq(r.allow, "POST");
	th_resp_release(&r);
	th_http(&app, "POST", "/health", xkey, "{}", &r);
	ck_assert_int_eq(r.status, 405);
	ck_assert_str_eq(r.allow, "GET, HEAD");
	th_resp_release(&r);
	th_http(&app, "DELETE", "/", NULL, NULL, &r);
	ck_assert_int_eq(r.status, 405);
	th_resp_release(&r);
	th_http(&app, "HEAD", "/health", xkey, NULL, &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(r.body, "");
	th_resp_release(&r);
}
END_TEST

START_TEST(test_taskapp_health_and_info)
{
	struct th_resp r;
	double size = 0;
	char *mode;

	th_get(&app, "/health", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(rv_json_bool(r.json, "healthy", false));
	ck_assert(rv_json_bool(r.json, "auth.required", false));
	ck_assert_str_eq(rv_json_str(r.json, "auth.expected_prefix"), "th-env...");
	ck_assert(rv_json_bool(r.json, "compiler.found", false));
	ck_assert_ptr_nonnull(rv_json_str(r.json, "compiler.version"));
	mode = rv_xstrdup(rv_json_str(r.json, "sandbox.mode"));
	ck_assert_msg(!strcmp(mode, "namespaces") || !strcmp(mode, "rlimits"),
		      "sandbox '%s'", mode);
	/* how strong it is, said plainly */
	ck_assert_str_eq(rv_json_str(r.json, "sandbox.isolation"),
			 !strcmp(mode, "namespaces") ? "strong" : "weak");
	ck_assert_ptr_nonnull(rv_json_str(r.json, "sandbox.network"));
	ck_assert_ptr_nonnull(rv_json_str(r.json, "sandbox.filesystem"));
	ck_assert_int_eq(rv_json_int(r.json, "rollouts.workers", 0), 8);
	ck_assert_ptr_null(strstr(r.body, TH_KEY));
	th_resp_release(&r);
	th_get(&app, "/info", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(rv_json_str(r.json, "service.task.id"), "minibench");
	ck_assert(rv_json_num(r.json, "dataset.size", &size));
	ck_assert_int_eq((int)size, (int)minibench_count());
	ck_assert(rv_json_bool(r.json, "compiler.found", false));
	ck_assert_str_eq(rv_json_str(r.json, "sandbox.mode"), mode);
	ck_assert_str_eq(rv_json_str(r.json, "sandbox.isolation"),
			 !strcmp(mode, "namespaces") ? "strong" : "weak");
	free(mode);
	ck_assert_int_eq(json_array_size(rv_json_path(r.json, "policies")), 4);
	ck_assert(json_is_null(rv_json_path(r.json, "rubrics")));
	th_resp_release(&r);
}
END_TEST

START_TEST(test_taskapp_missing_compiler_is_reported)
{
	char *env[] = { "CC=/nonexistent/cc", NULL };
	struct th_resp r;
	json_t *v;
	char *body;

	th_stop(&app);
	th_start(&app, env, NULL);
	th_get(&app, "/health", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(!rv_json_bool(r.json, "healthy", true));
	ck_assert(!rv_json_bool(r.json, "compiler.found", true));
	ck_assert_ptr_nonnull(strstr(rv_json_str(r.json, "problem"),
				     "no C compiler found"));
	th_resp_release(&r);
	th_get(&app, "/info", &r);
	ck_assert_ptr_nonnull(strstr(rv_json_str(r.json, "compiler.problem"),
				     "/nonexistent/cc"));
	th_resp_release(&r);
	body = th_rollout_body(1, "reference", NULL);
	v = th_rollout(&app, body);
	ck_assert(th_reward(v) == 0);
	ck_assert_str_eq(rv_json_str(v, "success_status"), "runtime_error");
	ck_assert_ptr_nonnull(strstr(rv_json_str(v, "status_detail"),
				     "no C compiler found"));
	json_decref(v);
	free(body);
}
END_TEST

START_TEST(test_taskapp_task_info_seeds)
{
	struct th_resp r;
	const struct minibench_task *t = minibench_for_seed(7);

	th_get(&app, "/task_info", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(rv_json_int(r.json, "taskset.sizes.total", 0),
			 (long long)minibench_count());
	ck_assert_int_eq(json_array_size(rv_json_path(r.json, "taskset.tasks")),
			 minibench_count());
	th_resp_release(&r);
	th_get(&app, "/task_info?seed=7", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(json_is_object(r.json));
	ck_assert_str_eq(rv_json_str(r.json, "task_metadata.task_id"), t->id);
	ck_assert_str_eq(rv_json_str(r.json, "task_metadata.signature"),
			 t->signature);
	ck_assert_int_eq(rv_json_int(r.json, "dataset.seed", -1), 7);
	ck_assert(rv_json_int(r.json, "task_metadata.num_tests", 0) > 0);
	ck_assert(json_is_null(rv_json_path(r.json, "environment")));
	th_resp_release(&r);
	th_get(&app, "/task_info?seed=7&seed=8&seeds=-3", &r);
	ck_assert(json_is_array(r.json));
	ck_assert_int_eq(json_array_size(r.json), 3);
	ck_assert_str_eq(rv_json_str(json_array_get(r.json, 2),
				     "task_metadata.task_id"),
			 minibench_for_seed(-3)->id);
	th_resp_release(&r);
	th_get(&app, "/task_info?seed=abc", &r);
	ck_assert_int_eq(r.status, 422);
	ck_assert_str_eq(rv_json_str(json_array_get(rv_json_path(r.json,
		"detail"), 0), "type"), "int_parsing");
	th_resp_release(&r);
}
END_TEST

START_TEST(test_taskapp_done)
{
	struct th_resp r;

	th_post(&app, "/done", "{}", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert(rv_json_bool(r.json, "ok", false));
	th_resp_release(&r);
	/* no body at all, no Content-Length */
	th_post(&app, "/done", NULL, &r);
	ck_assert_int_eq(r.status, 200);
	th_resp_release(&r);
}
END_TEST

/* POST body to /rollout and return the first 422 error's field. */
static char *first_422(const char *body, const char *field)
{
	struct th_resp r;
	json_t *e;
	char *out;

	th_post(&app, "/rollout", body, &r);
	ck_assert_msg(r.status == 422, "expected 422 for %s, got %ld: %s",
		      body, r.status, r.body);
	e = json_array_get(rv_json_path(r.json, "detail"), 0);
	ck_assert_ptr_nonnull(e);
	if (!strcmp(field, "loc"))
		out = rv_json_dumps(json_object_get(e, "loc"));
	else
		out = rv_xstrdup(rv_json_str(e, field));
	th_resp_release(&r);
	return out;
}

static void expect_422(const char *body, const char *field, const char *want)
{
	char *got = first_422(body, field);

	ck_assert_msg(strstr(got, want), "%s: %s is '%s', wanted '%s'", body,
		      field, got, want);
	free(got);
}

START_TEST(test_taskapp_rollout_bad_bodies)
{
	expect_422("{\"trace_correlation_id\": ", "type", "json_invalid");
	expect_422("[1,2]", "type", "model_attributes_type");
	expect_422("\"text\"", "type", "model_attributes_type");
	expect_422("{\"env\":{\"seed\":1}}", "loc",
		   "[\"body\",\"trace_correlation_id\"]");
	expect_422("{\"env\":{\"seed\":1}}", "type", "missing");
	expect_422("{\"trace_correlation_id\":5}", "type", "string_type");
	expect_422("{\"trace_correlation_id\":\"t\",\"env\":{\"seed\":\"x\"}}",
		   "loc", "[\"body\",\"env\",\"seed\"]");
	expect_422("{\"trace_correlation_id\":\"t\",\"env\":{\"seed\":1.5}}",
		   "type", "int_from_float");
	expect_422("{\"trace_correlation_id\":\"t\",\"env\":{\"seed\":true}}",
		   "type", "int_type");
	expect_422("{\"trace_correlation_id\":\"t\",\"env\":7}", "type",
		   "dict_type");
	expect_422("{\"trace_correlation_id\":\"t\",\"policy\":{\"config\":"
		   "{\"timeout\":\"soon\"}}}", "loc",
		   "[\"body\",\"policy\",\"config\",\"timeout\"]");
	expect_422("{\"trace_correlation_id\":\"t\",\"safety\":{\"max_time_s\":0}}",
		   "type", "greater_than");
	expect_422("{\"trace_correlation_id\":\"t\",\"policy\":{\"config\":"
		   "{\"policy\":\"genius\"}}}", "msg",
		   "unknown policy 'genius' (known: reference, noop, code, llm)");
	expect_422("{\"trace_correlation_id\":\"t\",\"policy\":{\"policy_name\":"
		   "\"genius\"}}", "loc", "[\"body\",\"policy\",\"policy_name\"]");
	expect_422("{\"trace_correlation_id\":\"t\",\"policy\":{\"config\":"
		   "{\"policy\":\"llm\"}}}", "msg", "inference_url");
	expect_422("{\"trace_correlation_id\":\"t\",\"policy\":{\"config\":"
		   "{\"policy\":\"code\"}}}", "msg", "policy.config.code");
	expect_422("{\"trace_correlation_id\":\"t\",\"policy\":{\"config\":"
		   "{\"max_turns\":0}}}", "msg", "between 1 and 20");
	/* a message quoting bytes that are not UTF-8 is still an error
	 * (these two were accepted and run; tests/fuzz/fuzz_rollout_req.c) */
	expect_422("\"(\\ud8\xcd\x9b\xa3", "type", "json_invalid");
	expect_422("{\"trace_correlation_id\":\"t\",\"policy\":{\"config\":"
		   "{\"policy\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		   "aaaaaaaaaa\u00e9\"}}}", "msg",
		   "unknown policy 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		   "aaaaaaaa\\xc3' (known:");
}
END_TEST

START_TEST(test_taskapp_rollout_oversized_body)
{
	static const char tail[] = "\"trace_correlation_id\":\"t\"}";
	size_t n = (1u << 20) + 100;
	char *big = rv_xmalloc(n + 1);
	struct th_resp r;

	/* valid JSON, just too large */
	memset(big, ' ', n);
	big[0] = '{';
	memcpy(big + n - strlen(tail), tail, strlen(tail) + 1);
	th_post(&app, "/rollout", big, &r);
	ck_assert_int_eq(r.status, 413);
	ck_assert_str_eq(rv_json_str(r.json, "detail.error.code"),
			 "payload_too_large");
	th_resp_release(&r);
	/* the connection and the server are fine afterwards */
	th_get(&app, "/health", &r);
	ck_assert_int_eq(r.status, 200);
	th_resp_release(&r);
	free(big);
}
END_TEST

START_TEST(test_taskapp_rollout_contract)
{
	const char *body = "{\"trace_correlation_id\":\"eval_x_seed3_abc\","
		"\"env\":{\"env_name\":\"minibench\",\"seed\":3,\"config\":"
		"{\"split\":\"easy\"}},\"policy\":{\"policy_name\":\"reference\","
		"\"config\":{\"model\":\"m\",\"agent\":\"x\"}},\"on_done\":\"reset\","
		"\"safety\":{\"max_time_s\":3600.0},\"unknown_field\":[1,2,3],"
		"\"context_overrides\":null}";
	json_t *v = th_rollout(&app, body);
	json_t *ri = json_object_get(v, "reward_info");
	double r = -1;

	ck_assert_str_eq(rv_json_str(v, "trace_correlation_id"), "eval_x_seed3_abc");
	ck_assert(rv_json_num(ri, "outcome_reward", &r) && r == 1.0);
	ck_assert(rv_json_num(ri, "outcome_objectives.reward", &r) && r == 1.0);
	ck_assert(rv_json_bool(ri, "details.compiled", false));
	ck_assert_int_eq(rv_json_int(ri, "details.passed", -1),
			 rv_json_int(ri, "details.total", -2));
	ck_assert_str_eq(rv_json_str(ri, "details.task_id"), minibench_for_seed(3)->id);
	ck_assert_str_eq(rv_json_str(ri, "details.policy"), "reference");
	ck_assert(rv_json_num(ri, "details.latency_ms", &r) && r > 0);
	ck_assert_str_eq(rv_json_str(v, "success_status"), "success");
	ck_assert_ptr_nonnull(strstr(rv_json_str(v, "status_detail"), "Tests: "));
	/* nulls are explicit, as the Python serializer writes them */
	ck_assert(json_is_null(json_object_get(v, "trace")));
	ck_assert(json_is_null(json_object_get(v, "inference_url")));
	ck_assert(json_is_null(json_object_get(ri, "event_rewards")));
	ck_assert(json_is_null(json_object_get(v, "override_application_results")));
	ck_assert_str_eq(rv_json_str(json_array_get(json_object_get(v, "artifact"),
						    0), "content_type"), "c_code");
	ck_assert_ptr_null(json_object_get(v, "metrics"));
	json_decref(v);
}
END_TEST

START_TEST(test_taskapp_rollout_legacy)
{
	const char *body = "{\"run_id\":\"run-proof\",\"env\":{\"env_name\":"
		"\"minibench\",\"seed\":4},\"policy\":{\"policy_name\":\"noop\","
		"\"config\":{}},\"ops\":[\"agent\",\"env\"],\"record\":"
		"{\"return_trace\":true},\"on_done\":\"reset\",\"mode\":\"eval\"}";
	json_t *v = th_rollout(&app, body);
	double r = -1;

	ck_assert_str_eq(rv_json_str(v, "trace_correlation_id"), "run-proof");
	ck_assert_str_eq(rv_json_str(v, "run_id"), "run-proof");
	ck_assert(rv_json_num(v, "metrics.outcome_score", &r) && r == 0.0);
	ck_assert(rv_json_num(v, "reward_info.outcome_reward", &r) && r == 0.0);
	ck_assert_str_eq(rv_json_str(v, "reward_info.details.policy"), "noop");
	ck_assert(json_is_array(json_object_get(v, "trajectories")));
	json_decref(v);
}
END_TEST

START_TEST(test_taskapp_rollout_code_policy)
{
	const struct minibench_task *t = minibench_for_seed(5);
	char *body = th_source_rollout(5, t->reference, NULL);
	json_t *v = th_rollout(&app, body);

	ck_assert(th_reward(v) == 1.0);
	ck_assert_str_eq(rv_json_str(v, "reward_info.details.policy"), "code");
	json_decref(v);
	free(body);
	/* a candidate that does not compile */
	body = th_rollout_body(5, "code", "\"code\":\"int this is not C;\"");
	v = th_rollout(&app, body);
	ck_assert(th_reward(v) == 0.0);
	ck_assert(!rv_json_bool(v, "reward_info.details.compiled", true));
	ck_assert_str_eq(rv_json_str(v, "success_status"), "success");
	ck_assert_ptr_nonnull(strstr(rv_json_str(v, "status_detail"),
				     "Compile failed"));
	ck_assert_ptr_nonnull(strstr(rv_json_str(v,
		"reward_info.details.compile_output_tail"), "error"));
	json_decref(v);
	free(body);
}
END_TEST

START_TEST(test_taskapp_default_policy_is_reference)
{
	char *body = th_rollout_body(2, NULL, NULL);
	json_t *v = th_rollout(&app, body);

	ck_assert(th_reward(v) == 1.0);
	ck_assert_str_eq(rv_json_str(v, "reward_info.details.policy"), "reference");
	json_decref(v);
	free(body);
}
END_TEST

START_TEST(test_taskapp_listen_line_and_port_env)
{
	char *bin = tu_build_path("taskapp");
	char *dir = tu_tmpdir();
	char *log = rv_xasprintf("%s/log", dir);
	int port = tu_free_port();
	char *penv = rv_xasprintf("PORT=%d", port);
	char *env[] = { penv, "ENVIRONMENT_API_KEY=" TH_KEY, NULL };
	char *argv[] = { bin, "--host", "127.0.0.1", NULL };
	pid_t pid = tu_spawn(argv, env, log);
	char *want = rv_xasprintf("taskapp: listening on http://127.0.0.1:%d\n",
				  port);
	char *text = NULL;

	ck_assert(tu_wait_port(port, 10000));
	for (int i = 0; i < 200; i++) {
		free(text);
		text = tu_read_file(log, NULL);
		if (text && strstr(text, want))
			break;
		usleep(10000);
	}
	ck_assert_msg(text && strstr(text, want), "log: %s", text);
	tu_stop(pid);
	free(text);
	free(want);
	free(penv);
	free(log);
	tu_rmrf(dir);
	free(dir);
	free(bin);
}
END_TEST

START_TEST(test_taskapp_usage_errors)
{
	char *bin = tu_build_path("taskapp");
	char *cmd = rv_xasprintf("'%s' --port nope >/dev/null 2>&1", bin);
	int st = system(cmd);

	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	free(cmd);
	cmd = rv_xasprintf("'%s' --workers 0 >/dev/null 2>&1", bin);
	st = system(cmd);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
	free(cmd);
	cmd = rv_xasprintf("'%s' --sandbox bogus --port 0 >/dev/null 2>&1", bin);
	st = system(cmd);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	free(cmd);
	free(bin);
}
END_TEST

/* SIGTERM while a rollout runs: exit 0 quickly, nothing left behind. */
START_TEST(test_taskapp_sigterm_stops_cleanly)
{
	char *body = th_code_rollout(1, NULL, "for (;;) ;", NULL);
	int st = 0;
	pid_t pid = app.pid;
	uint64_t t0;
	struct th_resp r;

	/* start a slow rollout from a child client, then stop the app */
	if (fork() == 0) {
		/* no assertions here: the request fails when the app stops */
		char *url = rv_xasprintf("http://127.0.0.1:%d/rollout", app.port);
		const char *h[] = { "X-API-Key: " TH_KEY, NULL };
		struct rv_http_request req = { .url = url, .headers = h,
			.body = body, .body_len = strlen(body),
			.timeout_ms = 20000 };
		struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;

		rv_http_do(&req, &resp, NULL);
		_exit(0);
	}
	for (int i = 0; i < 100; i++) {
		th_get(&app, "/health", &r);
		long running = (long)rv_json_int(r.json, "rollouts.running", 0);

		th_resp_release(&r);
		if (running > 0)
			break;
		usleep(20000);
	}
	t0 = rv_now_ns();
	kill(pid, SIGTERM);
	for (int i = 0; i < 500 && waitpid(pid, &st, WNOHANG) != pid; i++)
		usleep(10000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	ck_assert(rv_now_ns() - t0 < 3 * RV_NS_PER_SEC);
	ck_assert(!tu_group_alive(pid));
	ck_assert_int_eq(th_count_uid_procs(app.uid_base, app.uid_base + 63), 0);
	th_forget(&app);
	free(body);
}
END_TEST

static Suite *taskapp_suite(void)
{
	Suite *s = suite_create("taskapp");
	TCase *tc = tcase_create("routes");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, app_up, app_down);
	tcase_add_test(tc, test_taskapp_root_needs_no_key);
	tcase_add_test(tc, test_taskapp_auth_headers);
	tcase_add_test(tc, test_taskapp_auth_aliases_and_unconfigured);
	tcase_add_test(tc, test_taskapp_unknown_route_and_method);
	tcase_add_test(tc, test_taskapp_health_and_info);
	tcase_add_test(tc, test_taskapp_missing_compiler_is_reported);
	tcase_add_test(tc, test_taskapp_task_info_seeds);
	tcase_add_test(tc, test_taskapp_done);
	suite_add_tcase(s, tc);

	tc = tcase_create("rollout");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, app_up, app_down);
	tcase_add_test(tc, test_taskapp_rollout_bad_bodies);
	tcase_add_test(tc, test_taskapp_rollout_oversized_body);
	tcase_add_test(tc, test_taskapp_rollout_contract);
	tcase_add_test(tc, test_taskapp_rollout_legacy);
	tcase_add_test(tc, test_taskapp_rollout_code_policy);
	tcase_add_test(tc, test_taskapp_default_policy_is_reference);
	tcase_add_test(tc, test_taskapp_sigterm_stops_cleanly);
	suite_add_tcase(s, tc);

	tc = tcase_create("process");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_taskapp_listen_line_and_port_env);
	tcase_add_test(tc, test_taskapp_usage_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(taskapp_suite()) ? 1 : 0;
}
