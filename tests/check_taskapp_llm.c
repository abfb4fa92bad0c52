/*
 * The llm policy against an OpenAI-compatible stub on 127.0.0.1: code
 * extraction, multi-turn repair with compiler and test feedback, the
 * endpoint URL rule, the key, and endpoint failures.
 */
#include "testutil.h"

#include "llm.h"
#include "llm_stub.h"
#include "minibench.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "rv_json.h"
#include "taskapp_harness.h"

#include <stdio.h>
#include <string.h>

#define SEED 6
#define API_KEY "sk-test-stub-key-0123456789"

static struct th_app app;
static struct llm_stub stub;

static void app_up(void)
{
	char *env[] = { "OPENAI_API_KEY=" API_KEY, NULL };

	th_start(&app, env, NULL);
	memset(&stub, 0, sizeof(stub));
}

static void app_down(void)
{
	llm_stub_release(&stub);
	th_stop(&app);
}

/* The seed's reference solution, as a model might write it. */
static char *fenced_reference(void)
{
	return rv_xasprintf("Here is my solution.\n\n```c\n%s```\n\nIt runs in "
			    "linear time.", minibench_for_seed(SEED)->reference);
}

/* A candidate that compiles and fails: the noop body. */
static char *fenced_wrong(void)
{
	return rv_xasprintf("```c\n%s```", minibench_noop_source(
		minibench_for_seed(SEED)));
}

static const char fenced_broken[] = "```C\nint this does not compile(\n```";

/* POST a llm rollout with extra config members; returns the response. */
static json_t *llm_rollout(const char *url_suffix, const char *members)
{
	char *cfg = rv_xasprintf("\"model\":\"stub-model\",\"inference_url\":"
				 "\"http://127.0.0.1:%d%s\"%s%s", stub.port,
				 url_suffix, members ? "," : "",
				 members ? members : "");
	char *body = th_rollout_body(SEED, "llm", cfg);
	json_t *v = th_rollout(&app, body);

	free(body);
	free(cfg);
	return v;
}

START_TEST(test_llm_fixes_code_on_turn_two)
{
	char *good = fenced_reference();
	json_t *v, *msgs;
	char *all;

	stub.replies[0] = fenced_broken;
	stub.replies[1] = good;
	stub.nreplies = 2;
	llm_stub_start(&stub);
	v = llm_rollout("/v1", "\"max_turns\":3,\"temperature\":0");
	llm_stub_stop(&stub);
	ck_assert(th_reward(v) == 1.0);
	ck_assert_str_eq(rv_json_str(v, "success_status"), "success");
	ck_assert_int_eq(rv_json_int(v, "reward_info.details.turns", 0), 2);
	ck_assert_int_eq(json_array_size(rv_json_path(v,
		"reward_info.details.turn_results")), 2);
	ck_assert(!rv_json_bool(json_array_get(rv_json_path(v,
		"reward_info.details.turn_results"), 0), "compiled", true));
	ck_assert_int_eq(rv_json_int(v, "reward_info.details.tokens", 0), 66);
	ck_assert_str_eq(rv_json_str(v, "reward_info.details.model"), "stub-model");
	ck_assert_ptr_nonnull(strstr(rv_json_str(v, "inference_url"),
				     "/v1/chat/completions"));
	/* what the model was sent */
	ck_assert_int_eq(stub.nrequests, 2);
	ck_assert_str_eq(stub.paths[0], "/v1/chat/completions");
	ck_assert_str_eq(stub.auths[0], "Bearer " API_KEY);
	ck_assert_str_eq(rv_json_str(stub.bodies[0], "model"), "stub-model");
	msgs = json_object_get(stub.bodies[0], "messages");
	ck_assert_int_eq(json_array_size(msgs), 2);
	ck_assert_str_eq(rv_json_str(json_array_get(msgs, 0), "role"), "system");
	ck_assert_ptr_nonnull(strstr(llm_stub_last_message(&stub, 0),
				     minibench_for_seed(SEED)->signature));
	ck_assert_int_eq(json_array_size(json_object_get(stub.bodies[1],
							 "messages")), 4);
	ck_assert_ptr_nonnull(strstr(llm_stub_last_message(&stub, 1),
				     "did not compile"));
	ck_assert_ptr_nonnull(strstr(llm_stub_last_message(&stub, 1), "error"));
	/* the key never comes back */
	all = rv_json_dumps(v);
	ck_assert_ptr_null(strstr(all, API_KEY));
	free(all);
	json_decref(v);
	free(good);
}
END_TEST

START_TEST(test_llm_wrong_code_gets_test_feedback)
{
	char *wrong = fenced_wrong();
	json_t *v;

	stub.replies[0] = wrong;
	stub.nreplies = 1;
	llm_stub_start(&stub);
	v = llm_rollout("/v1/", "\"max_turns\":2");
	llm_stub_stop(&stub);
	ck_assert(th_reward(v) == 0);
	ck_assert(rv_json_bool(v, "reward_info.details.compiled", false));
	ck_assert_int_eq(rv_json_int(v, "reward_info.details.turns", 0), 2);
	ck_assert_int_eq(stub.nrequests, 2);
	ck_assert_str_eq(stub.paths[0], "/v1/chat/completions");
	ck_assert_ptr_nonnull(strstr(llm_stub_last_message(&stub, 1),
				     "compiled but passed 0 of"));
	ck_assert_ptr_nonnull(strstr(llm_stub_last_message(&stub, 1), "FAIL"));
	/* which calls failed, never what they should have returned: a
	   model shown the expected values could answer the seed's cases
	   instead of solving the task */
	ck_assert_ptr_nonnull(strstr(llm_stub_last_message(&stub, 1),
				     "not the expected result"));
	ck_assert_msg(!strstr(llm_stub_last_message(&stub, 1), ", expected") &&
		      !strstr(llm_stub_last_message(&stub, 1), "got "),
		      "%s", llm_stub_last_message(&stub, 1));
	/* the rollout's own record keeps the whole verdict */
	ck_assert_ptr_nonnull(strstr(rv_json_str(v,
		"reward_info.details.test_output_tail"), ", expected "));
	json_decref(v);
	free(wrong);
}
END_TEST

START_TEST(test_llm_single_turn_compile_failure)
{
	json_t *v;

	stub.replies[0] = fenced_broken;
	stub.nreplies = 1;
	llm_stub_start(&stub);
	/* a full chat/completions URL is used as is, query and all */
	v = llm_rollout("/api/interceptor/v1/t0/chat/completions?cid=trace-9",
			"\"api_key\":\"sk-from-config-xyz123\"");
	llm_stub_stop(&stub);
	ck_assert(th_reward(v) == 0);
	ck_assert(!rv_json_bool(v, "reward_info.details.compiled", true));
	ck_assert_int_eq(rv_json_int(v, "reward_info.details.turns", 0), 1);
	ck_assert_int_eq(stub.nrequests, 1);
	ck_assert_str_eq(stub.paths[0],
			 "/api/interceptor/v1/t0/chat/completions?cid=trace-9");
	ck_assert_str_eq(stub.auths[0], "Bearer sk-from-config-xyz123");
	json_decref(v);
}
END_TEST

START_TEST(test_llm_is_the_default_with_an_inference_url)
{
	char *good = fenced_reference();
	char *body;
	json_t *v;

	stub.replies[0] = good;
	stub.nreplies = 1;
	llm_stub_start(&stub);
	body = rv_xasprintf("{\"trace_correlation_id\":\"t\",\"env\":{\"seed\":%d},"
			    "\"policy\":{\"config\":{\"model\":\"m\","
			    "\"inference_url\":\"http://127.0.0.1:%d\"}}}",
			    SEED, stub.port);
	v = th_rollout(&app, body);
	llm_stub_stop(&stub);
	ck_assert(th_reward(v) == 1.0);
	ck_assert_str_eq(rv_json_str(v, "reward_info.details.policy"), "llm");
	ck_assert_str_eq(stub.paths[0], "/chat/completions");
	json_decref(v);
	free(body);
	free(good);
}
END_TEST

START_TEST(test_llm_endpoint_errors)
{
	json_t *v;
	int dead = tu_free_port();
	char *cfg;
	char *body;

	/* an error status */
	stub.status = 500;
	stub.raw_body = "{\"error\":{\"message\":\"model overloaded\"}}";
	llm_stub_start(&stub);
	v = llm_rollout("/v1", NULL);
	ck_assert(th_reward(v) == 0);
	ck_assert_str_eq(rv_json_str(v, "success_status"), "failure");
	ck_assert_ptr_nonnull(strstr(rv_json_str(v, "status_detail"), "HTTP 500"));
	ck_assert_ptr_nonnull(strstr(rv_json_str(v, "status_detail"),
				     "model overloaded"));
	json_decref(v);
	/* an answer that is not a completion */
	stub.status = 200;
	stub.raw_body = "{\"object\":\"list\"}";
	v = llm_rollout("/v1", NULL);
	ck_assert_str_eq(rv_json_str(v, "success_status"), "failure");
	ck_assert_ptr_nonnull(strstr(rv_json_str(v, "status_detail"),
				     "choices[0].message.content"));
	json_decref(v);
	llm_stub_stop(&stub);
	/* nobody listening */
	cfg = rv_xasprintf("\"inference_url\":\"http://127.0.0.1:%d/v1\"", dead);
	body = th_rollout_body(SEED, "llm", cfg);
	v = th_rollout(&app, body);
	ck_assert_str_eq(rv_json_str(v, "success_status"), "network_error");
	json_decref(v);
	free(body);
	free(cfg);
}
END_TEST

START_TEST(test_llm_slow_endpoint_hits_the_timeout)
{
	uint64_t t0;
	double ms;
	json_t *v;

	stub.replies[0] = "```c\nint x;\n```";
	stub.nreplies = 1;
	stub.delay_ms = 4000;
	llm_stub_start(&stub);
	t0 = rv_now_ns();
	v = llm_rollout("/v1", "\"timeout\":1");
	ms = (double)(rv_now_ns() - t0) / 1e6;
	llm_stub_stop(&stub);
	ck_assert_str_eq(rv_json_str(v, "success_status"), "timeout");
	ck_assert(th_reward(v) == 0);
	ck_assert_msg(ms < 3000, "took %.0f ms", ms);
	json_decref(v);
}
END_TEST

START_TEST(test_llm_code_extraction)
{
	static const char *const cases[][2] = {
		{ "```c\nA\n```", "A\n" },
		{ "text\n```python\nP\n```\n```c\nC1\n```\n```c\nC2\n```", "C2\n" },
		{ "```\nplain\n```", "plain\n" },
		{ "no fences at all", "no fences at all" },
		{ "```c\nunterminated", "unterminated" },
		{ "```cpp\nX\n```\n```\nY\n```", "Y\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *got = taskapp_llm_extract_code(cases[i][0]);

		ck_assert_str_eq(got, cases[i][1]);
		free(got);
	}
}
END_TEST

START_TEST(test_llm_endpoint_rule)
{
	static const char *const cases[][2] = {
		{ "http://h/v1", "http://h/v1/chat/completions" },
		{ "http://h/v1/", "http://h/v1/chat/completions" },
		{ "http://h", "http://h/chat/completions" },
		{ "http://h/v1/chat/completions", "http://h/v1/chat/completions" },
		{ "http://h/x/chat/completions?cid=1", "http://h/x/chat/completions?cid=1" },
		{ "http://h/v1?cid=2", "http://h/v1/chat/completions?cid=2" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *got = taskapp_llm_endpoint(cases[i][0]);

		ck_assert_str_eq(got, cases[i][1]);
		free(got);
	}
}
END_TEST

static Suite *llm_suite(void)
{
	Suite *s = suite_create("taskapp_llm");
	TCase *tc = tcase_create("policy");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, app_up, app_down);
	tcase_add_test(tc, test_llm_fixes_code_on_turn_two);
	tcase_add_test(tc, test_llm_wrong_code_gets_test_feedback);
	tcase_add_test(tc, test_llm_single_turn_compile_failure);
	tcase_add_test(tc, test_llm_is_the_default_with_an_inference_url);
	tcase_add_test(tc, test_llm_endpoint_errors);
	tcase_add_test(tc, test_llm_slow_endpoint_hits_the_timeout);
	suite_add_tcase(s, tc);

	tc = tcase_create("units");
	tcase_add_test(tc, test_llm_code_extraction);
	tcase_add_test(tc, test_llm_endpoint_rule);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(llm_suite()) ? 1 : 0;
}
