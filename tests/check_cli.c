/* Unit tests: command line, seed lists, .env files, judging answers. */
#include "testutil.h"

#include "answer.h"
#include "cli.h"
#include "dotenv.h"
#include "eval.h"
#include "rollout_json.h"
#include "rollouts.h"
#include "rv_alloc.h"
#include "rv_intern.h"
#include "rv_redact.h"
#include "spans.h"
#include "timeline.h"

#include <math.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static enum rv_code parse(struct cli_options *o, struct rv_err *e, ...)
{
	char *argv[32] = { "runeval" };
	int argc = 1;
	va_list ap;

	va_start(ap, e);
	for (char *a; (a = va_arg(ap, char *)); )
		argv[argc++] = a;
	va_end(ap);
	return cli_parse(argc, argv, o, e);
}

START_TEST(test_cli_defaults_and_values)
{
	struct cli_options o;
	struct rv_err e = RV_ERR_INIT;

	ck_assert_int_eq(parse(&o, &e, "--local", "--seeds", "3", NULL), RV_OK);
	ck_assert_str_eq(o.mode, "local");
	ck_assert_uint_eq(o.n_seeds, 3);
	ck_assert_int_eq(o.seeds[2], 2);
	ck_assert_uint_eq(o.concurrency, 8);
	ck_assert_str_eq(o.policy, "reference");
	ck_assert(o.timeout_s == 600.0);
	ck_assert_int_eq(o.port, 0);
	cli_options_release(&o);
	ck_assert_int_eq(parse(&o, &e, "--local", "--seed-list", "5,0-2",
			       "--concurrency", "2", "--timeout", "1.5",
			       "--port", "8123", "-q", "--json", NULL), RV_OK);
	ck_assert_uint_eq(o.n_seeds, 4);
	ck_assert_int_eq(o.seeds[0], 5);
	ck_assert_int_eq(o.seeds[3], 2);
	ck_assert(o.timeout_s == 1.5);
	ck_assert_int_eq(o.port, 8123);
	ck_assert(o.quiet && o.json);
	cli_options_release(&o);
	ck_assert_int_eq(parse(&o, &e, "--help", NULL), RV_OK);
	ck_assert(o.help);
	cli_options_release(&o);
	/* the task app's log cap: 64m by default, 0 for none */
	ck_assert_int_eq(parse(&o, &e, "--local", "--seeds", "1", NULL), RV_OK);
	ck_assert_int_eq(o.log_limit, 64ll << 20);
	cli_options_release(&o);
	ck_assert_int_eq(parse(&o, &e, "--local", "--seeds", "1",
			       "--log-limit", "0", NULL), RV_OK);
	ck_assert_int_eq(o.log_limit, 0);
	cli_options_release(&o);
	ck_assert_int_eq(parse(&o, &e, "--local", "--seeds", "1",
			       "--log-limit", "1g", NULL), RV_OK);
	ck_assert_int_eq(o.log_limit, 1ll << 30);
	cli_options_release(&o);
	ck_assert_int_eq(parse(&o, &e, "--docker", "--seeds", "1",
			       "--memory", "4m", NULL), RV_OK);
	ck_assert_int_eq(o.memory_bytes, 4ll << 20);
	cli_options_release(&o);
}
END_TEST

START_TEST(test_cli_rejects_bad_values)
{
	static const char *const bad[][2] = {
		{ "--concurrency", "0" }, { "--timeout", "-1" },
		{ "--timeout", "abc" }, { "--port", "70000" },
		{ "--health-timeout", "nan" }, { "--seeds", "2x" },
		{ "--log-limit", "512k" }, { "--log-limit", "1025g" },
		{ "--log-limit", "-1" }, { "--log-limit", "5x" },
		/* decimal only: strtod's hexadecimal is not a user's */
		{ "--timeout", "0x10" }, { "--pass-threshold", "0x1p-1" },
		{ "--pass-threshold", " 0.5" }, { "--log-limit", "0x10m" },
		{ "--max-failures", "0x10%" },
		/* strtol's leading blanks and '+'; a unit without a number */
		{ "--seeds", " 3" }, { "--concurrency", "+2" },
		{ "--max-failures", " 3" }, { "--log-limit", "m" },
	};
	static const char *const bad_memory[] = { "0", "3m", "1025g" };
	struct cli_options o;
	struct rv_err e = RV_ERR_INIT;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(parse(&o, &e, "--local", "--seeds", "1",
				       bad[i][0], bad[i][1], NULL),
				 RV_ERR_USAGE);
		ck_assert_msg(strstr(e.msg, bad[i][0]), "%s", e.msg);
		cli_options_release(&o);
	}
	for (size_t i = 0; i < sizeof(bad_memory) / sizeof(*bad_memory); i++) {
		ck_assert_int_eq(parse(&o, &e, "--docker", "--seeds", "1",
				       "--memory", bad_memory[i], NULL),
				 RV_ERR_USAGE);
		ck_assert_msg(strstr(e.msg, "a size from 4m to 1024g"), "%s",
			      e.msg);
		cli_options_release(&o);
	}
	ck_assert_int_eq(parse(&o, &e, "--local", "--seeds", "1",
			       "--seed-list", "1", NULL), RV_ERR_USAGE);
	ck_assert_msg(strstr(e.msg, "not both"), "%s", e.msg);
	cli_options_release(&o);
	ck_assert_int_eq(parse(&o, &e, "--local", "--seeds", NULL),
			 RV_ERR_USAGE);
	ck_assert_msg(strstr(e.msg, "needs a value"), "%s", e.msg);
	cli_options_release(&o);
	ck_assert_int_eq(parse(&o, &e, "--local", "--seeds", "1", "extra",
			       NULL), RV_ERR_USAGE);
	ck_assert_msg(strstr(e.msg, "unexpected argument 'extra'"), "%s",
		      e.msg);
	cli_options_release(&o);
}
END_TEST

START_TEST(test_cli_seed_lists)
{
	static const char *const bad[] = { "", "1,,2", "a", "3-1", "-1",
					   "1-", "1-2-3", "2,1-3", "1 2",
					   /* strtol skips blanks: " -5"
					      was -5 to 5 */
					   " -5", " 1", "1- 2", "1,", ",1",
					   " -9223372036854775807", "+1" };
	struct rv_err e = RV_ERR_INIT;
	long *s = NULL;
	size_t n = 0;

	ck_assert_int_eq(cli_parse_seed_list("0,3,10-19", false, &s, &n, &e), RV_OK);
	ck_assert_uint_eq(n, 12);
	ck_assert_int_eq(s[1], 3);
	ck_assert_int_eq(s[2], 10);
	ck_assert_int_eq(s[11], 19);
	free(s);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		s = NULL;
		n = 0;
		ck_assert_msg(cli_parse_seed_list(bad[i], false, &s, &n, &e) ==
			      RV_ERR_USAGE, "'%s' accepted", bad[i]);
		free(s);
	}
	s = NULL;
	n = 0;
	ck_assert_int_eq(cli_parse_seed_list("0-2000000", false, &s, &n, &e),
			 RV_ERR_USAGE);
	ck_assert_msg(strstr(e.msg, "too many seeds"), "%s", e.msg);
	free(s);
	/* the largest seeds there are: a range up to LONG_MAX ends there
	   (the loop once went past it, writing beyond the list) */
	s = NULL;
	n = 0;
	ck_assert_int_eq(cli_parse_seed_list("9223372036854775806-"
					     "9223372036854775807", false, &s,
					     &n, &e), RV_OK);
	ck_assert_uint_eq(n, 2);
	ck_assert(s[0] == LONG_MAX - 1 && s[1] == LONG_MAX);
	free(s);
}
END_TEST

START_TEST(test_dotenv_syntax_and_no_override)
{
	char *dir = tu_tmpdir();
	char *path = rv_xasprintf("%s/.env", dir);
	FILE *f = fopen(path, "w");
	struct rv_err e = RV_ERR_INIT;
	bool loaded;
	char *red;

	fprintf(f, "# comment\n\nRVT_A=plain value # trailing\n"
		"export RVT_B='single # kept'\n"
		"RVT_C=\"dq \\\"x\\\"\\n\"\n"
		"RVT_KEEP=from-file\n"
		"RVT_API_KEY=sekrit-value-123\n");
	fclose(f);
	setenv("RVT_KEEP", "from-env", 1);
	ck_assert_int_eq(dotenv_load(path, true, &loaded, &e), RV_OK);
	ck_assert(loaded);
	ck_assert_str_eq(getenv("RVT_A"), "plain value");
	ck_assert_str_eq(getenv("RVT_B"), "single # kept");
	ck_assert_str_eq(getenv("RVT_C"), "dq \"x\"\n");
	ck_assert_str_eq(getenv("RVT_KEEP"), "from-env");
	red = rv_redact("key=sekrit-value-123");
	ck_assert_str_eq(red, "key=" RV_REDACT_MARK);
	free(red);
	f = fopen(path, "w");
	fprintf(f, "OK=1\nthis is not an assignment\n");
	fclose(f);
	ck_assert_int_eq(dotenv_load(path, true, NULL, &e), RV_ERR_CONFIG);
	ck_assert_msg(strstr(e.msg, "line 2"), "%s", e.msg);
	ck_assert_int_eq(dotenv_load("/nonexistent/.env", false, &loaded, &e),
			 RV_OK);
	ck_assert(!loaded);
	/* a NUL ended the value early ("K=ab<NUL>cd" was "ab") */
	f = fopen(path, "w");
	fwrite("OK=1\nRVT_NUL=ab\0cd\n", 1, 20, f);
	fclose(f);
	ck_assert_int_eq(dotenv_load(path, true, NULL, &e), RV_ERR_CONFIG);
	ck_assert_msg(strstr(e.msg, "line 2 of env file") &&
		      strstr(e.msg, "NUL byte"), "%s", e.msg);
	ck_assert(dotenv_name_is_secret("DAYTONA_API_KEY"));
	ck_assert(dotenv_name_is_secret("github_token"));
	ck_assert(!dotenv_name_is_secret("PATH"));
	/* the whole name: past 127 bytes it was not looked at */
	{
		char name[300];

		memset(name, 'A', 200);
		strcpy(name + 200, "_TOKEN=x");
		ck_assert(dotenv_name_is_secret(name));
		name[200] = '=';
		ck_assert(!dotenv_name_is_secret(name));
	}
	free(path);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

static void judge(struct rollout *r, long status, const char *body)
{
	memset(r, 0, sizeof(*r));
	rollout_more(r)->tcid_text = rv_xstrdup("tc-1");
	rollout_judge(r, status, body, strlen(body));
}

/* rollout_tcid() writes what snprintf wrote into the 80-byte buffer the
   record had: the same text, cut alike */
START_TEST(test_rollout_tcid_is_snprintfs)
{
	static const char *const jobs[] = {
		"20261206T083947Z-fac1e0", "job", "",
		"a-job-id-long-enough-that-the-seed-and-the-nonce-are-cut-x",
		"a-job-id-so-long-that-even-its-own-text-is-cut-off-before-the-"
		"seed-is-reached-at-all",
	};
	static const long seeds[] = { 0, 7, 99999, -12, 9223372036854775807L };
	static const uint32_t nonces[] = { 0, 0xabcdef, 0xffffffffu, 42 };
	char want[80], buf[ROLLOUT_TCID_MAX + 1];
	struct rollout r;

	memset(&r, 0, sizeof(r));
	ck_assert_ptr_null(rollout_tcid(&r, buf));
	for (size_t j = 0; j < sizeof(jobs) / sizeof(*jobs); j++)
		for (size_t s = 0; s < sizeof(seeds) / sizeof(*seeds); s++)
			for (size_t k = 0; k < 4; k++) {
				r.tcid_job = jobs[j];
				r.seed = seeds[s];
				r.tcid_nonce = nonces[k];
				snprintf(want, sizeof(want),
					 "runeval_%s_seed%ld_%08x", jobs[j],
					 seeds[s], (unsigned)nonces[k]);
				ck_assert_str_eq(rollout_tcid(&r, buf), want);
			}
	rollout_more(&r)->tcid_text = rv_xstrdup("from-an-earlier-run");
	ck_assert_str_eq(rollout_tcid(&r, buf), "from-an-earlier-run");
	rollout_release(&r);
	ck_assert_ptr_null(r.more);
}
END_TEST

START_TEST(test_rollout_judge)
{
	struct rollout r;

	judge(&r, 200, "{\"trace_correlation_id\":\"tc-1\",\"reward_info\":"
	      "{\"outcome_reward\":0.25,\"details\":{\"a\":1}},"
	      "\"success_status\":\"success\",\"status_detail\":\"3/4\"}");
	ck_assert(r.ok);
	ck_assert(fabs(r.reward - 0.25) < 1e-12);
	ck_assert_str_eq(rollout_success_status(&r), "success");
	ck_assert_str_eq(rollout_status_detail(&r), "3/4");
	ck_assert_str_eq(r.details, "{\"a\":1}");
	{	/* the words few values take are one copy for every record
		   (rollouts.h); the detail is each record's own */
		struct rollout r2;
		const char *body = "{\"trace_correlation_id\":\"tc-1\","
			"\"reward_info\":{\"outcome_reward\":1,\"details\":"
			"{\"task_name\":\"sort\",\"difficulty\":\"easy\"}},"
			"\"success_status\":\"success\",\"status_detail\":"
			"\"3/4\"}";

		judge(&r2, 200, body);
		ck_assert_ptr_eq(rollout_success_status(&r2),
				 rollout_success_status(&r));
		ck_assert_str_eq(rollout_task(&r2), "sort");
		ck_assert_str_eq(rollout_difficulty(&r2), "easy");
		ck_assert_ptr_ne(rollout_status_detail(&r2),
				 rollout_status_detail(&r));
		rollout_release(&r2);
		judge(&r2, 200, body);
		ck_assert_ptr_eq(rollout_task(&r2), rv_intern("sort", 64));
		ck_assert_str_eq(rollout_status_detail(&r2), "3/4");
		rollout_release(&r2);
	}
	rollout_release(&r);
	judge(&r, 200, "{\"metrics\":{\"outcome_reward\":1}}");
	ck_assert(r.ok && r.reward == 1.0);
	rollout_release(&r);
	judge(&r, 200, "{\"trace_correlation_id\":\"other\","
	      "\"reward_info\":{\"outcome_reward\":1}}");
	ck_assert(!r.ok);
	ck_assert_msg(strstr(r.error, "mismatch"), "%s", r.error);
	rollout_release(&r);
	judge(&r, 200, "[1]");
	ck_assert_msg(strstr(r.error, "expected an object, got array"), "%s",
		      r.error);
	rollout_release(&r);
	judge(&r, 503, "busy\nsecond line");
	ck_assert_str_eq(r.error, "HTTP 503: busy");
	ck_assert_int_eq(r.http_status, 503);
	rollout_release(&r);
	judge(&r, 200, "{\"foo\":1}");
	ck_assert_msg(strstr(r.error, "missing reward"), "%s", r.error);
	rollout_release(&r);
	{	/* oversized details are replaced by a note of their size */
		char *big = malloc(20000), *body;

		memset(big, 'x', 19999);
		big[19999] = '\0';
		body = rv_xasprintf("{\"reward_info\":{\"outcome_reward\":1,"
				    "\"details\":{\"out\":\"%s\"}}}", big);
		judge(&r, 200, body);
		ck_assert(r.ok);
		ck_assert_msg(strstr(r.details, "\"truncated\":true"), "%.80s",
			      r.details);
		rollout_release(&r);
		free(body);
		free(big);
	}
}
END_TEST

/* A reward: ok with its value, or failed with why (NULL: ok). */
static void judge_reward(const char *reward, const char *why, double want)
{
	char *body = rv_xasprintf("{\"trace_correlation_id\":\"tc-1\","
				  "\"reward_info\":{\"outcome_reward\":%s}}",
				  reward);
	struct rollout r;

	judge(&r, 200, body);
	if (why) {
		ck_assert_msg(!r.ok && r.error && strstr(r.error, why),
			      "reward %s: %s", reward, r.error);
	} else {
		ck_assert_msg(r.ok, "reward %s: %s", reward, r.error);
		ck_assert(r.reward == want);
	}
	rollout_release(&r);
	free(body);
}

START_TEST(test_rollout_judge_rejects_bad_numbers)
{
	/* the range: finite, within -1e9 and 1e9 */
	judge_reward("1e9", NULL, 1e9);
	judge_reward("-1e9", NULL, -1e9);
	judge_reward("-0.5", NULL, -0.5);
	judge_reward("1e308", "reward_info.outcome_reward 1e+308 is out of "
		     "range: a reward must be within -1e9 and 1e9", 0);
	judge_reward("-1e308", "out of range", 0);
	judge_reward("1000000001", "out of range", 0);
	judge_reward("9223372036854775807", "out of range", 0);
	/* not JSON numbers at all: a malformed answer, named */
	judge_reward("NaN", "malformed JSON", 0);
	judge_reward("Infinity", "malformed JSON", 0);
	judge_reward("-Infinity", "malformed JSON", 0);
	judge_reward("1e400", "real number overflow", 0);
	judge_reward("-1e400", "real number overflow", 0);
	judge_reward("123456789012345678901234567890", "too big integer", 0);
}
END_TEST

/*
 * A record read back (a resume's seed log) keeps the engine's limits: a
 * reward it would never take is no record, details past the cap are cut
 * as the engine cuts them.
 */
START_TEST(test_rollout_json_read_keeps_the_engines_limits)
{
	static const char *const bad[] = { "1e308", "-1e308", "1000000001" };
	struct rv_err e = RV_ERR_INIT;
	struct rollout r;
	json_t *o;
	char *big;

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char text[128];

		snprintf(text, sizeof(text), "{\"seed\":3,\"ok\":true,"
			 "\"reward\":%s}", bad[i]);
		o = json_loads(text, 0, NULL);
		ck_assert_int_eq(rollout_json_read(o, &r, &e), RV_ERR_PROTO);
		ck_assert_msg(strstr(e.msg, "outside -1e9..1e9"), "%s", e.msg);
		rollout_release(&r);
		json_decref(o);
	}
	big = rv_xmalloc(ROLLOUT_DETAILS_MAX + 1);
	memset(big, 'x', ROLLOUT_DETAILS_MAX);
	big[ROLLOUT_DETAILS_MAX] = '\0';
	o = json_pack("{s:i, s:b, s:f, s:{s:s}}", "seed", 3, "ok", 1,
		      "reward", 1e9, "details", "log", big);
	ck_assert_int_eq(rollout_json_read(o, &r, &e), RV_OK);
	ck_assert_double_eq(r.reward, 1e9);
	ck_assert_msg(r.details && strstr(r.details, "\"truncated\":true"),
		      "%.80s", r.details ? r.details : "(null)");
	rollout_release(&r);
	json_decref(o);
	free(big);
}
END_TEST

/* What an answer says beside the reward, read defensively. */
START_TEST(test_answer_fields)
{
	struct rollout r;
	char *body, *longs = malloc(3001);

	memset(longs, 'a', 3000);
	longs[3000] = '\0';
	/* the first spelling wins; a status of another type is "invalid" */
	judge(&r, 200, "{\"reward_info\":{\"outcome_reward\":0.5,"
	      "\"outcome_objectives\":{\"reward\":0.9},\"details\":{"
	      "\"task\":\"t1\",\"difficulty_split\":\"hard\",\"usage\":{"
	      "\"input_tokens\":5,\"output_tokens\":2.5,\"total_tokens\":-3}}},"
	      "\"success_status\":{\"x\":1}}");
	ck_assert(r.ok && r.reward == 0.5);
	ck_assert_str_eq(rollout_reward_source(&r),
			 "reward_info.outcome_reward");
	ck_assert_str_eq(rollout_success_status(&r), ANSWER_INVALID_STATUS);
	ck_assert_str_eq(rollout_task(&r), "t1");
	ck_assert_str_eq(rollout_difficulty(&r), "hard");
	ck_assert_int_eq(rollout_tokens(&r)[0], 5);
	ck_assert_int_eq(rollout_tokens(&r)[1], -1);	/* not whole */
	ck_assert_int_eq(rollout_tokens(&r)[2], -1);	/* negative */
	rollout_release(&r);
	/* long strings are cut at a character boundary; tokens elsewhere */
	body = rv_xasprintf("{\"metrics\":{\"outcome_score\":1,\"details\":{"
			    "\"task_name\":\"%s\",\"tokens\":1e13}},"
			    "\"success_status\":\"%s\",\"status_detail\":"
			    "\"%s\",\"usage\":{\"total_tokens\":42}}", longs,
			    longs, longs);
	judge(&r, 200, body);
	ck_assert(r.ok);
	ck_assert_uint_eq(strlen(rollout_success_status(&r)),
			  ANSWER_STATUS_MAX + 3);
	ck_assert_uint_eq(strlen(rollout_task(&r)), ANSWER_NAME_MAX + 3);
	ck_assert_uint_eq(strlen(rollout_status_detail(&r)),
			  ANSWER_DETAIL_MAX + 3);
	ck_assert_int_eq(rollout_tokens(&r)[2], 42);	/* 1e13: out of range */
	rollout_release(&r);
	free(body);
	body = rv_xasprintf("{\"reward_info\":{\"outcome_reward\":1},"
			    "\"success_status\":\"%.62s\\u00e9\u00e9\"}", longs);
	judge(&r, 200, body);	/* 62 + 2 + 2 bytes: the second é is cut */
	ck_assert_str_eq(rollout_success_status(&r) + 62, "\xc3\xa9...");
	rollout_release(&r);
	free(body);
	free(longs);
}
END_TEST

/* A status detail is the record's own, short or long, replaced and
   cleared without a leak (ASan, valgrind: the slab gives each record
   its own allocation there). */
START_TEST(test_rollout_status_detail_owned)
{
	struct rollout r;
	char long_text[64];

	memset(&r, 0, sizeof(r));
	rollout_set_status_detail(&r, NULL);
	ck_assert_ptr_null(r.more);	/* nothing to keep: no more */
	rollout_set_status_detail(&r, rv_xstrdup("Tests: 3/7"));
	ck_assert_str_eq(rollout_status_detail(&r), "Tests: 3/7");
	memset(long_text, 'd', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	rollout_set_status_detail(&r, rv_xstrdup(long_text));
	ck_assert_str_eq(rollout_status_detail(&r), long_text);
	rollout_set_status_detail(&r, rv_xstrdup("23 bytes of detail text"));
	ck_assert_str_eq(rollout_status_detail(&r), "23 bytes of detail text");
	rollout_set_status_detail(&r, rv_xstrdup(""));
	ck_assert_str_eq(rollout_status_detail(&r), "");
	rollout_set_status_detail(&r, rv_xstrdup(long_text));
	rollout_release(&r);
	ck_assert_ptr_null(r.more);
	rollout_set_status_detail(&r, rv_xstrdup("ok"));
	rollout_set_status_detail(&r, NULL);
	ck_assert_ptr_null(rollout_status_detail(&r));
	rollout_release(&r);
}
END_TEST

START_TEST(test_eval_plan_epochs_and_repeats)
{
	struct cli_options o;
	struct rv_err e = RV_ERR_INIT;
	struct rollout *rs;
	size_t n;

	ck_assert_int_eq(parse(&o, &e, "--local", "--seed-list", "7,3,7",
			       "--epochs", "2", NULL), RV_OK);
	rs = eval_plan(&o, &n);
	ck_assert_uint_eq(n, 6);
	/* epoch by epoch, in the order given; the repeat of 7 is epochs 3-4 */
	ck_assert_int_eq(rs[0].seed, 7);
	ck_assert_uint_eq(rs[0].epoch, 1);
	ck_assert_int_eq(rs[1].seed, 3);
	ck_assert_uint_eq(rs[1].epoch, 1);
	ck_assert_uint_eq(rs[2].epoch, 3);
	ck_assert_uint_eq(rs[3].epoch, 2);
	ck_assert_uint_eq(rs[5].epoch, 4);
	free(rs);
	cli_options_release(&o);
	ck_assert_int_eq(parse(&o, &e, "--local", "--seeds", "2", "--allow-status",
			       "timeout", "--allow-status", "apply_failed,x-1",
			       NULL), RV_OK);
	ck_assert(cli_status_allowed(&o, "timeout"));
	ck_assert(cli_status_allowed(&o, "apply_failed"));
	ck_assert(cli_status_allowed(&o, "x-1"));
	ck_assert(cli_status_allowed(&o, "success"));
	ck_assert(cli_status_allowed(&o, NULL));
	ck_assert(!cli_status_allowed(&o, "failure"));
	cli_options_release(&o);
}
END_TEST

START_TEST(test_spans_sort_and_offsets)
{
	struct spans s;
	size_t i;

	spans_init(&s);
	i = spans_begin(&s, "start", "local-0", -1);
	spans_end(&s, i, RV_OK, 0, NULL);
	spans_add(&s, "rollout", "local-0", 1, s.t0_ns + 50, s.t0_ns + 90,
		  false, 1, "boom");
	spans_add(&s, "rollout", "local-0", 0, s.t0_ns + 20, s.t0_ns + 80,
		  true, 1, NULL);
	spans_sort(&s);
	ck_assert_str_eq(s.v[0].phase, "rollout");
	ck_assert_int_eq(s.v[0].seed, 0);
	ck_assert_int_eq(s.v[1].seed, 1);
	ck_assert_str_eq(s.v[1].error, "boom");
	ck_assert_str_eq(s.v[2].phase, "start");
	ck_assert_uint_eq(s.v[2].attempts, 1);
	ck_assert(s.v[2].ok && !s.v[2].error);
	ck_assert(spans_offset_ms(&s, s.t0_ns + 2000000) == 2.0);
	spans_release(&s);
}
END_TEST

/* Rollout spans come from the records: each try, in start order among
   the phase spans; a try of an earlier run (no start) and a record never
   run make none. */
START_TEST(test_timeline_merges_tries_and_phases)
{
	struct rollout r[3];
	struct rollout_try *x;
	struct spans s;
	struct timeline t;
	const struct span *sp;
	size_t i;

	memset(r, 0, sizeof(r));
	spans_init(&s);
	i = spans_begin(&s, "health", "sb-1", -1);
	s.v[i].start_ns = s.t0_ns + 10;
	s.v[i].end_ns = s.t0_ns + 40;
	s.v[i].ok = true;
	spans_add(&s, "teardown", "sb-1", -1, s.t0_ns + 500, s.t0_ns + 600,
		  true, 1, NULL);
	r[0].seed = 7;		/* tried on sb-0 (failed), then sb-1 */
	r[0].ok = true;
	r[0].sandbox = "sb-1";
	r[0].start_ns = s.t0_ns + 300;
	r[0].end_ns = s.t0_ns + 350;
	x = rollout_more(&r[0])->tries = rv_xcalloc(2, sizeof(*x));
	r[0].more->n_tries = 2;
	x[0].sandbox = "old";
	x[0].ms = 5;		/* an earlier run's: no start, no span */
	x[1].sandbox = "sb-0";
	x[1].start_ns = s.t0_ns + 50;
	x[1].ms = 1e-4;
	x[1].error = rv_xstrdup("connection reset");
	r[1].seed = 8;		/* failed without a message */
	r[1].start_ns = s.t0_ns + 100;
	r[1].end_ns = s.t0_ns + 200;
	r[1].sandbox = "sb-1";
	r[2].seed = 9;		/* never run */
	timeline_init(&t, &s, r, 3);
	ck_assert_uint_eq(timeline_count(&t), 5);
	ck_assert_str_eq(timeline_next(&t)->phase, "health");
	sp = timeline_next(&t);
	ck_assert_str_eq(sp->phase, "rollout");
	ck_assert_str_eq(sp->sandbox, "sb-0");
	ck_assert_int_eq(sp->seed, 7);
	ck_assert(!sp->ok);
	ck_assert_str_eq(sp->error, "connection reset");
	ck_assert_uint_eq(sp->end_ns - sp->start_ns, 100);
	sp = timeline_next(&t);
	ck_assert_int_eq(sp->seed, 8);
	ck_assert(!sp->ok);
	ck_assert_str_eq(sp->error, "failed");
	sp = timeline_next(&t);
	ck_assert_int_eq(sp->seed, 7);
	ck_assert(sp->ok && !sp->error);
	ck_assert_str_eq(sp->sandbox, "sb-1");
	ck_assert_uint_eq(sp->end_ns, s.t0_ns + 350);
	ck_assert_str_eq(timeline_next(&t)->phase, "teardown");
	ck_assert_ptr_null(timeline_next(&t));
	timeline_release(&t);
	rollout_release(&r[0]);
	spans_release(&s);
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_cli_defaults_and_values);
	tcase_add_test(tc, test_cli_rejects_bad_values);
	tcase_add_test(tc, test_cli_seed_lists);
	tcase_add_test(tc, test_answer_fields);
	tcase_add_test(tc, test_rollout_status_detail_owned);
	tcase_add_test(tc, test_eval_plan_epochs_and_repeats);
	tcase_add_test(tc, test_dotenv_syntax_and_no_override);
	tcase_add_test(tc, test_rollout_tcid_is_snprintfs);
	tcase_add_test(tc, test_rollout_judge);
	tcase_add_test(tc, test_rollout_judge_rejects_bad_numbers);
	tcase_add_test(tc, test_rollout_json_read_keeps_the_engines_limits);
	tcase_add_test(tc, test_spans_sort_and_offsets);
	tcase_add_test(tc, test_timeline_merges_tries_and_phases);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(cli_suite()) ? 1 : 0;
}
