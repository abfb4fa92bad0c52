/*
 * A finished job's renderings made from memory (result_report.c: rows and
 * samples made on demand from the records, never copied) are the ones
 * `runeval report` makes from the job's result.json, byte for byte: a job
 * with epochs, pipeline and transport failures, retried
 * rollouts, tasks and token counts, its times whole microseconds so that
 * result.json's millisecond figures (3 decimals) read back exactly.  Only
 * the time of the rendering itself ("reported ...", generated_utc) may
 * differ.
 */
#include "testutil.h"

#include "appenv.h"
#include "appinfo.h"
#include "cli.h"
#include "outcome.h"
#include "report.h"
#include "result.h"
#include "result_report.h"
#include "rollouts.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_intern.h"
#include "spans.h"
#include "summary.h"

#include <math.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define T0 5000000000ULL	/* the job's start, monotonic ns */
#define US 1000ULL

static const char *const formats[] = {
	"report.md", "junit.xml", "metrics.prom", "waterfall.svg",
	"summary.json", "results.csv", "hyperfine.json",
};

/* s with the rendering's own time blanked: "reported <iso>" and
   "generated_utc": "<iso>". */
static char *unstamped(const char *s)
{
	regex_t re;
	regmatch_t m;
	struct rv_buf b = RV_BUF_INIT;

	ck_assert_int_eq(regcomp(&re, "(reported |\"generated_utc\": \")"
				 "[0-9]{4}-[0-9-]+T[0-9:.]+Z", REG_EXTENDED),
			 0);
	while (regexec(&re, s, 1, &m, 0) == 0) {
		rv_buf_add(&b, s, (size_t)m.rm_so);
		rv_buf_adds(&b, "<time>");
		s += m.rm_eo;
	}
	rv_buf_adds(&b, s);
	regfree(&re);
	return rv_buf_detach(&b, NULL);
}

struct world {
	struct cli_options opt;
	struct spans spans;
	struct rollout *rs;
	struct rollout_try tries[2];
	struct app_info ai;
	struct appenv env;
	struct outcome_shard shards[2];
	struct job_outcome o;
	char *dir, *result;
};

static void rollout_at(struct rollout *r, long seed, unsigned epoch,
		       uint64_t start_us, uint64_t dur_us, const char *sandbox)
{
	memset(r, 0, sizeof(*r));
	r->seed = seed;
	r->epoch = epoch;
	r->state = ROLLOUT_DONE;
	r->ok = true;
	r->attempts = 1;
	r->start_ns = T0 + start_us * US;
	r->end_ns = r->start_ns + dur_us * US;
	r->sandbox = sandbox;
	r->tcid_job = "job-1";
}

static void world_init(struct world *w)
{
	char *argv[] = { "runeval", "--local", "--seed-list", "3,5,7",
			 "--epochs", "2", "--allow-status", "partial", NULL };
	struct rv_err err = RV_ERR_INIT;
	static const char *const sb[] = { "box-a", "box-b" };
	size_t n = 6;

	memset(w, 0, sizeof(*w));
	ck_assert_msg(cli_parse(8, argv, &w->opt, &err) == RV_OK, "%s",
		      err.msg);
	w->dir = tu_tmpdir();
	w->result = rv_xasprintf("%s/result.json", w->dir);
	spans_init(&w->spans);
	w->spans.t0_ns = T0;
	w->spans.wall0_ns = 1765000000123456000ULL;
	spans_add(&w->spans, "start", NULL, -1, T0, T0 + 1500 * US, true, 1,
		  NULL);
	spans_add(&w->spans, "health", "box-a", -1, T0 + 1500 * US,
		  T0 + 2250 * US, true, 3, NULL);
	spans_add(&w->spans, "health", "box-b", -1, T0 + 1600 * US,
		  T0 + 2600 * US, false, 2, "connection refused");
	spans_add(&w->spans, "teardown", NULL, -1, T0 + 90000 * US,
		  T0 + 91125 * US, true, 1, NULL);
	spans_sort(&w->spans);
	w->rs = rv_xcalloc(n, sizeof(*w->rs));
	for (size_t i = 0; i < n; i++)
		rollout_at(&w->rs[i], (long[]){ 3, 5, 7 }[i % 3],
			   (unsigned)(i / 3 + 1), 3000 + 1000 * i,
			   250 + 125 * i, sb[i % 2]);
	w->rs[0].reward = 1;
	w->rs[1].reward = 0.5;
	rollout_more(&w->rs[1])->success_status =
		rv_intern("partial", SIZE_MAX);
	rollout_more(&w->rs[1])->task = rv_intern("sort", SIZE_MAX);
	rollout_more(&w->rs[1])->difficulty = rv_intern("easy", SIZE_MAX);
	rollout_more(&w->rs[1])->tokens[0] = 120;
	rollout_more(&w->rs[1])->tokens[1] = 30;
	w->rs[2].ok = false;	/* a transport failure, after a retry */
	w->rs[2].transport = ROLLOUT_T_HTTP;
	w->rs[2].http_status = 502;
	w->rs[2].error = rv_xstrdup("HTTP 502 from the proxy");
	w->rs[2].attempts = 2;
	w->rs[2].retries = 1;
	/* its first try starts with a phase span */
	w->tries[0] = (struct rollout_try){ "box-b", T0 + 1600 * US, 0.25,
					    503, rv_xstrdup("HTTP 503") };
	rollout_more(&w->rs[2])->tries = &w->tries[0];
	rollout_more(&w->rs[2])->n_tries = 1;
	w->rs[3].reward = 0.25;
	/* a pipeline failure: a status not allowed */
	rollout_more(&w->rs[3])->success_status =
		rv_intern("runtime_error", SIZE_MAX);
	rollout_set_status_detail(&w->rs[3], rv_xstrdup("segfault in 'main'"));
	rollout_more(&w->rs[3])->task = rv_intern("sort", SIZE_MAX);
	w->rs[4].ok = false;	/* timed out, on its second sandbox */
	w->rs[4].transport = ROLLOUT_T_TIMEOUT;
	w->rs[4].error = rv_xstrdup("no answer within 30 s");
	w->rs[4].attempts = 2;
	w->tries[1] = (struct rollout_try){ "box-a", T0 + 6100 * US, 1.5, 0,
					    rv_xstrdup("connection reset") };
	rollout_more(&w->rs[4])->tries = &w->tries[1];
	rollout_more(&w->rs[4])->n_tries = 1;
	w->rs[5].reward = 0.75;
	rollout_more(&w->rs[5])->task = rv_intern("search", SIZE_MAX);
	rollout_more(&w->rs[5])->difficulty = rv_intern("hard", SIZE_MAX);
	rollout_more(&w->rs[5])->tokens[0] = 5;
	rollout_more(&w->rs[5])->tokens[1] = 6;
	rollout_more(&w->rs[5])->tokens[2] = 11;
	for (size_t i = 0; i < 2; i++) {
		w->shards[i].index = (unsigned)i;
		snprintf(w->shards[i].name, sizeof(w->shards[i].name),
			 "local-%zu", i);
		snprintf(w->shards[i].label, sizeof(w->shards[i].label),
			 "%s", sb[i]);
	}
	w->ai.known = true;
	w->ai.name = rv_xstrdup("grader");
	w->ai.version = rv_xstrdup("1.2");
	w->o = (struct job_outcome){
		.id = "job-1", .opt = &w->opt, .provider = "process",
		.mode = "local", .n_sandboxes = 2, .sandbox = "box-a",
		.app_desc = "bundled", .start_cmd = "./start.sh", .port = 8000,
		.appenv = &w->env, .app_info = &w->ai, .out_dir = w->dir,
		.env_config = "{}",
		.policy_config = "{\"policy\":\"reference\"}",
		.result_path = w->result, .log_path = "/dev/null",
		.shards = w->shards, .n_shards = 2, .status = JOB_FAILED,
		.exit_code = 1, .error = "", .failed_phase = RV_PHASE_NONE,
		.spans = &w->spans, .rollouts = w->rs, .n_rollouts = n,
		.end_ns = T0 + 91125 * US,
	};
	strcpy(w->o.key_hint, "3f9a...(64 chars)");
}

static void world_release(struct world *w)
{
	for (size_t i = 0; i < w->o.n_rollouts; i++) {
		struct rollout *r = &w->rs[i];

		if (r->more) {	/* its tries are the world's */
			r->more->tries = NULL;
			r->more->n_tries = 0;
		}
		rollout_release(r);
	}
	for (size_t i = 0; i < 2; i++)
		free(w->tries[i].error);
	free(w->rs);
	app_info_release(&w->ai);
	spans_release(&w->spans);
	cli_options_release(&w->opt);
	tu_rmrf(w->dir);
	free(w->dir);
	free(w->result);
}

START_TEST(test_live_reports_equal_the_reports_of_result_json)
{
	struct world w;
	struct summary s;
	struct rv_err err = RV_ERR_INIT;
	char *again;

	world_init(&w);
	summary_compute(&w.o, &s);
	ck_assert_msg(result_write(&w.o, &s, &err) == RV_OK, "%s", err.msg);
	ck_assert_msg(result_report_write(&w.o, &s.eval, NULL, &err) == RV_OK,
		      "%s", err.msg);
	again = rv_xasprintf("%s/again", w.dir);
	ck_assert_msg(report_write_job(w.result, again, NULL, &err) == RV_OK,
		      "%s", err.msg);
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		char *a = rv_xasprintf("%s/%s", w.dir, formats[i]);
		char *b = rv_xasprintf("%s/%s", again, formats[i]);
		char *x = tu_read_file(a, NULL), *y = tu_read_file(b, NULL);
		char *ux, *uy;
		size_t k;

		ck_assert_msg(x && y, "no %s", formats[i]);
		ux = unstamped(x);
		uy = unstamped(y);
		for (k = 0; ux[k] && ux[k] == uy[k]; k++)
			;
		k = k > 80 ? k - 80 : 0;
		ck_assert_msg(!strcmp(ux, uy), "%s differs at byte %zu:\n"
			      "%.200s\n---\n%.200s", formats[i], k, ux + k,
			      uy + k);
		free(ux);
		free(uy);
		free(x);
		free(y);
		free(a);
		free(b);
	}
	/* what the job is made of reached the renderings */
	{
		char *p = rv_xasprintf("%s/results.csv", w.dir);
		char *csv = tu_read_file(p, NULL);

		ck_assert_msg(strstr(csv, "runtime_error"), "%s", csv);
		ck_assert_msg(strstr(csv, "HTTP 502 from the proxy"), "%s",
			      csv);
		ck_assert_msg(strstr(csv, ",5,1,box-b,sort,easy,"), "%s", csv);
		free(csv);
		free(p);
	}
	free(again);
	summary_release(&s);
	world_release(&w);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("result_report");
	TCase *tc = tcase_create("live");

	tcase_add_test(tc, test_live_reports_equal_the_reports_of_result_json);
	suite_add_tcase(s, tc);
	return tu_run_suite(s);
}
