/*
 * The eval statistics (stats_infer.h) against values computed
 * independently: tests/fixtures/report/infer_expected.json, made by
 * infer_reference.py (Student's t from its closed form for integer
 * degrees of freedom, exact rationals for means, variances, pass@k and
 * McNemar, every sign pattern enumerated for Wilcoxon, scipy's documented
 * example among the cases).
 */
#include "testutil.h"

#include "report_helpers.h"
#include "rv_alloc.h"
#include "rv_json.h"
#include "stats_infer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *expected;

static void setup(void)
{
	char *path = rh_fixture("infer_expected.json");
	struct rv_err err = RV_ERR_INIT;

	expected = rv_json_load_file(path, &err);
	ck_assert_msg(expected != NULL, "%s", err.msg);
	free(path);
}

static void teardown(void)
{
	json_decref(expected);
}

/* got against the fixture's want (null: NAN), relative tolerance tol. */
static void assert_near(double got, const json_t *want, double tol,
			const char *what)
{
	double w;

	if (json_is_null(want) || !want) {
		ck_assert_msg(isnan(got), "%s: got %.17g, want null", what, got);
		return;
	}
	w = json_number_value(want);
	ck_assert_msg(fabs(got - w) <= tol * fmax(1, fabs(w)),
		      "%s: got %.17g, want %.17g", what, got, w);
}

/* Each of n fields of the fixture's object e against got[i]. */
static void assert_fields(const char *name, const json_t *e,
			  const char *const *keys, const double *got,
			  size_t n, double tol)
{
	char what[96];

	for (size_t i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "%s %s", name, keys[i]);
		assert_near(got[i], json_object_get(e, keys[i]), tol, what);
	}
}

START_TEST(test_t_quantiles_match_the_closed_form)
{
	json_t *cases = json_object_get(expected, "t"), *c;
	size_t i;
	char what[64];

	ck_assert_uint_ge(json_array_size(cases), 90);
	json_array_foreach(cases, i, c) {
		double q = json_number_value(json_object_get(c, "q"));
		double df = json_number_value(json_object_get(c, "df"));

		snprintf(what, sizeof(what), "t(%g, %g)", q, df);
		assert_near(stats_t_quantile(q, df), json_object_get(c, "t"),
			    1e-9, what);
		/* symmetric about 0 */
		ck_assert_double_eq_tol(stats_t_quantile(1 - q, df),
					-stats_t_quantile(q, df), 1e-9);
	}
	ck_assert(isnan(stats_t_quantile(0, 5)));
	ck_assert(isnan(stats_t_quantile(1, 5)));
	ck_assert(isnan(stats_t_quantile(0.9, 0)));
	ck_assert_double_eq(stats_t_quantile(0.5, 3), 0);
	/* a huge df is the normal quantile */
	ck_assert_double_eq_tol(stats_t_quantile(0.975, 1e9), 1.959963984540054,
				1e-6);
}
END_TEST

START_TEST(test_mean_ci_matches_the_reference)
{
	json_t *cases = json_object_get(expected, "ci"), *c;
	size_t i, n;

	ck_assert_uint_ge(json_array_size(cases), 6);
	json_array_foreach(cases, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		json_t *e = json_object_get(c, "expected");
		double *v = rh_numbers(json_object_get(c, "values"), &n);
		static const char *const keys[] = { "mean", "sd", "se", "lo",
						    "hi" };
		struct stats_ci ci;

		stats_mean_ci(v, n, &ci);
		ck_assert_uint_eq(ci.n, n);
		assert_fields(name, e, keys, (double[]){ ci.mean, ci.sd, ci.se,
			      ci.lo, ci.hi }, 5, 1e-9);
		free(v);
	}
}
END_TEST

START_TEST(test_pass_at_k_matches_the_reference)
{
	json_t *cases = json_object_get(expected, "pass_at_k"), *c;
	size_t i;

	ck_assert_uint_ge(json_array_size(cases), 15);
	json_array_foreach(cases, i, c) {
		size_t n = (size_t)json_integer_value(json_object_get(c, "n"));
		size_t k = (size_t)json_integer_value(json_object_get(c, "k"));
		size_t p = (size_t)json_integer_value(json_object_get(c, "c"));
		char what[64];

		snprintf(what, sizeof(what), "pass@%zu of %zu/%zu", k, p, n);
		assert_near(stats_pass_at_k(n, p, k), json_object_get(c, "p"),
			    1e-12, what);
	}
	/* pass@1 is the plain pass rate; k outside 1..n is no estimate */
	ck_assert_double_eq_tol(stats_pass_at_k(8, 3, 1), 3.0 / 8, 1e-15);
	ck_assert(isnan(stats_pass_at_k(4, 1, 5)));
	ck_assert(isnan(stats_pass_at_k(4, 1, 0)));
	ck_assert(isnan(stats_pass_at_k(4, 5, 1)));
}
END_TEST

START_TEST(test_wilcoxon_matches_the_reference)
{
	json_t *cases = json_object_get(expected, "wilcoxon"), *c;
	size_t i, n;

	ck_assert_uint_ge(json_array_size(cases), 8);
	json_array_foreach(cases, i, c) {
		const char *name = json_string_value(json_object_get(c, "name"));
		json_t *e = json_object_get(c, "expected");
		double *d = rh_numbers(json_object_get(c, "d"), &n);
		static const char *const keys[] = { "w_plus", "w_minus", "p" };
		struct stats_wilcoxon w;

		stats_wilcoxon(d, n, &w);
		ck_assert_uint_eq(w.n, (size_t)json_integer_value(json_object_get(e, "n")));
		assert_fields(name, e, keys, (double[]){ w.w_plus, w.w_minus,
			      w.p }, 3, 1e-9);
		ck_assert_msg(w.exact == json_is_true(json_object_get(e, "exact")),
			      "%s: exact %d", name, w.exact);
		free(d);
	}
}
END_TEST

START_TEST(test_mcnemar_matches_the_reference)
{
	json_t *cases = json_object_get(expected, "mcnemar"), *c;
	size_t i;

	ck_assert_uint_ge(json_array_size(cases), 10);
	json_array_foreach(cases, i, c) {
		size_t b = (size_t)json_integer_value(json_object_get(c, "b"));
		size_t k = (size_t)json_integer_value(json_object_get(c, "c"));
		struct stats_mcnemar m;
		char what[64];

		stats_mcnemar(b, k, &m);
		snprintf(what, sizeof(what), "mcnemar(%zu, %zu)", b, k);
		assert_near(m.p, json_object_get(c, "p"), 1e-9, what);
		ck_assert_uint_eq(m.b, b);
		ck_assert_uint_eq(m.c, k);
	}
	/* a million discordant pairs, evenly split: no evidence, no hang */
	{
		struct stats_mcnemar m;

		stats_mcnemar(500000, 500000, &m);
		ck_assert_double_eq(m.p, 1);
		stats_mcnemar(500000, 499000, &m);
		ck_assert(m.p > 0.3 && m.p < 1);
	}
}
END_TEST

START_TEST(test_incomplete_beta_edges)
{
	ck_assert_double_eq(stats_incomplete_beta(0, 2, 3), 0);
	ck_assert_double_eq(stats_incomplete_beta(1, 2, 3), 1);
	ck_assert(isnan(stats_incomplete_beta(0.5, 0, 3)));
	ck_assert(isnan(stats_incomplete_beta(1.5, 2, 3)));
	ck_assert(isnan(stats_incomplete_beta(NAN, 2, 3)));
	/* I_x(1, 1) = x; I_{1/2}(a, a) = 1/2 */
	ck_assert_double_eq_tol(stats_incomplete_beta(0.3, 1, 1), 0.3, 1e-14);
	ck_assert_double_eq_tol(stats_incomplete_beta(0.5, 7, 7), 0.5, 1e-13);
}
END_TEST

static Suite *report_infer_suite(void)
{
	Suite *s = suite_create("report_infer");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_t_quantiles_match_the_closed_form);
	tcase_add_test(tc, test_mean_ci_matches_the_reference);
	tcase_add_test(tc, test_pass_at_k_matches_the_reference);
	tcase_add_test(tc, test_wilcoxon_matches_the_reference);
	tcase_add_test(tc, test_mcnemar_matches_the_reference);
	tcase_add_test(tc, test_incomplete_beta_edges);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(report_infer_suite()) ? 1 : 0;
}
