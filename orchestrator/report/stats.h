/*
 * stats: the statistics of runeval, one method everywhere.
 *
 * Percentiles use linear interpolation between the closest ranks (Hyndman
 * and Fan's definition 7, the default of numpy and R): for n sorted values
 * x[0..n-1] and a quantile q in [0, 1], h = (n - 1) q and
 *	Q(q) = x[floor(h)] + (h - floor(h)) (x[floor(h) + 1] - x[floor(h)]).
 * The median is Q(0.5).  stddev is the sample standard deviation (n - 1 in
 * the denominator, 0 for one value; as hyperfine).  MAD is the median
 * absolute deviation from the median, unscaled (multiply by 1.4826 for a
 * normal-consistent estimate).
 *
 * A summary counts every sample (n) and the successful ones (ok); the
 * timing fields are over the successful samples only, and NAN when there
 * is none.  Everything is O(n log n) (one sort) or better, allocation
 * aborts on OOM, and nothing here fails.
 */
#ifndef RUNEVAL_ORCHESTRATOR_REPORT_STATS_H
#define RUNEVAL_ORCHESTRATOR_REPORT_STATS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct stats_summary {
	size_t n;		/* samples */
	size_t ok;		/* successful samples */
	double success_rate;	/* ok / n; NAN when n == 0 */
	double min, p50, p90, p95, p99, max;	/* over ok samples */
	double mean, stddev, mad;		/* over ok samples */
};

/* Sort n doubles ascending in place (NAN is not allowed). */
void stats_sort(double *v, size_t n);

/* The R-7 quantile q (0..1) of n ascending values; NAN when n == 0. */
double stats_quantile_sorted(const double *sorted, size_t n, double q);

/*
 * Mean of n finite values; NAN when n == 0.  Never overflows: when the
 * plain sum does, the values are divided by n before they are added.
 */
double stats_mean(const double *v, size_t n);

/*
 * Sample standard deviation of n finite values around their mean (0 for
 * one value, NAN for none); finite whenever the result is representable
 * (the sum of squares is rescaled when it overflows).
 */
double stats_stddev(const double *v, size_t n, double mean);

/* MAD of n ascending values in O(n), no allocation; NAN when n == 0. */
double stats_mad_sorted(const double *sorted, size_t n);

/*
 * Fill *out from the n_ok ascending values of the successful samples out
 * of n_all samples in total (n_ok <= n_all).
 */
void stats_summary_sorted(const double *sorted, size_t n_ok, size_t n_all,
			  struct stats_summary *out);

/*
 * Summarise n samples: values[i] with ok[i] (ok may be NULL: all ok).
 * Copies and sorts the successful values; the inputs are not modified.
 */
void stats_summarize(const double *values, const bool *ok, size_t n,
		     struct stats_summary *out);

/*
 * The summary as a new JSON object (caller owns the reference):
 * {"n","ok","success_rate","min","p50","p90","p95","p99","max","mean",
 *  "stddev","mad"}, times multiplied by scale (1 keeps milliseconds,
 * 0.001 gives seconds); undefined values are null.
 */
json_t *stats_summary_json(const struct stats_summary *s, double scale);

/*
 * Two-sided Mann-Whitney U test of samples a and b.
 *
 * u is U of a (the number of pairs a_i > b_j, ties counting one half).
 * The p-value is exact (the null distribution of U counted by the
 * q-binomial recurrence) when there are no ties, the smaller sample has
 * at most STATS_MWU_EXACT_MAX values and na * nb <= 1e6 (the rule of
 * scipy.stats.mannwhitneyu's method="auto"); otherwise it is the normal
 * approximation with the tie correction and a continuity correction of
 * 1/2.  With an empty sample p is NAN.
 */
#define STATS_MWU_EXACT_MAX 8

struct stats_mwu {
	double u;	/* U of sample a */
	double p;	/* two-sided p-value in [0, 1] */
	bool exact;	/* p from the exact distribution */
};

void stats_mann_whitney(const double *a, size_t na, const double *b,
			size_t nb, struct stats_mwu *out);

#endif
