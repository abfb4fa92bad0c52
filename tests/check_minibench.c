/*
 * Tests of the minibench task set: the registry, seeds, every task's
 * reference and noop candidates compiled with cc against real harnesses
 * and judged by the task app's judge, and the judge against what a
 * hostile program could print.
 */
#include "testutil.h"

#include "minibench.h"
#include "minibench_int.h"
#include "minibench_known.h"
#include "rv_alloc.h"
#include "rv_buf.h"

#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Compile-and-run jobs, run a few at a time. */
struct job {
	char *dir;
	char *cmd;	/* run by sh -c in dir */
	int status;
	int ntests;
	long long seed;
	const struct minibench_task *task;
	struct minibench_tests *tests;	/* the harness and its judge */
};

#define JOBS_PARALLEL 3

static void write_file(const char *dir, const char *name, const char *text)
{
	char *path = rv_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "cannot write '%s'", path);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	free(path);
}

static pid_t job_start(struct job *j)
{
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (chdir(j->dir) != 0)
			_exit(126);
		execl("/bin/sh", "sh", "-c", j->cmd, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void jobs_run(struct job *jobs, int n)
{
	pid_t pids[JOBS_PARALLEL];
	int slot_job[JOBS_PARALLEL], next = 0, running = 0;

	for (int s = 0; s < JOBS_PARALLEL; s++)
		pids[s] = 0;
	while (next < n || running) {
		for (int s = 0; s < JOBS_PARALLEL && next < n; s++) {
			if (pids[s])
				continue;
			slot_job[s] = next;
			pids[s] = job_start(&jobs[next++]);
			running++;
		}
		int status;
		pid_t done = wait(&status);

		ck_assert_int_gt(done, 0);
		for (int s = 0; s < JOBS_PARALLEL; s++) {
			if (pids[s] == done) {
				jobs[slot_job[s]].status = status;
				pids[s] = 0;
				running--;
			}
		}
	}
}

/* A job: a new directory with cand.c (if cand) and other_name, then cmd. */
static void job_setup(struct job *j, const struct minibench_task *t,
		      long long seed, const char *cand, const char *other_name,
		      const char *other, char *cmd)
{
	j->task = t;
	j->seed = seed;
	j->dir = tu_tmpdir();
	j->cmd = cmd;
	if (cand)
		write_file(j->dir, "cand.c", cand);
	write_file(j->dir, other_name, other);
}

/* The harness alone, strictly (driver.c to driver.o). */
#define CC_DRIVER "cc -std=c11 -pedantic -Wall -Wextra -Werror -c driver.c " \
	"2>cc.log"

/* j's tests for (t, seed): the harness source, kept for judging. */
static const char *job_tests(struct job *j, const struct minibench_task *t,
			     long long seed)
{
	j->tests = minibench_tests_new(t, seed);
	ck_assert_ptr_nonnull(j->tests);
	j->ntests = minibench_tests_count(j->tests);
	return minibench_tests_source(j->tests);
}

/* A job compiling candidate source cand against t's harness for seed. */
static void job_prepare(struct job *j, const struct minibench_task *t,
			long long seed, const char *cand, const char *cflags)
{
	const char *drv = job_tests(j, t, seed);

	job_setup(j, t, seed, cand, "driver.c", drv, rv_xasprintf(
		CC_DRIVER " && cc -std=c11 -O0 %s -o prog cand.c driver.o "
		">>cc.log 2>&1 && timeout 20 ./prog >out.txt 2>err.txt",
		cflags));
}

/*
 * A job linking t's harness for seed with objdir/ref.o, running it (to
 * out.txt), and when noop, the same with objdir/noop.o (to noop.txt).
 */
static void job_instance(struct job *j, const struct minibench_task *t,
			 long long seed, const char *objdir, int noop)
{
	const char *drv = job_tests(j, t, seed);
	char *noop_cmd = noop ? rv_xasprintf(
		" && cc -o noop %s/noop.o driver.o >>cc.log 2>&1 && "
		"timeout 20 ./noop >noop.txt 2>/dev/null", objdir) :
		rv_xstrdup("");

	job_setup(j, t, seed, NULL, "driver.c", drv, rv_xasprintf(
		CC_DRIVER " && cc -o ref %s/ref.o driver.o >>cc.log 2>&1 && "
		"timeout 20 ./ref >out.txt 2>err.txt%s", objdir, noop_cmd));
	free(noop_cmd);
}

static char *job_file(const struct job *j, const char *name)
{
	char *path = rv_xasprintf("%s/%s", j->dir, name);
	char *text = tu_read_file(path, NULL);

	free(path);
	return text ? text : rv_xstrdup("");
}

static void job_release(struct job *j)
{
	tu_rmrf(j->dir);
	free(j->dir);
	free(j->cmd);
	minibench_tests_free(j->tests);
}

/*
 * Judge the harness output file name; *report gets the verdict
 * (malloc'ed).  Then parse that verdict: PASS/FAIL lines numbered in
 * order, then RESULT.  NULL when well-formed, else what is wrong
 * (malloc'ed).
 */
static char *job_judge(const struct job *j, const char *name, char **report,
		       int *passed, int *lines, int *r_passed, int *r_total)
{
	char *path = rv_xasprintf("%s/%s", j->dir, name);
	size_t len = 0;
	char *out = tu_read_file(path, &len);
	struct rv_buf b = RV_BUF_INIT;
	char *save = NULL, *bad = NULL, *text;
	int judged;

	judged = minibench_tests_judge(j->tests, out, len, NULL, &b);
	*report = rv_xstrdup(b.data);
	text = rv_buf_detach(&b, NULL);
	*passed = *lines = 0;
	*r_passed = *r_total = -1;
	for (char *l = strtok_r(text, "\n", &save); l && !bad;
	     l = strtok_r(NULL, "\n", &save)) {
		int k;

		if (sscanf(l, "PASS %d", &k) == 1 && k == *lines) {
			(*passed)++;
			(*lines)++;
		} else if (sscanf(l, "FAIL %d:", &k) == 1 && k == *lines) {
			(*lines)++;
		} else if (*r_total >= 0 ||
			   sscanf(l, "RESULT %d %d", r_passed, r_total) != 2) {
			bad = rv_xasprintf("stray line '%s'", l);
		}
	}
	if (!bad && judged != *passed)
		bad = rv_xasprintf("judged %d, reported %d", judged, *passed);
	free(text);
	free(out);
	free(path);
	return bad;
}

/*
 * Check a job ran and its output file name shows want cases passed (-1:
 * all) of all, one line each; NULL when so, else what is wrong
 * (malloc'ed).
 */
static char *job_verdict(const struct job *j, const char *name, int want)
{
	int passed, lines, rp, rt;
	char *bad;

	if (!WIFEXITED(j->status) || WEXITSTATUS(j->status)) {
		char *log = job_file(j, "cc.log");

		bad = rv_xasprintf("'%s' seed %lld: status %d: %s",
				   j->task->id, j->seed, j->status, log);
		free(log);
		return bad;
	}
	char *report;

	bad = job_judge(j, name, &report, &passed, &lines, &rp, &rt);
	if (!bad && want < 0)
		want = j->ntests;
	if (!bad && (passed != want || lines != j->ntests || rp != want ||
		     rt != j->ntests))
		bad = rv_xasprintf("%s: %d/%d passed in %d lines, RESULT %d "
				   "%d:\n%s", name, passed, j->ntests, lines,
				   rp, rt, report);
	free(report);
	if (bad) {
		char *msg = rv_xasprintf("'%s' seed %lld: %s", j->task->id,
					 j->seed, bad);

		free(bad);
		bad = msg;
	}
	return bad;
}

/* Keep the first of the messages (malloc'ed) in *first. */
static void keep_first(char **first, char *bad)
{
	if (bad && !*first)
		*first = bad;
	else
		free(bad);
}

static void jobs_release(struct job *jobs, int n)
{
	for (int i = 0; i < n; i++)
		job_release(&jobs[i]);
	free(jobs);
}

START_TEST(test_minibench_registry)
{
	size_t n = minibench_count();

	ck_assert_uint_ge(n, 24);
	ck_assert_ptr_null(minibench_task(n));
	for (size_t i = 0; i < n; i++) {
		const struct minibench_task *t = minibench_task(i);
		char *call = rv_xasprintf(" %s(", t->id);

		ck_assert_ptr_nonnull(t->name);
		ck_assert_msg(!strcmp(t->difficulty, "easy") ||
			      !strcmp(t->difficulty, "medium") ||
			      !strcmp(t->difficulty, "hard"),
			      "'%s': difficulty '%s'", t->id, t->difficulty);
		ck_assert_msg(strstr(t->signature, call) != NULL,
			      "'%s' is not the function of '%s'", t->id,
			      t->signature);
		ck_assert_ptr_nonnull(strstr(t->prompt, t->signature));
		ck_assert_ptr_nonnull(strstr(t->reference, t->signature));
		ck_assert_ptr_nonnull(strstr(minibench_noop_source(t),
					     t->signature));
		ck_assert_ptr_eq(minibench_find(t->id), t);
		for (size_t k = 0; k < i; k++)
			ck_assert_str_ne(minibench_task(k)->id, t->id);
		free(call);
	}
	ck_assert_ptr_null(minibench_find("no_such_task"));
	ck_assert_ptr_null(minibench_find(NULL));
}
END_TEST

START_TEST(test_minibench_seed_mapping)
{
	long long n = (long long)minibench_count();
	long long seeds[] = {
		0, 1, n - 1, n, 12345, -1, -n, -n - 1, LLONG_MAX, LLONG_MIN,
		LLONG_MIN + 1, 4000000000LL, -4000000000LL,
	};

	for (size_t i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		long long s = seeds[i], want = ((s % n) + n) % n;

		ck_assert_ptr_eq(minibench_for_seed(s),
				 minibench_task((size_t)want));
	}
	ck_assert_ptr_eq(minibench_for_seed(-1), minibench_task((size_t)n - 1));
	ck_assert_ptr_eq(minibench_for_seed(n + 3), minibench_for_seed(3));
}
END_TEST

START_TEST(test_minibench_drivers_vary_with_seed)
{
	size_t n = minibench_count();

	for (size_t i = 0; i < n; i++) {
		const struct minibench_task *t = minibench_task(i);
		long long seeds[] = { (long long)i, (long long)(i + n),
				      -(long long)(i + 7 * n), LLONG_MAX };
		struct minibench_tests *ts[4];
		const char *src[4];
		const char *body = strstr(t->reference, t->signature);

		for (int k = 0; k < 4; k++) {
			int cases;

			ts[k] = minibench_tests_new(t, seeds[k]);
			ck_assert_ptr_nonnull(ts[k]);
			src[k] = minibench_tests_source(ts[k]);
			cases = minibench_tests_count(ts[k]);
			ck_assert_msg(cases >= 5 && cases <= 10,
				      "'%s': %d cases", t->id, cases);
			/* the reference never ships in a harness */
			ck_assert_ptr_null(strstr(src[k],
						  body + strlen(t->signature)));
			for (int m = 0; m < k; m++)
				ck_assert_msg(strcmp(src[m], src[k]) != 0,
					      "'%s': seeds %lld and %lld give "
					      "the same harness", t->id,
					      seeds[m], seeds[k]);
		}
		struct minibench_tests *again = minibench_tests_new(t, seeds[1]);

		ck_assert_str_eq(minibench_tests_source(again), src[1]);
		minibench_tests_free(again);
		for (int k = 0; k < 4; k++)
			minibench_tests_free(ts[k]);
	}
}
END_TEST

START_TEST(test_minibench_foreign_task)
{
	const struct minibench_task *t = minibench_task(3);
	struct minibench_task copy = *t, fake = *t;
	struct minibench_tests *a, *b;

	/* a copy of a record still finds its task */
	a = minibench_tests_new(&copy, 99);
	b = minibench_tests_new(t, 99);
	ck_assert_str_eq(minibench_tests_source(a), minibench_tests_source(b));
	ck_assert_ptr_eq(minibench_noop_source(&copy),
			 minibench_noop_source(t));
	minibench_tests_free(a);
	minibench_tests_free(b);
	fake.id = "no_such_task";
	ck_assert_ptr_null(minibench_tests_new(&fake, 1));
	ck_assert_ptr_null(minibench_noop_source(&fake));
	ck_assert_ptr_null(minibench_tests_new(NULL, 1));
	minibench_tests_free(NULL);
}
END_TEST

/* Generating drivers needs no compiler: many seeds, any seed. */
START_TEST(test_minibench_many_seeds_generate)
{
	long long n = (long long)minibench_count();
	long long per = getenv("RUNEVAL_VALGRIND") ? 3 : 60;

	for (long long s = -per * n; s < per * n; s += 1) {
		long long seed = s % 7 ? s : s * 1000003LL;
		const struct minibench_task *t = minibench_for_seed(seed);
		struct minibench_tests *ts = minibench_tests_new(t, seed);
		int cases = minibench_tests_count(ts);
		char *last = rv_xasprintf("mb_begin(%d);", cases - 1);

		ck_assert_msg(cases >= 5 && cases <= 10, "'%s' seed %lld: %d",
			      t->id, seed, cases);
		ck_assert_ptr_nonnull(strstr(minibench_tests_source(ts), last));
		ck_assert_uint_ge(ts->nchecks, (size_t)cases);
		free(last);
		minibench_tests_free(ts);
	}
}
END_TEST

/* Under valgrind one instance per task; else every task several times. */
static int rounds(void)
{
	return getenv("RUNEVAL_VALGRIND") ? 1 : 5;
}

/*
 * Seeds 0 .. rounds * count - 1: the reference passes every case; on
 * the first three seeds of each task, the noop candidate passes none.
 * References and noops are compiled once per task, then linked.
 */
START_TEST(test_minibench_reference_passes_noop_fails)
{
	int n = (int)minibench_count(), total = n * rounds();
	struct job *objs = rv_xcalloc((size_t)n, sizeof(*objs));
	struct job *jobs = rv_xcalloc((size_t)total, sizeof(*jobs));
	char *first = NULL;

	for (int i = 0; i < n; i++) {
		const struct minibench_task *t = minibench_task((size_t)i);

		job_setup(&objs[i], t, 0, t->reference, "noop.c",
			  minibench_noop_source(t), rv_xstrdup(
			  "cc -std=c11 -pedantic -Wall -Wextra -Werror -c "
			  "cand.c -o ref.o 2>cc.log && cc -std=c11 -w -c "
			  "noop.c -o noop.o >>cc.log 2>&1"));
	}
	jobs_run(objs, n);
	for (int i = 0; i < n; i++)
		ck_assert_msg(WIFEXITED(objs[i].status) &&
			      !WEXITSTATUS(objs[i].status),
			      "'%s': reference or noop does not compile",
			      objs[i].task->id);
	for (int s = 0; s < total; s++)
		job_instance(&jobs[s], minibench_task((size_t)(s % n)), s,
			     objs[s % n].dir, s < 3 * n);
	jobs_run(jobs, total);
	for (int s = 0; s < total; s++) {
		keep_first(&first, job_verdict(&jobs[s], "out.txt", -1));
		if (s < 3 * n)
			keep_first(&first,
				   job_verdict(&jobs[s], "noop.txt", 0));
	}
	jobs_release(jobs, total);
	jobs_release(objs, n);
	ck_assert_msg(first == NULL, "%s", first);
}
END_TEST

/* Every reference against answers known independently. */
/* Does tok occur in hay as a whole number (not inside a longer one)? */
static bool has_number(const char *hay, const char *tok)
{
	size_t n = strlen(tok);

	for (const char *p = strstr(hay, tok); p; p = strstr(p + 1, tok)) {
		char before = p > hay ? p[-1] : ' ';
		char after = p[n];

		if (!isalnum((unsigned char)before) && before != '-' &&
		    before != '_' && before != '.' &&
		    !isalnum((unsigned char)after) && after != '.')
			return true;
	}
	return false;
}

/* Is c's expected value text x a number (else a string or an array)? */
static bool is_number(const struct mb_check *c)
{
	return c->kind == MB_LL || c->kind == MB_ULL;
}

/* Does text x (of check c) occur in hay? */
static bool occurs(const struct mb_check *c, const char *hay, const char *x)
{
	return is_number(c) ? has_number(hay, x) : strstr(hay, x) != NULL;
}

/* The text check c's expected value would have in a harness, or NULL. */
static char *expected_text(const struct mb_check *c, int hex)
{
	struct rv_buf b = RV_BUF_INIT;

	switch (c->kind) {
	case MB_LL:
		if (llabs(c->ll) < 100 || hex)
			return NULL;
		return rv_xasprintf("%lld", c->ll);
	case MB_ULL:
		if (c->ull < 100)
			return NULL;
		return hex ? rv_xasprintf("0x%llx", c->ull) :
			rv_xasprintf("%llu", c->ull);
	case MB_STR:
		if (strlen(c->str) < 2 || hex)
			return NULL;
		return rv_xasprintf("\"%s\"", c->str);
	case MB_INTS:
		if (c->n < 2 || hex)
			return NULL;
		for (size_t i = 0; i < c->n; i++)
			rv_buf_addf(&b, i ? ", %d" : "{%d", c->ints[i]);
		rv_buf_addch(&b, '}');
		return rv_buf_detach(&b, NULL);
	default:
		return NULL;
	}
}

/*
 * The harness handed to a candidate holds no expected value: none of
 * them (the larger numbers, strings, arrays) occurs in its cases unless
 * it is also an input (shown in a check's description; instances whose
 * descriptions abbreviate an array are left out).
 */
START_TEST(test_minibench_harness_holds_no_expected_value)
{
	size_t n = minibench_count();
	int looked = 0;

	for (size_t i = 0; i < n; i++) {
		for (long long s = (long long)i; s < (long long)(i + 5 * n);
		     s += (long long)n) {
			struct minibench_tests *t =
				minibench_tests_new(minibench_task(i), s);
			const char *cases = strstr(minibench_tests_source(t),
						   "int main(void)");
			struct rv_buf descs = RV_BUF_INIT;

			ck_assert_ptr_nonnull(cases);
			for (size_t k = 0; k < t->nchecks; k++)
				rv_buf_addf(&descs, "%s\n", t->checks[k].desc);
			/* arrays shown in part: inputs unknown here */
			if (strstr(descs.data, " more)"))
				rv_buf_reset(&descs);
			for (size_t k = 0; descs.len && k < 2 * t->nchecks;
			     k++) {
				const struct mb_check *c = &t->checks[k / 2];
				char *x = expected_text(c, (int)(k % 2));

				if (x && !occurs(c, descs.data, x)) {
					looked++;
					ck_assert_msg(!occurs(c, cases, x),
						      "'%s' seed %lld: expected "
						      "%s is in the harness",
						      minibench_task(i)->id, s, x);
				}
				free(x);
			}
			rv_buf_release(&descs);
			minibench_tests_free(t);
		}
	}
	ck_assert_int_gt(looked, 500);
}
END_TEST

/* What the honest harness prints for check k (number in its case ci). */
static void honest_line(struct rv_buf *b, const struct mb_check *c, int ci)
{
	rv_buf_addf(b, "%d %d ", c->case_no, ci);
	switch (c->kind) {
	case MB_LL:
	case MB_BOOL:
		rv_buf_addf(b, "%lld", c->ll);
		break;
	case MB_ULL:
		rv_buf_addf(b, "%llu", c->ull);
		break;
	case MB_STR:
		rv_buf_addch(b, 's');
		for (const char *p = c->str; *p; p++)
			rv_buf_addf(b, "%02x", (unsigned char)*p);
		break;
	case MB_INTS:
	case MB_KEPT_INTS:
		for (size_t i = 0; i < c->n; i++)
			rv_buf_addf(b, i ? " %d" : "%d", c->kind == MB_INTS ?
				    c->ints[i] : MB_GUARD);
		break;
	case MB_KEPT_CHARS:
		for (size_t i = 0; i < c->n; i++)
			rv_buf_adds(b, "23");
		break;
	}
	rv_buf_addch(b, '\n');
}

/*
 * The output of a harness whose candidate is right, with the value of
 * check `bad` (-1: none) replaced by bad_value (NULL: the line left out).
 */
static char *honest_output(const struct minibench_tests *t, long bad,
			   const char *bad_value, size_t *len)
{
	struct rv_buf b = RV_BUF_INIT;
	int ci = 0;

	for (size_t k = 0; k < t->nchecks; k++) {
		ci = k && t->checks[k - 1].case_no == t->checks[k].case_no ?
			ci + 1 : 0;
		if ((long)k != bad) {
			honest_line(&b, &t->checks[k], ci);
		} else if (bad_value) {
			rv_buf_addf(&b, "%d %d ", t->checks[k].case_no, ci);
			rv_buf_add(&b, bad_value, strlen(bad_value));
			rv_buf_addch(&b, '\n');
		}
	}
	return rv_buf_detach(&b, len);
}

/* Judge out (len bytes) against t: the cases passed; *report the text. */
static int judge(const struct minibench_tests *t, const char *out, size_t len,
		 char **report)
{
	struct rv_buf b = RV_BUF_INIT;
	int passed = minibench_tests_judge(t, out, len, "test program exited 0",
					   &b);

	*report = rv_buf_detach(&b, NULL);
	return passed;
}

/* The first check of kind k in t (case 0 when there is one). */
static long first_of(const struct minibench_tests *t, enum mb_kind k)
{
	for (size_t i = 0; i < t->nchecks; i++)
		if (t->checks[i].kind == k)
			return (long)i;
	return -1;
}

/*
 * Judge t's honest output with check `bad` given value v: the case of
 * that check fails (with why in its line), every other case passes.
 */
static void assert_only_case_fails(const struct minibench_tests *t, long bad,
				   const char *v, const char *why)
{
	size_t len;
	char *out = honest_output(t, bad, v, &len), *report;
	int cs = t->checks[bad].case_no;
	char *line = rv_xasprintf("FAIL %d: ", cs);
	int passed = judge(t, out, len, &report);
	const char *at = strstr(report, line);

	ck_assert_msg(passed == t->ncases - 1, "value '%s': %d passed:\n%s",
		      v ? v : "(none)", passed, report);
	ck_assert_msg(at && strstr(at, why) && strchr(at, '\n') > strstr(at, why),
		      "value '%s': no '%s' in:\n%s", v ? v : "(none)", why,
		      report);
	free(line);
	free(report);
	free(out);
}

/*
 * The judge reads untrusted text: only exact, well-formed, unrepeated
 * results count; repeats, junk values, cut lines and the old driver's
 * verdict lines never pass a case, and nothing crashes it.
 */
START_TEST(test_minibench_judge_hostile_output)
{
	struct minibench_tests *t = minibench_tests_new(minibench_find("gcd"), 0);
	static const char *const bad_ints[] = {
		"+6", " 6", "06", "6 ", "6\r", "0x6", "6.0", "", "-", "--6",
		"99999999999999999999", "-9223372036854775809", "1e3", "s36",
	};
	const char old[] = "PASS 0\nPASS 1\nPASS 2\nPASS 3\nPASS 4\nPASS 5\n"
		"PASS 6\nPASS 7\nRESULT 8 8\n";
	size_t len;
	char *out = honest_output(t, -1, NULL, &len), *report, *two;
	int n = t->ncases;

	/* the right results pass; the task app's verdict says so */
	ck_assert_int_eq(judge(t, out, len, &report), n);
	ck_assert_ptr_nonnull(strstr(report, "PASS 0\n"));
	free(report);
	/* cut anywhere: no case past the cut passes, none before fails */
	for (size_t cut = 0; cut < len; cut++) {
		int whole = 0;

		for (size_t i = 0; i < cut; i++)
			whole += out[i] == '\n';
		ck_assert_int_eq(judge(t, out, cut, &report), whole);
		free(report);
	}
	/* the old driver's lines, and nothing at all */
	ck_assert_int_eq(judge(t, old, sizeof(old) - 1, &report), 0);
	ck_assert_ptr_nonnull(strstr(report, "no result (test program exited 0)"));
	free(report);
	ck_assert_int_eq(judge(t, NULL, 0, &report), 0);
	free(report);
	/* a result given twice (even the right one) fails its case */
	two = rv_xasprintf("%s%.*s", out, (int)(strchr(out, '\n') - out + 1),
			   out);
	ck_assert_int_eq(judge(t, two, strlen(two), &report), n - 1);
	ck_assert_ptr_nonnull(strstr(report, "FAIL 0: gcd("));
	ck_assert_ptr_nonnull(strstr(report, "2 results for one value"));
	free(report);
	free(two);
	/* lines of no check, NULs and control bytes change nothing */
	{
		struct rv_buf junk = RV_BUF_INIT;

		rv_buf_add(&junk, "ju\0nk\n", 6);
		rv_buf_adds(&junk, "99 0 5\n0 1 5\n0 -1 5\n00 0 5\n 0 0 5\n"
			    "0  0 5\n");
		rv_buf_adds(&junk, out);
		rv_buf_adds(&junk, "\r\n\x1b[2J\n");
		ck_assert_int_eq(judge(t, junk.data, junk.len, &report), n);
		free(report);
		rv_buf_release(&junk);
	}
	/* malformed values fail the case, never crash, never pass */
	for (size_t i = 0; i < sizeof(bad_ints) / sizeof(*bad_ints); i++)
		assert_only_case_fails(t, 0, bad_ints[i], "malformed result");
	assert_only_case_fails(t, 0, NULL, "no result (test program exited 0)");
	assert_only_case_fails(t, 0, "0", "got 0, expected");
	free(out);
	minibench_tests_free(t);

	/* strings: to_base */
	t = minibench_tests_new(minibench_find("to_base"), 0);
	long k = first_of(t, MB_STR);

	ck_assert_int_ge(k, 0);
	assert_only_case_fails(t, k, "n", "no terminating NUL within 80 bytes");
	assert_only_case_fails(t, k, "s313", "malformed result");
	assert_only_case_fails(t, k, "s3100", "malformed result");
	assert_only_case_fails(t, k, "s3A", "malformed result");
	assert_only_case_fails(t, k, "s", "got \"\", expected");
	assert_only_case_fails(t, k, "s0a1b", "got \"\\x0a\\x1b\"");
	assert_only_case_fails(t, k, "x31", "malformed result");
	two = rv_xstrdup("s");
	for (int i = 0; i < 80; i++) {	/* 80 bytes do not fit before a NUL */
		char *more = rv_xasprintf("%s31", two);

		free(two);
		two = more;
	}
	assert_only_case_fails(t, k, two, "malformed result");
	free(two);
	minibench_tests_free(t);

	/* int arrays and the guards after them: sort_ints */
	t = minibench_tests_new(minibench_find("sort_ints"), 0);
	k = first_of(t, MB_INTS);
	ck_assert_int_ge(k, 0);
	assert_only_case_fails(t, k, "1", "malformed result");
	assert_only_case_fails(t, k + 1, "1 2 3 4 5 6 7 8", "wrote past the "
			       "end of the array");
	assert_only_case_fails(t, k + 1, "1 2 3 4 5 6 7 8 9", "malformed");
	ck_assert(t->checks[k + 1].kind == MB_KEPT_INTS);
	{
		struct rv_buf right = RV_BUF_INIT;
		const char *v;

		honest_line(&right, &t->checks[k], 0);
		rv_buf_truncate(&right, right.len - 1);	/* the '\n' */
		v = strchr(strchr(right.data, ' ') + 1, ' ') + 1;
		two = rv_xasprintf("%s 7", v);	/* one too many */
		assert_only_case_fails(t, k, two, "malformed result");
		free(two);
		two = rv_xasprintf("%s ", v);	/* a blank too many */
		assert_only_case_fails(t, k, two, "malformed result");
		free(two);
		two = rv_xstrdup(v);	/* one too few */
		*strrchr(two, ' ') = '\0';
		assert_only_case_fails(t, k, two, "malformed result");
		free(two);
		rv_buf_release(&right);
	}
	minibench_tests_free(t);
}
END_TEST

START_TEST(test_minibench_known_answers)
{
	int n = (int)minibench_count();
	struct job *jobs = rv_xcalloc((size_t)n, sizeof(*jobs));
	char *first = NULL;

	ck_assert_uint_eq(minibench_known_n, (size_t)n);
	for (int i = 0; i < n; i++) {
		const struct minibench_task *t = minibench_task((size_t)i);
		const struct minibench_known *k = NULL;
		char *src;

		for (size_t e = 0; e < minibench_known_n; e++)
			if (!strcmp(minibench_known[e].id, t->id))
				k = &minibench_known[e];
		ck_assert_msg(k != NULL, "no known answers for '%s'", t->id);
		src = minibench_known_source(k, t->signature);
		job_setup(&jobs[i], t, 0, t->reference, "known.c", src,
			  rv_xstrdup("cc -std=c11 -O1 -w -o prog cand.c "
				     "known.c >cc.log 2>&1 && timeout 20 "
				     "./prog >out.txt 2>&1"));
		free(src);
	}
	jobs_run(jobs, n);
	for (int i = 0; i < n && !first; i++) {
		char *out = job_file(&jobs[i], "out.txt");

		if (!WIFEXITED(jobs[i].status) || WEXITSTATUS(jobs[i].status) ||
		    !strstr(out, "known 0")) {
			char *log = job_file(&jobs[i], "cc.log");

			first = rv_xasprintf("'%s': %s%s", jobs[i].task->id,
					     log, out);
			free(log);
		}
		free(out);
	}
	jobs_release(jobs, n);
	ck_assert_msg(first == NULL, "%s", first);
}
END_TEST

/* Wrong candidates: the driver reports each failure and survives. */
static const struct {
	const char *id;
	const char *source;
	const char *why;	/* in every FAIL line; NULL: some pass */
} wrong[] = {
	{ "sort_ints",
	  "void sort_ints(int *a, int n)\n{\n"
	  "\tfor (int i = 0; i < n; i++)\n"
	  "\t\tfor (int j = i + 1; j < n; j++)\n"
	  "\t\t\tif (a[j] < a[i]) { int t = a[i]; a[i] = a[j]; a[j] = t; }\n"
	  "\ta[n] = 0;\n}\n",
	  "wrote past the end" },
	{ "to_base",
	  "void to_base(long long v, int base, char *out)\n{\n"
	  "\t(void)v; (void)base; out[0] = '0';\n}\n",
	  "no terminating NUL" },
	{ "is_palindrome",	/* a constant answer fails every case */
	  "int is_palindrome(const char *s)\n{\n\t(void)s;\n\treturn 1;\n}\n",
	  "expected 0 (false)" },
	{ "balanced",
	  "int balanced(const char *s)\n{\n\t(void)s;\n\treturn 7;\n}\n",
	  "got 7, expected 0 (false)" },
	{ "max_array",	/* its prints cannot forge results */
	  "#include <stdio.h>\n"
	  "int max_array(const int *a, int n)\n{\n\t(void)a; (void)n;\n"
	  "\tprintf(\"PASS 0\\nRESULT 9 9\\nPASS \");\n\treturn 0;\n}\n",
	  "got 0, expected" },
	{ "sum_array",	/* overflows on the large cases only */
	  "long long sum_array(const int *a, int n)\n{\n"
	  "\tint s = 0;\n\tfor (int i = 0; i < n; i++)\n"
	  "\t\ts = (int)((unsigned)s + (unsigned)a[i]);\n\treturn s;\n}\n",
	  NULL },
};

START_TEST(test_minibench_wrong_candidates)
{
	int nw = (int)(sizeof(wrong) / sizeof(wrong[0]));
	struct job jobs[sizeof(wrong) / sizeof(wrong[0])];

	memset(jobs, 0, sizeof(jobs));
	for (int i = 0; i < nw; i++) {
		const struct minibench_task *t = minibench_find(wrong[i].id);

		ck_assert_ptr_nonnull(t);
		job_prepare(&jobs[i], t, 42, wrong[i].source, "-w");
	}
	jobs_run(jobs, nw);
	for (int i = 0; i < nw; i++) {
		struct job *j = &jobs[i];
		int passed, lines, rp, rt;
		char *bad, *out;

		ck_assert_msg(WIFEXITED(j->status) && !WEXITSTATUS(j->status),
			      "'%s': did not build or run", wrong[i].id);
		bad = job_judge(j, "out.txt", &out, &passed, &lines, &rp, &rt);
		ck_assert_msg(bad == NULL, "%s", bad);
		ck_assert_int_eq(lines, j->ntests);
		ck_assert_int_eq(rp, passed);
		ck_assert_int_eq(rt, j->ntests);
		if (wrong[i].why) {
			ck_assert_int_eq(passed, 0);
			ck_assert_msg(strstr(out, wrong[i].why) != NULL,
				      "'%s': no '%s' in %s", wrong[i].id,
				      wrong[i].why, out);
		} else {
			ck_assert_int_gt(passed, 0);
			ck_assert_int_lt(passed, j->ntests);
		}
		free(out);
		job_release(j);
	}
}
END_TEST

static Suite *minibench_suite(void)
{
	Suite *s = suite_create("minibench");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_minibench_registry);
	tcase_add_test(tc, test_minibench_seed_mapping);
	tcase_add_test(tc, test_minibench_drivers_vary_with_seed);
	tcase_add_test(tc, test_minibench_foreign_task);
	tcase_add_test(tc, test_minibench_many_seeds_generate);
	tcase_add_test(tc, test_minibench_harness_holds_no_expected_value);
	tcase_add_test(tc, test_minibench_judge_hostile_output);
	suite_add_tcase(s, tc);

	tc = tcase_create("compiled");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_minibench_reference_passes_noop_fails);
	tcase_add_test(tc, test_minibench_wrong_candidates);
	tcase_add_test(tc, test_minibench_known_answers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(minibench_suite()) ? 1 : 0;
}
