/*
 * stats_infer: the statistics of an eval's outcome, beside stats.h (which
 * describes timings): confidence intervals of a mean, the unbiased pass@k
 * estimator, and the two paired tests of a candidate against a baseline.
 *
 *  - stats_mean_ci(): mean, sample standard deviation, standard error
 *    sd / sqrt(n) and the two-sided 95% confidence interval
 *    mean +- t(0.975, n - 1) * se (Student's t: exact for normal data,
 *    wider than the normal interval for few samples).
 *  - stats_pass_at_k(): 1 - C(n - c, k) / C(n, k), the chance that at
 *    least one of k draws without replacement from n attempts (c of them
 *    passing) passes (Chen et al. 2021), as prod(1 - k / i) for i from
 *    n - c + 1 to n, which never overflows.
 *  - stats_wilcoxon(): the Wilcoxon signed-rank test of paired
 *    differences, zero differences dropped (Wilcoxon's method, scipy's
 *    default zero_method="wilcox"), midranks for ties; the exact null
 *    distribution of W+ when no |d| is tied and n <= STATS_WILCOXON_EXACT_MAX,
 *    else the normal approximation with the tie correction and no
 *    continuity correction (scipy.stats.wilcoxon's defaults).
 *  - stats_mcnemar(): McNemar's test of paired pass/fail, exact: b and c
 *    are the discordant pairs; p = min(1, 2 P(X <= min(b, c))) for X ~
 *    Binomial(b + c, 1/2) (statsmodels' mcnemar(exact=True)).
 *
 * Every p-value is two-sided and within [0, 1]; NAN means "no test"
 * (nothing to compare).  Nothing here allocates more than O(n) or fails.
 */
#ifndef RUNEVAL_ORCHESTRATOR_REPORT_STATS_INFER_H
#define RUNEVAL_ORCHESTRATOR_REPORT_STATS_INFER_H

#include <stdbool.h>
#include <stddef.h>

struct stats_ci {
	size_t n;
	double mean;		/* NAN when n == 0 */
	double sd;		/* sample standard deviation; NAN when n < 2 */
	double se;		/* sd / sqrt(n); NAN when n < 2 */
	double lo, hi;		/* the 95% interval; NAN when n < 2 */
};

/* Of n finite values. */
void stats_mean_ci(const double *v, size_t n, struct stats_ci *out);

/*
 * The q-quantile (0 < q < 1) of Student's t distribution with df > 0
 * degrees of freedom (accurate to about 1e-12); NAN outside the domain.
 */
double stats_t_quantile(double q, double df);

/*
 * The regularized incomplete beta function I_x(a, b) for a, b > 0 and x in
 * [0, 1] (continued fraction, modified Lentz); NAN outside the domain.
 */
double stats_incomplete_beta(double x, double a, double b);

/* pass@k of one item with n attempts of which c passed; NAN unless
   0 < k <= n and c <= n. */
double stats_pass_at_k(size_t n, size_t c, size_t k);

#define STATS_WILCOXON_EXACT_MAX 50

struct stats_wilcoxon {
	size_t n;		/* non-zero differences */
	double w_plus, w_minus;	/* rank sums of the positive and negative */
	double z;		/* the normal statistic (NAN when exact) */
	double p;		/* two-sided; NAN when n == 0 */
	bool exact;
};

void stats_wilcoxon(const double *d, size_t n, struct stats_wilcoxon *out);

struct stats_mcnemar {
	size_t b, c;		/* base pass & cand fail, base fail & cand pass */
	double p;		/* two-sided exact; 1 when b + c == 0 */
};

void stats_mcnemar(size_t b, size_t c, struct stats_mcnemar *out);

#endif
