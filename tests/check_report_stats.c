/*
 * The reporter's statistics against values computed independently:
 * tests/fixtures/report/stats_expected.json (stats_reference.py, exact
 * rational arithmetic in Python) and mwu_expected.json (mwu_reference.py,
 * exact enumeration and the scipy documentation's example).
 */
#include "testutil.h"

#include "report_helpers.h"
#include "rv_alloc.h"
#include "rv_json.h"
#include "stats.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Relative closeness for values computed along different paths. */
static void assert_close(double got, double want, const char *what,
			 const char *name)
{
	double tol = 1e-9 * fmax(1, fabs(want));

	ck_assert_msg(fabs(got - want) <= tol, "%s %s: got %.17g, want %.17g",
		      name, what, got, want);
}

static void assert_field(const json_t *exp, const char *key, double got,
			 const char *name)
{
	json_t *v = json_object_get(exp, key);

	if (json_is_null(v)) {
		ck_assert_msg(isnan(got), "%s %s: got %g, want null", name, key,
			      got);
		return;
	}
	ck_assert_msg(json_is_number(v), "%s: no '%s' in the fixture", name, key);
	assert_close(got, json_number_value(v), key, name);
}

static json_t *load_fixture(const char *name)
{
	char *path = rh_fixture(name);
	struct rv_err err = RV_ERR_INIT;
	json_t *v = rv_json_load_file(path, &err);

	ck_assert_msg(v != NULL, "%s", err.msg);
	free(path);
	return v;
}

START_TEST(test_stats_match_the_reference)
{
	json_t *cases = load_fixture("stats_expected.json");
	size_t i;
	json_t *c;

	ck_assert_uint_ge(json_array_size(cases), 9);
	json_array_foreach(cases, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		json_t *oks = json_object_get(c, "ok");
		json_t *exp = json_object_get(c, "expected");
		size_t n;
		double *v = rh_numbers(json_object_get(c, "values"), &n);
		bool *ok = rv_xcalloc(n + 1, sizeof(*ok));
		struct stats_summary s;

		for (size_t k = 0; k < n; k++)
			ok[k] = json_is_true(json_array_get(oks, k));
		stats_summarize(v, ok, n, &s);
		ck_assert_uint_eq(s.n, (size_t)json_integer_value(json_object_get(exp, "n")));
		ck_assert_uint_eq(s.ok, (size_t)json_integer_value(json_object_get(exp, "ok")));
		assert_field(exp, "success_rate", s.success_rate, name);
		assert_field(exp, "min", s.min, name);
		assert_field(exp, "p50", s.p50, name);
		assert_field(exp, "p90", s.p90, name);
		assert_field(exp, "p95", s.p95, name);
		assert_field(exp, "p99", s.p99, name);
		assert_field(exp, "max", s.max, name);
		assert_field(exp, "mean", s.mean, name);
		assert_field(exp, "stddev", s.stddev, name);
		assert_field(exp, "mad", s.mad, name);
		free(v);
		free(ok);
	}
	json_decref(cases);
}
END_TEST

START_TEST(test_stats_by_hand)
{
	/* 1..10 by hand: h = 9q; p90 = x[8] + 0.1 (x[9] - x[8]) = 9.1 */
	double v[10] = { 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };
	struct stats_summary s;

	stats_summarize(v, NULL, 10, &s);
	ck_assert_double_eq_tol(s.p50, 5.5, 1e-12);
	ck_assert_double_eq_tol(s.p90, 9.1, 1e-12);
	ck_assert_double_eq_tol(s.p95, 9.55, 1e-12);
	ck_assert_double_eq_tol(s.p99, 9.91, 1e-12);
	ck_assert_double_eq_tol(s.mad, 2.5, 1e-12);
	/* the inputs are not modified */
	ck_assert_double_eq(v[0], 10);
	/* no sample at all: nothing is defined, nothing crashes */
	stats_summarize(v, NULL, 0, &s);
	ck_assert_uint_eq(s.n, 0);
	ck_assert(isnan(s.success_rate) && isnan(s.p50) && isnan(s.mad));
	ck_assert(isnan(stats_quantile_sorted(v, 0, 0.5)));
}
END_TEST

START_TEST(test_stats_huge_values_do_not_overflow)
{
	/* finite values whose sum (or sum of squares) is not */
	double big[2] = { 1e308, 1e308 }, pm[2] = { -1e308, 1e308 };
	double edge[3] = { DBL_MAX, DBL_MAX, DBL_MAX };
	struct stats_summary s;

	ck_assert_double_eq(stats_mean(big, 2), 1e308);
	ck_assert_double_eq(stats_stddev(big, 2, 1e308), 0);
	ck_assert_double_eq(stats_mean(pm, 2), 0);
	ck_assert_double_eq_tol(stats_stddev(pm, 2, 0) / 1e308, M_SQRT2,
				1e-12);
	ck_assert(isfinite(stats_mean(edge, 3)));
	stats_summarize(pm, NULL, 2, &s);
	ck_assert(isfinite(s.mean) && isfinite(s.stddev));
	/* the plain sum where it is finite: the same as before */
	ck_assert_double_eq(stats_mean((double[]){ 0.1, 0.2, 0.3 }, 3),
			    (0.1 + 0.2 + 0.3) / 3);
	ck_assert(isnan(stats_mean(big, 0)));
}
END_TEST

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

START_TEST(test_sort_agrees_with_qsort)
{
	/* large enough for the radix sort; negatives, zeros, duplicates */
	size_t n = 100003;
	double *a = rv_xcalloc(n, sizeof(*a)), *b = rv_xcalloc(n, sizeof(*b));
	unsigned long long x = 88172645463325252ULL;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		a[i] = (double)(long long)(x % 2000001) / 7.0 - 100000.0;
		if (i % 97 == 0)
			a[i] = i % 2 ? 0.0 : -0.0;
		if (i % 89 == 0)
			a[i] = 1e300 * (i % 3 ? 1 : -1);
		b[i] = a[i];
	}
	stats_sort(a, n);
	qsort(b, n, sizeof(*b), cmp_double);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(a[i] == b[i], "index %zu: %g != %g", i, a[i], b[i]);
	free(a);
	free(b);
}
END_TEST

START_TEST(test_mann_whitney_matches_the_reference)
{
	json_t *cases = load_fixture("mwu_expected.json");
	size_t i;
	json_t *c;

	ck_assert_uint_ge(json_array_size(cases), 10);
	json_array_foreach(cases, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		const char *method = json_string_value(json_object_get(c, "method"));
		size_t na, nb;
		double *a = rh_numbers(json_object_get(c, "a"), &na);
		double *b = rh_numbers(json_object_get(c, "b"), &nb);
		struct stats_mwu r;

		stats_mann_whitney(a, na, b, nb, &r);
		assert_close(r.u, json_number_value(json_object_get(c, "u")), "u",
			     name);
		assert_close(r.p, json_number_value(json_object_get(c, "p")), "p",
			     name);
		ck_assert_msg(r.exact == !strcmp(method, "exact"),
			      "%s: exact=%d, the reference used %s", name, r.exact,
			      method);
		free(a);
		free(b);
	}
	json_decref(cases);
}
END_TEST

START_TEST(test_mann_whitney_edges)
{
	double a[] = { 1, 2, 3 }, b[] = { 4, 5, 6 };
	struct stats_mwu r;

	stats_mann_whitney(a, 3, b, 0, &r);
	ck_assert(isnan(r.p));
	/* swapping the samples keeps p and mirrors U */
	stats_mann_whitney(a, 3, b, 3, &r);
	ck_assert_double_eq(r.u, 0);
	ck_assert_double_eq_tol(r.p, 0.1, 1e-12);	/* 2 / C(6,3) */
	stats_mann_whitney(b, 3, a, 3, &r);
	ck_assert_double_eq(r.u, 9);
	ck_assert_double_eq_tol(r.p, 0.1, 1e-12);
}
END_TEST

static Suite *report_stats_suite(void)
{
	Suite *s = suite_create("report_stats");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_stats_match_the_reference);
	tcase_add_test(tc, test_stats_by_hand);
	tcase_add_test(tc, test_stats_huge_values_do_not_overflow);
	tcase_add_test(tc, test_sort_agrees_with_qsort);
	tcase_add_test(tc, test_mann_whitney_matches_the_reference);
	tcase_add_test(tc, test_mann_whitney_edges);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(report_stats_suite()) ? 1 : 0;
}
