/*
 * seedq: the job's seed queue (work stealing, retries with backoff,
 * requeues, --max-failures) as a unit, and the rollout JSON records it
 * feeds (written as text, read back by a resume).
 */
#include "testutil.h"

#include "rollout_json.h"
#include "rollouts.h"
#include "rv_alloc.h"
#include "seedlog.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_intern.h"
#include "seedq.h"

#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static struct rollout rs[8];

static void setup(void)
{
	memset(rs, 0, sizeof(rs));
	for (long i = 0; i < 8; i++)
		rs[i].seed = i;
}

static struct seedq_policy policy(unsigned retries, long max_failures)
{
	return (struct seedq_policy){ .retries = retries, .backoff_base_ms = 1,
				      .backoff_cap_ms = 2,
				      .max_failures = max_failures };
}

/* Indices come out in seed order; a finished one is final. */
START_TEST(test_seedq_hands_out_in_order)
{
	struct seedq q;
	struct seedq_policy p = policy(0, -1);
	uint64_t wait;

	seedq_init(&q, rs, 8, &p);
	for (long i = 0; i < 8; i++)
		ck_assert_int_eq(seedq_take(&q, rv_now_ns(), &wait), i);
	ck_assert_int_eq(seedq_take(&q, rv_now_ns(), &wait), -1);
	ck_assert(wait == UINT64_MAX);
	ck_assert(seedq_more(&q));	/* 8 in flight */
	for (size_t i = 0; i < 8; i++) {
		rs[i].ok = true;
		ck_assert_int_eq(seedq_finish(&q, i, SEEDQ_DONE), SEEDQ_DONE);
		ck_assert_int_eq(rs[i].state, ROLLOUT_DONE);
	}
	ck_assert(!seedq_more(&q));
	seedq_release(&q);
}
END_TEST

/* A transient failure comes back after its backoff, retries times. */
START_TEST(test_seedq_retries_after_backoff_then_final)
{
	struct seedq q;
	struct seedq_policy p = policy(2, -1);
	uint64_t wait;
	long i;

	p.backoff_base_ms = 30;
	p.backoff_cap_ms = 30;
	seedq_init(&q, rs, 1, &p);
	ck_assert_int_eq(seedq_take(&q, rv_now_ns(), &wait), 0);
	ck_assert_int_eq(seedq_finish(&q, 0, SEEDQ_RETRY), SEEDQ_RETRY);
	ck_assert_int_eq(rs[0].state, ROLLOUT_PENDING);
	/* not before its time: a little later it is still waiting */
	i = seedq_take(&q, rv_now_ns() - 1000 * RV_NS_PER_MS, &wait);
	ck_assert_int_eq(i, -1);
	ck_assert(wait != UINT64_MAX);
	ck_assert_int_eq(seedq_take(&q, rv_now_ns() + 60 * RV_NS_PER_MS,
				    &wait), 0);
	ck_assert_int_eq(seedq_finish(&q, 0, SEEDQ_RETRY), SEEDQ_RETRY);
	ck_assert_int_eq(seedq_take(&q, rv_now_ns() + 60 * RV_NS_PER_MS,
				    &wait), 0);
	/* out of retries: final, and failed */
	ck_assert_int_eq(seedq_finish(&q, 0, SEEDQ_RETRY), SEEDQ_DONE);
	ck_assert_uint_eq(rs[0].retries, 2);
	ck_assert_uint_eq(seedq_failed(&q), 1);
	ck_assert(!seedq_more(&q));
	seedq_release(&q);
}
END_TEST

/* A lost sandbox's rollout goes to the front, at once. */
START_TEST(test_seedq_requeue_goes_first)
{
	struct seedq q;
	struct seedq_policy p = policy(0, -1);
	uint64_t wait;

	seedq_init(&q, rs, 4, &p);
	ck_assert_int_eq(seedq_take(&q, rv_now_ns(), &wait), 0);
	ck_assert_int_eq(seedq_take(&q, rv_now_ns(), &wait), 1);
	ck_assert_int_eq(seedq_finish(&q, 1, SEEDQ_REQUEUE), SEEDQ_REQUEUE);
	ck_assert_int_eq(seedq_take(&q, rv_now_ns(), &wait), 1);
	ck_assert_int_eq(seedq_take(&q, rv_now_ns(), &wait), 2);
	/* requeues are bounded */
	for (int k = 0; k < SEEDQ_MAX_REQUEUES - 1; k++) {
		ck_assert_int_eq(seedq_finish(&q, 1, SEEDQ_REQUEUE),
				 SEEDQ_REQUEUE);
		ck_assert_int_eq(seedq_take(&q, rv_now_ns(), &wait), 1);
	}
	ck_assert_int_eq(seedq_finish(&q, 1, SEEDQ_REQUEUE), SEEDQ_DONE);
	seedq_release(&q);
}
END_TEST

static void count_wake(void *arg)
{
	(*(int *)arg)++;
}

/* More final failures than --max-failures: it stops, waking workers. */
START_TEST(test_seedq_max_failures_stops)
{
	struct seedq q;
	struct seedq_policy p = policy(0, 1);
	uint64_t wait;
	int woken = 0;
	char why[160];

	seedq_init(&q, rs, 8, &p);
	seedq_watch(&q, count_wake, &woken);
	ck_assert_int_eq(seedq_take(&q, rv_now_ns(), &wait), 0);
	ck_assert_int_eq(seedq_take(&q, rv_now_ns(), &wait), 1);
	seedq_finish(&q, 0, SEEDQ_DONE);	/* failed: 1, allowed */
	ck_assert(!seedq_stopped(&q, NULL, 0));
	seedq_finish(&q, 1, SEEDQ_DONE);	/* 2 > 1: stop */
	ck_assert(seedq_stopped(&q, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "'--max-failures'"));
	ck_assert_int_eq(woken, 1);
	ck_assert_int_eq(seedq_take(&q, rv_now_ns(), &wait), -1);
	ck_assert(!seedq_more(&q));
	seedq_unwatch(&q, &woken);
	seedq_release(&q);
}
END_TEST

/* A record with earlier tries, as text and back. */
START_TEST(test_rollout_json_round_trip)
{
	struct rollout r = { .seed = 7, .ok = true, .reward = 0.5,
			     .state = ROLLOUT_DONE, .http_status = 200,
			     .attempts = 2, .start_ns = 1000,
			     .end_ns = 1000 + 2500000 };
	struct rollout back;
	struct rollout_more *m = rollout_more(&r);
	struct rv_err e = RV_ERR_INIT;
	struct rv_buf b = RV_BUF_INIT;
	size_t n;
	json_t *v;

	r.sandbox = "sb-\"1\"";
	r.details = strdup("{\"a\":[1,2]}");
	m->run = 1;
	m->success_status = rv_intern("success\x01\xff", SIZE_MAX);
	m->tries = calloc(1, sizeof(*m->tries));
	m->n_tries = 1;
	m->tries[0].sandbox = "sb-0";
	m->tries[0].ms = 12.5;
	m->tries[0].http_status = 502;
	m->tries[0].error = strdup("HTTP 502");
	rollout_json_add(&b, &r, "default", NULL, NULL);
	v = json_loads(b.data, 0, NULL);
	ck_assert_msg(v, "not JSON: %s", b.data);
	ck_assert_str_eq(json_string_value(json_object_get(v,
			 "success_status")), "success\x01\xef\xbf\xbd");
	ck_assert_int_eq(rollout_json_read(v, &back, &e), RV_OK);
	ck_assert_int_eq(back.seed, 7);
	ck_assert(back.ok);
	ck_assert(fabs(back.reward - 0.5) < 1e-12);
	ck_assert_str_eq(back.sandbox, "sb-\"1\"");
	ck_assert_str_eq(back.details, "{\"a\":[1,2]}");
	ck_assert_uint_eq(back.attempts, 2);
	ck_assert_uint_eq(rollout_run(&back), 1);
	ck_assert_uint_eq(back.http_status, 200);
	ck_assert_ptr_nonnull(rollout_tries(&back, &n));
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(rollout_tries(&back, &n)[0].http_status, 502);
	ck_assert_str_eq(rollout_tries(&back, &n)[0].error, "HTTP 502");
	ck_assert(fabs(rv_ns_to_ms(back.end_ns - back.start_ns) - 2.5) <
		  1e-6);
	json_decref(v);
	rollout_release(&back);
	rollout_release(&r);
	rv_buf_release(&b);
}
END_TEST

/* r as the seed log writes it, with details read back through rd. */
static char *record_text(const struct rollout *r, struct seedlog_reader *rd)
{
	struct rv_buf b = RV_BUF_INIT;

	rollout_json_add(&b, r, "sb", rd, NULL);
	return b.data;
}

/*
 * Long details of records with a `more` move to the seed log once
 * their lines are flushed, and read back byte for byte; short ones, and
 * those of records without a `more`, stay.  A log that no longer holds
 * them gives null, never other bytes.
 */
START_TEST(test_seedlog_moves_details_out)
{
	char *dir = tu_tmpdir(), *path, *want[4], *got, was[1];
	struct rollout recs[4];
	struct seedlog *l;
	struct seedlog_reader *rd;
	struct seedlog_state st;
	struct rv_err e = RV_ERR_INIT;
	json_t *config = json_object();
	int fd;

	memset(recs, 0, sizeof(recs));
	for (int i = 0; i < 4; i++) {
		char *pad = calloc(1, 300);

		memset(pad, 'a' + i, i == 2 ? 20 : 200);
		recs[i].seed = i;
		recs[i].epoch = 1;
		recs[i].ok = true;
		recs[i].state = ROLLOUT_DONE;
		recs[i].attempts = 1;
		recs[i].details = rv_xasprintf("{\"pad\":\"%s\",\"q\":"
					     "\"\\\"details\\\":{\"}", pad);
		if (i != 1)
			rollout_more(&recs[i])->success_status =
				rv_intern("ok", SIZE_MAX);
		free(pad);
		want[i] = record_text(&recs[i], NULL);
	}
	ck_assert_int_eq(seedlog_open(dir, -1, "job-1", 0, config, &l, &e), RV_OK);
	for (int i = 0; i < 4; i++)
		seedlog_add(l, &recs[i]);
	seedlog_close(l);
	ck_assert_ptr_null(recs[0].details);
	ck_assert_ptr_null(recs[3].details);
	ck_assert(recs[0].more->details_at && recs[3].more->details_at);
	ck_assert_ptr_nonnull(recs[1].details);	/* no more */
	ck_assert_ptr_nonnull(recs[2].details);	/* short */
	rd = seedlog_reader_open(dir, -1);
	ck_assert_ptr_nonnull(rd);
	for (int i = 3; i >= 0; i--) {
		got = record_text(&recs[i], rd);
		ck_assert_str_eq(got, want[i]);
		free(got);
	}
	seedlog_reader_close(rd);
	/* without a reader, and from a log changed under it: null */
	got = record_text(&recs[0], NULL);
	ck_assert_ptr_nonnull(strstr(got, "\"details\":null"));
	free(got);
	path = rv_xasprintf("%s/%s", dir, SEEDLOG_NAME);
	fd = open(path, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, "[", 1,
				(off_t)(recs[3].more->details_at - 1)), 1);
	close(fd);
	rd = seedlog_reader_open(dir, -1);
	got = record_text(&recs[3], rd);
	ck_assert_ptr_nonnull(strstr(got, "\"details\":null"));
	free(got);
	got = record_text(&recs[0], rd);
	ck_assert_str_eq(got, want[0]);
	free(got);
	seedlog_reader_close(rd);
	/* one byte inside them changed, the shape whole: the checksum
	   says they are not what went out */
	fd = open(path, O_RDWR);
	ck_assert_int_eq(pread(fd, was, 1, (off_t)(recs[0].more->details_at +
						     8)), 1);
	ck_assert_int_eq(pwrite(fd, was[0] == 'Q' ? "R" : "Q", 1,
				(off_t)(recs[0].more->details_at + 8)), 1);
	rd = seedlog_reader_open(dir, -1);
	got = record_text(&recs[0], rd);
	ck_assert_ptr_nonnull(strstr(got, "\"details\":null"));
	free(got);
	seedlog_reader_close(rd);
	ck_assert_int_eq(pwrite(fd, was, 1, (off_t)(recs[0].more->details_at +
						    8)), 1);
	close(fd);
	/* the log itself still reads as the records (resume), and those
	   read back leave their details in it too */
	ck_assert_int_eq(pwrite(fd = open(path, O_WRONLY), "{", 1,
				(off_t)(recs[3].more->details_at - 1)), 1);
	close(fd);
	ck_assert_int_eq(seedlog_read(dir, &st, &e), RV_OK);
	ck_assert_uint_eq(st.n, 4);
	ck_assert(!st.rs[0].details && !st.rs[3].details);
	ck_assert_uint_eq(st.rs[3].more->details_at,
			  recs[3].more->details_at);
	ck_assert(st.rs[1].details && st.rs[2].details);
	rd = seedlog_reader_open(dir, -1);
	for (int i = 0; i < 4; i++) {
		got = record_text(&st.rs[i], rd);
		ck_assert_str_eq(got, want[i]);
		free(got);
	}
	seedlog_reader_close(rd);
	seedlog_state_release(&st);
	/* a line that is not the record written again (spaces here: a
	   hand-edited log) keeps its details in memory */
	fd = open(path, O_WRONLY | O_APPEND);
	got = rv_xasprintf("{ %s\n", want[0] + 1);
	ck_assert_int_eq(write(fd, got, strlen(got)), (ssize_t)strlen(got));
	free(got);
	close(fd);
	ck_assert_int_eq(seedlog_read(dir, &st, &e), RV_OK);
	ck_assert_uint_eq(st.n, 4);
	ck_assert_ptr_nonnull(st.rs[0].details);
	got = record_text(&st.rs[0], NULL);
	ck_assert_str_eq(got, want[0]);
	free(got);
	seedlog_state_release(&st);
	for (int i = 0; i < 4; i++) {
		free(want[i]);
		rollout_release(&recs[i]);
	}
	json_decref(config);
	free(path);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* A final record of seed i with details of about size bytes. */
static void long_record(struct rollout *r, long i, size_t size)
{
	char *pad = calloc(1, size + 1);

	memset(pad, 'x', size);
	memset(r, 0, sizeof(*r));
	r->seed = i;
	r->epoch = 1;
	r->ok = true;
	r->state = ROLLOUT_DONE;
	r->attempts = 1;
	r->details = rv_xasprintf("{\"pad\":\"%s\"}", pad);
	rollout_more(r)->success_status = rv_intern("ok", SIZE_MAX);
	free(pad);
}

/*
 * A failed record read back keeps its details: a resume may log it again
 * (not run, when it ends before the seed's turn), and that line must hold
 * them for the next resume.
 */
START_TEST(test_seedlog_failed_record_read_back_keeps_details)
{
	char *dir = tu_tmpdir(), *want, *got;
	struct rollout r;
	struct seedlog *l;
	struct seedlog_state st;
	struct rv_err e = RV_ERR_INIT;
	json_t *config = json_object();

	long_record(&r, 4, 200);
	r.ok = false;
	rollout_fail(&r, "no reward");
	want = record_text(&r, NULL);
	ck_assert_int_eq(seedlog_open(dir, -1, "job-1", 0, config, &l, &e), RV_OK);
	seedlog_add(l, &r);
	seedlog_close(l);
	rollout_release(&r);
	for (unsigned run = 1; run <= 2; run++) {
		ck_assert_int_eq(seedlog_read(dir, &st, &e), RV_OK);
		ck_assert_uint_eq(st.n, 1);
		ck_assert_ptr_nonnull(st.rs[0].details);
		got = record_text(&st.rs[0], NULL);
		ck_assert_str_eq(got, want);
		free(got);
		/* the resume ends before its turn: logged again, as it is */
		ck_assert_int_eq(seedlog_open(dir, -1, "job-1", run, config, &l,
					      &e), RV_OK);
		seedlog_add(l, &st.rs[0]);
		seedlog_close(l);
		seedlog_state_release(&st);
	}
	free(want);
	json_decref(config);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/*
 * A log that cannot be written (a file size limit here, a full disk in
 * life) is turned off, and no record gives up its details, whether the
 * write failed at a flush or inside stdio's own.
 */
START_TEST(test_seedlog_write_error_keeps_details)
{
	enum { N = 300 };
	char *dir = tu_tmpdir();
	struct rollout *recs = calloc(N, sizeof(*recs));
	struct seedlog *l;
	struct rv_err e = RV_ERR_INIT;
	json_t *config = json_object();
	struct rlimit was, small;

	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &was), 0);
	ck_assert_int_eq(seedlog_open(dir, -1, "job-1", 0, config, &l, &e), RV_OK);
	small = was;
	small.rlim_cur = 4096;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	for (long i = 0; i < N - 10; i++) {
		long_record(&recs[i], i, 400);
		seedlog_add(l, &recs[i]);
	}
	/* room again (space freed): the lines stdio dropped stay lost */
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &was), 0);
	for (long i = N - 10; i < N; i++) {
		long_record(&recs[i], i, 400);
		seedlog_add(l, &recs[i]);
	}
	seedlog_close(l);
	for (long i = 0; i < N; i++) {
		ck_assert_msg(recs[i].details != NULL, "seed %ld lost its "
			      "details", i);
		ck_assert_uint_eq(recs[i].more->details_at, 0);
		rollout_release(&recs[i]);
	}
	free(recs);
	json_decref(config);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* A killed run's cut last line is dropped, not glued to the next run's
   header: the log still reads. */
START_TEST(test_seedlog_after_a_cut_line)
{
	char *dir = tu_tmpdir(), *path;
	struct rollout a, b;
	struct seedlog *l;
	struct seedlog_state st;
	struct rv_err e = RV_ERR_INIT;
	json_t *config = json_object();
	FILE *f;

	long_record(&a, 1, 10);
	long_record(&b, 2, 10);
	ck_assert_int_eq(seedlog_open(dir, -1, "job-1", 0, config, &l, &e), RV_OK);
	seedlog_add(l, &a);
	seedlog_close(l);
	path = rv_xasprintf("%s/%s", dir, SEEDLOG_NAME);
	f = fopen(path, "a");
	fputs("{\"seed\":3,\"sandbox\":\"sb\",\"trace_corr", f);
	fclose(f);
	ck_assert_int_eq(seedlog_open(dir, -1, "job-1", 1, config, &l, &e), RV_OK);
	seedlog_add(l, &b);
	seedlog_close(l);
	ck_assert_msg(seedlog_read(dir, &st, &e) == RV_OK, "%s", e.msg);
	ck_assert_uint_eq(st.runs, 2);
	ck_assert_uint_eq(st.n, 2);
	ck_assert_int_eq(st.rs[0].seed, 1);
	ck_assert_int_eq(st.rs[1].seed, 2);
	seedlog_state_release(&st);
	rollout_release(&a);
	rollout_release(&b);
	json_decref(config);
	free(path);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* dir's seed log is job's, with one record. */
static void assert_log_of_one(const char *dir, const char *job)
{
	struct seedlog_state st;
	struct rv_err e = RV_ERR_INIT;

	ck_assert_msg(seedlog_read(dir, &st, &e) == RV_OK, "%s", e.msg);
	ck_assert_str_eq(st.job, job);
	ck_assert_uint_eq(st.n, 1);
	seedlog_state_release(&st);
}

/* A log another job is writing is refused, not truncated under it. */
START_TEST(test_seedlog_held_by_another_is_left_alone)
{
	char *dir = tu_tmpdir();
	struct rollout r;
	struct seedlog *l, *l2 = NULL;
	struct rv_err e = RV_ERR_INIT;
	json_t *config = json_object();

	long_record(&r, 2, 300);
	ck_assert_int_eq(seedlog_open(dir, -1, "job-1", 0, config, &l, &e), RV_OK);
	seedlog_add(l, &r);
	for (unsigned run = 0; run <= 1; run++) {
		ck_assert_int_eq(seedlog_open(dir, -1, run ? "job-1" : "job-2",
					      run, config, &l2, &e),
				 RV_ERR_USAGE);
		ck_assert_ptr_null(l2);
		ck_assert_msg(strstr(e.msg, "in use by another runeval"),
			      "%s", e.msg);
	}
	seedlog_close(l);
	/* the first job's log is whole, its details where it put them */
	ck_assert_ptr_null(r.details);
	assert_log_of_one(dir, "job-1");
	rollout_release(&r);
	json_decref(config);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* A new job over an old job's files (--force) starts its own log. */
START_TEST(test_seedlog_new_job_starts_anew)
{
	char *dir = tu_tmpdir();
	struct rollout a, b;
	struct seedlog *l;
	struct seedlog_state st;
	struct rv_err e = RV_ERR_INIT;
	json_t *config = json_object();

	long_record(&a, 1, 10);
	long_record(&b, 2, 10);
	ck_assert_int_eq(seedlog_open(dir, -1, "old-job", 0, config, &l, &e),
			 RV_OK);
	seedlog_add(l, &a);
	seedlog_close(l);
	ck_assert_int_eq(seedlog_open(dir, -1, "new-job", 0, config, &l, &e),
			 RV_OK);
	seedlog_add(l, &b);
	seedlog_close(l);
	ck_assert_msg(seedlog_read(dir, &st, &e) == RV_OK, "%s", e.msg);
	ck_assert_str_eq(st.job, "new-job");
	ck_assert_uint_eq(st.runs, 1);
	ck_assert_uint_eq(st.n, 1);
	ck_assert_int_eq(st.rs[0].seed, 2);
	seedlog_state_release(&st);
	rollout_release(&a);
	rollout_release(&b);
	json_decref(config);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* No file, no lock: a resume's check makes nothing (seedlog_read
   says what is missing). */
static void assert_no_log_no_lock(const char *dir)
{
	struct rv_err e = RV_ERR_INIT;
	char *path = rv_xasprintf("%s/%s", dir, SEEDLOG_NAME);
	int fd = 7;

	ck_assert_int_eq(seedlog_lock(dir, false, &fd, &e), RV_OK);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_ne(access(path, F_OK), 0);
	free(path);
}

/*
 * The job's lock (seedlog_lock) keeps every other taker out, a job's or
 * a resume's, and the job's own log shares it: it outlives
 * seedlog_close, up to the job's release, and is free after it.
 */
START_TEST(test_seedlog_lock_is_held_by_the_job)
{
	char *dir = tu_tmpdir();
	struct rollout r;
	struct seedlog *l;
	struct rv_err e = RV_ERR_INIT;
	json_t *config = json_object();
	int lock, other = 7;

	assert_no_log_no_lock(dir);
	ck_assert_int_eq(seedlog_lock(dir, true, &lock, &e), RV_OK);
	ck_assert_int_ge(lock, 0);
	long_record(&r, 4, 300);
	ck_assert_msg(seedlog_open(dir, lock, "job-1", 0, config, &l, &e) ==
		      RV_OK, "%s", e.msg);
	seedlog_add(l, &r);
	seedlog_close(l);
	/* details moved out: the job's lock made the log its own */
	ck_assert_ptr_null(r.details);
	for (int create = 0; create <= 1; create++) {
		ck_assert_int_eq(seedlog_lock(dir, create, &other, &e),
				 RV_ERR_USAGE);
		ck_assert_int_eq(other, -1);
		ck_assert_msg(strstr(e.msg, "in use by another runeval") &&
			      strstr(e.msg, SEEDLOG_NAME), "%s", e.msg);
	}
	ck_assert_int_eq(seedlog_open(dir, -1, "job-2", 0, config, &l, &e),
			 RV_ERR_USAGE);
	close(lock);
	ck_assert_int_eq(seedlog_lock(dir, false, &other, &e), RV_OK);
	ck_assert_int_ge(other, 0);
	close(other);
	assert_log_of_one(dir, "job-1");
	rollout_release(&r);
	json_decref(config);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

static Suite *seedq_suite(void)
{
	Suite *s = suite_create("seedq");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_seedq_hands_out_in_order);
	tcase_add_test(tc, test_seedq_retries_after_backoff_then_final);
	tcase_add_test(tc, test_seedq_requeue_goes_first);
	tcase_add_test(tc, test_seedq_max_failures_stops);
	tcase_add_test(tc, test_rollout_json_round_trip);
	tcase_add_test(tc, test_seedlog_moves_details_out);
	tcase_add_test(tc, test_seedlog_write_error_keeps_details);
	tcase_add_test(tc, test_seedlog_failed_record_read_back_keeps_details);
	tcase_add_test(tc, test_seedlog_after_a_cut_line);
	tcase_add_test(tc, test_seedlog_new_job_starts_anew);
	tcase_add_test(tc, test_seedlog_held_by_another_is_left_alone);
	tcase_add_test(tc, test_seedlog_lock_is_held_by_the_job);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(seedq_suite()) ? 1 : 0;
}
