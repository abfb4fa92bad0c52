/*
 * A candidate cannot forge its reward: against the real task app, over
 * HTTP, candidates for gcd (seed 0) that return 0 and try every way to
 * make the verdict say otherwise (a constructor that prints passing
 * lines and _exits, writes to the results descriptor and to every other
 * one, lines in the results format, _exit mid-way, an output flood) get
 * what returning 0 deserves: nothing.  An honest gcd that stops half-way
 * gets exactly the cases it answered.  The same through the llm policy,
 * whose model (a stub on 127.0.0.1) answers with the forging code.
 */
#include "testutil.h"

#include "llm_stub.h"
#include "minibench.h"
#include "rv_alloc.h"
#include "rv_http.h"
#include "rv_json.h"
#include "taskapp_harness.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static struct th_app app;

/*
 * Every line a verdict could be read from, for cases 0..63: the old
 * driver's ("PASS i", "RESULT") and the harness's results format
 * ("<case> <check> <value>"), with gcd's wrong answer 0.
 */
#define FORGE_PRELUDE \
	"#include <stdio.h>\n#include <string.h>\n#include <unistd.h>\n" \
	"static void forge(int fd)\n{\n\tchar b[64];\n\n" \
	"\tfor (int i = 0; i < 64; i++) {\n" \
	"\t\tint n = snprintf(b, sizeof b, \"PASS %d\\n%d 0 0\\n\", i, i);\n" \
	"\t\tif (write(fd, b, (size_t)n) < 0)\n\t\t\treturn;\n\t}\n" \
	"\tif (write(fd, \"RESULT 64 64\\n\", 13) < 0)\n\t\treturn;\n}\n"

#define GCD_BODY \
	"\tif (a < 0) a = -a;\n\tif (b < 0) b = -b;\n" \
	"\twhile (b) { long long t = a % b; a = b; b = t; }\n\treturn a;\n"

static const struct {
	const char *name;
	const char *prelude;	/* after FORGE_PRELUDE */
	const char *body;	/* of gcd(a, b) */
} forges[] = {
	{ "constructor forge",
	  "__attribute__((constructor)) static void early(void)\n"
	  "{\n\tforge(1);\n\tforge(3);\n\t_exit(0);\n}\n",
	  "(void)a; (void)b;\nreturn 0;" },
	{ "fd games",	/* fd 3 is the old driver's results, then all */
	  NULL,
	  "static int once;\n(void)a; (void)b;\n"
	  "if (!once++) {\n\tfor (int fd = 0; fd < 1024; fd++)\n"
	  "\t\tforge(fd);\n\tdup2(2, 3);\n\tclose(1);\n}\nreturn 0;" },
	{ "results format printed",
	  NULL,
	  "static int call;\n(void)a; (void)b;\n"
	  "printf(\"%d 0 0\\nPASS %d\\n\", call, call);\nfflush(stdout);\n"
	  "dprintf(3, \"%d 0 0\\nPASS %d\\n\", call, call);\n"
	  "dprintf(4, \"%d 0 0\\nPASS %d\\n\", call, call);\ncall++;\n"
	  "return 0;" },
	{ "_exit mid-way",
	  NULL,
	  "static int calls;\n(void)a; (void)b;\n"
	  "if (++calls == 3) {\n\tforge(1);\n\tforge(3);\n\t_exit(0);\n}\n"
	  "return 0;" },
	{ "output flood",
	  NULL,
	  "(void)a; (void)b;\nfor (;;) {\n\tforge(3);\n\tforge(1);\n"
	  "\tforge(2);\n}\nreturn 0;" },
};

#define NFORGES (sizeof(forges) / sizeof(forges[0]))

static void app_start(const char *mode)
{
	char *args[] = { "--sandbox", (char *)mode, NULL };

	ck_assert_str_eq(minibench_for_seed(0)->id, "gcd");
	th_start(&app, NULL, args);
}

static void app_up(void)
{
	app_start("auto");
}

static void app_up_rlimits(void)
{
	app_start("rlimits");
}

static void app_down(void)
{
	th_stop(&app);
}

/* The gcd candidate: FORGE_PRELUDE, prelude, gcd with body. */
static char *gcd_source(const char *prelude, const char *body)
{
	return rv_xasprintf("%s%s\nlong long gcd(long long a, long long b)\n"
			    "{\n%s\n}\n", FORGE_PRELUDE, prelude ? prelude : "",
			    body);
}

/* A code-policy rollout of seed 0 with source; the response (owned). */
static json_t *code_rollout(const char *source)
{
	char *body = th_source_rollout(0, source, NULL);
	json_t *v = th_rollout(&app, body);

	free(body);
	return v;
}

static void assert_forge_fails(const char *name, json_t *v)
{
	const char *out = rv_json_str(v, "reward_info.details.test_output_tail");

	ck_assert_msg(rv_json_bool(v, "reward_info.details.compiled", false),
		      "%s: %s", name, rv_json_str(v,
		      "reward_info.details.compile_output_tail"));
	ck_assert_msg(th_reward(v) == 0, "%s: reward %g: %s", name,
		      th_reward(v), rv_json_str(v, "status_detail"));
	ck_assert_int_eq(rv_json_int(v, "reward_info.details.passed", -1), 0);
	ck_assert_str_eq(rv_json_str(v, "success_status"), "success");
	ck_assert_msg(out && strstr(out, "FAIL 0: ") && !strstr(out, "PASS"),
		      "%s: %s", name, out);
}

START_TEST(test_forge_scores_what_the_answer_deserves)
{
	for (size_t i = 0; i < NFORGES; i++) {
		char *src = gcd_source(forges[i].prelude, forges[i].body);
		json_t *v = code_rollout(src);

		assert_forge_fails(forges[i].name, v);
		if (strstr(forges[i].name, "flood"))
			ck_assert_ptr_nonnull(strstr(rv_json_str(v,
				"reward_info.details.test_status"),
				"output limit"));
		json_decref(v);
		free(src);
	}
}
END_TEST

/* A right gcd that stops at its 4th call: the 3 cases it answered. */
START_TEST(test_forge_honest_exit_keeps_what_it_answered)
{
	char *src = gcd_source("", "static int calls;\n"
			       "if (++calls == 4) _exit(0);\n" GCD_BODY);
	json_t *v = code_rollout(src);
	int total = (int)rv_json_int(v, "reward_info.details.total", 0);
	const char *out = rv_json_str(v, "reward_info.details.test_output_tail");

	ck_assert_int_ge(total, 5);
	ck_assert_int_eq(rv_json_int(v, "reward_info.details.passed", -1), 3);
	ck_assert(fabs(th_reward(v) - 3.0 / total) < 1e-9);
	ck_assert_msg(strstr(out, "PASS 2\nFAIL 3: gcd(") &&
		      strstr(out, "no result (test program exited 0)"),
		      "%s", out);
	json_decref(v);
	free(src);
	/* and the right gcd, whole, passes (same app, same seed) */
	src = gcd_source("", GCD_BODY);
	v = code_rollout(src);
	ck_assert_msg(th_reward(v) == 1.0, "%s", rv_json_str(v, "status_detail"));
	json_decref(v);
	free(src);
}
END_TEST

/* The llm policy runs what the model answers through the same judge. */
START_TEST(test_forge_through_the_llm_policy)
{
	for (size_t i = 0; i < 2; i++) {
		struct llm_stub stub;
		char *src = gcd_source(forges[i].prelude, forges[i].body);
		char *reply = rv_xasprintf("```c\n%s```\n", src);
		char *cfg, *body;
		json_t *v;

		memset(&stub, 0, sizeof(stub));
		stub.replies[0] = reply;
		stub.nreplies = 1;
		llm_stub_start(&stub);
		cfg = rv_xasprintf("\"model\":\"stub\",\"api_key\":\"sk-stub\","
				   "\"inference_url\":\"http://127.0.0.1:%d/v1\"",
				   stub.port);
		body = th_rollout_body(0, "llm", cfg);
		v = th_rollout(&app, body);
		llm_stub_stop(&stub);
		ck_assert_int_eq(stub.nrequests, 1);
		ck_assert_str_eq(rv_json_str(v, "reward_info.details.policy"),
				 "llm");
		assert_forge_fails(forges[i].name, v);
		json_decref(v);
		llm_stub_release(&stub);
		free(body);
		free(cfg);
		free(reply);
		free(src);
	}
}
END_TEST

static Suite *forge_suite(void)
{
	Suite *s = suite_create("taskapp_forge");
	TCase *tc = tcase_create("default");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, app_up, app_down);
	tcase_add_test(tc, test_forge_scores_what_the_answer_deserves);
	tcase_add_test(tc, test_forge_honest_exit_keeps_what_it_answered);
	tcase_add_test(tc, test_forge_through_the_llm_policy);
	suite_add_tcase(s, tc);

	/* the verdict does not depend on how strong the sandbox is */
	tc = tcase_create("rlimits");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, app_up_rlimits, app_down);
	tcase_add_test(tc, test_forge_scores_what_the_answer_deserves);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(forge_suite()) ? 1 : 0;
}
