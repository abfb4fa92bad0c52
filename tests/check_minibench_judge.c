/*
 * The split between what a candidate's program gets and what the task
 * app keeps: no harness holds an expected value, and the judge, reading
 * what a hostile program printed, passes only exact, well-formed,
 * unrepeated results.  White-box: reads the recorded checks
 * (minibench_int.h).
 */
#include "testutil.h"

#include "minibench.h"
#include "minibench_int.h"
#include "rv_alloc.h"
#include "rv_buf.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * Judge out (len bytes) against t: the cases passed; *report the text.
 * The hint (what a model is told) is checked against the report every
 * time: the same verdict line by line, and never a value expected or got.
 */
static int judge_hint(const struct minibench_tests *t, const char *out,
		      size_t len, char **report, char **hint)
{
	struct rv_buf b = RV_BUF_INIT, h = RV_BUF_INIT;
	int passed = minibench_tests_judge(t, out, len, "test program exited 0",
					   &b, &h);
	char *rs = NULL, *hs = NULL, *rl, *hl;

	*report = rv_buf_detach(&b, NULL);
	ck_assert_msg(!strstr(h.data, ", expected") && !strstr(h.data, "got "),
		      "the hint names a value:\n%s", h.data);
	if (hint)
		*hint = rv_xstrdup(h.data);
	b = (struct rv_buf)RV_BUF_INIT;
	rv_buf_adds(&b, *report);
	rl = strtok_r(b.data, "\n", &rs);
	hl = strtok_r(h.data, "\n", &hs);
	for (; rl && hl; rl = strtok_r(NULL, "\n", &rs),
	     hl = strtok_r(NULL, "\n", &hs)) {
		/* "PASS i", "FAIL i: <call>: ...", "RESULT p n": the same
		   verdict and the same call */
		size_t head = strcspn(rl, ":");

		ck_assert_msg(!strncmp(rl, hl, head),
			      "report '%s', hint '%s'", rl, hl);
		if (!strncmp(rl, "FAIL", 4)) {
			const char *call = rl + head + 2;
			size_t n = strcspn(call, ":");

			ck_assert_msg(!strncmp(hl + head + 2, call, n),
				      "report '%s', hint '%s'", rl, hl);
		}
	}
	ck_assert_msg(!rl && !hl, "the hint and the report differ in lines");
	rv_buf_release(&b);
	rv_buf_release(&h);
	return passed;
}

static int judge(const struct minibench_tests *t, const char *out, size_t len,
		 char **report)
{
	return judge_hint(t, out, len, report, NULL);
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
	char *out = honest_output(t, bad, v, &len), *report, *hint;
	int cs = t->checks[bad].case_no;
	char *line = rv_xasprintf("FAIL %d: ", cs);
	int passed = judge_hint(t, out, len, &report, &hint);
	const char *at = strstr(report, line), *hat = strstr(hint, line);
	/* the model is told what went wrong, but never a value expected */
	const char *told = strstr(why, "expected") || strstr(why, "got ") ||
		strstr(why, " is ") ? "not the expected result" : why;

	ck_assert_msg(passed == t->ncases - 1, "value '%s': %d passed:\n%s",
		      v ? v : "(none)", passed, report);
	ck_assert_msg(at && strstr(at, why) && strchr(at, '\n') > strstr(at, why),
		      "value '%s': no '%s' in:\n%s", v ? v : "(none)", why,
		      report);
	ck_assert_msg(hat && strstr(hat, told) &&
		      strchr(hat, '\n') > strstr(hat, told),
		      "value '%s': no '%s' in the hint:\n%s", v ? v : "(none)",
		      told, hint);
	free(line);
	free(hint);
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

static Suite *minibench_judge_suite(void)
{
	Suite *s = suite_create("minibench_judge");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_minibench_harness_holds_no_expected_value);
	tcase_add_test(tc, test_minibench_judge_hostile_output);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(minibench_judge_suite()) ? 1 : 0;
}
