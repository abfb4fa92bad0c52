#include "stats.h"

#include "rv_alloc.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

static int stats_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Doubles as unsigned keys that sort in the same order. */
static uint64_t stats_key(double d)
{
	uint64_t u;

	memcpy(&u, &d, sizeof(u));
	return u >> 63 ? ~u : u | (1ULL << 63);
}

static double stats_unkey(uint64_t k)
{
	uint64_t u = k >> 63 ? k & ~(1ULL << 63) : ~k;
	double d;

	memcpy(&d, &u, sizeof(d));
	return d;
}

/*
 * LSD radix sort, 11 bits a pass (six passes; the counts stay in the
 * first-level caches, which 16-bit digits' did not): O(n), a pass skipped
 * when it sorts nothing.
 */
#define RADIX_BITS 11
#define RADIX_BUCKETS (1u << RADIX_BITS)
#define RADIX_PASSES ((64 + RADIX_BITS - 1) / RADIX_BITS)
#define RADIX_DIGIT(k, shift) ((k) >> (shift) & (RADIX_BUCKETS - 1))

static void stats_radix(double *v, size_t n)
{
	uint64_t *a = rv_xreallocarray(NULL, n, sizeof(*a));
	uint64_t *b = rv_xreallocarray(NULL, n, sizeof(*b)), *t;
	size_t (*count)[RADIX_BUCKETS] = rv_xcalloc(RADIX_PASSES,
						    sizeof(*count));

	for (size_t i = 0; i < n; i++) {
		a[i] = stats_key(v[i]);
		for (int d = 0; d < RADIX_PASSES; d++)
			count[d][RADIX_DIGIT(a[i], RADIX_BITS * d)]++;
	}
	for (int d = 0; d < RADIX_PASSES; d++) {
		int shift = RADIX_BITS * d;
		size_t sum = 0;

		if (count[d][RADIX_DIGIT(a[0], shift)] == n)
			continue;	/* every key has the same digit */
		for (size_t k = 0; k < RADIX_BUCKETS; k++) {
			size_t c = count[d][k];

			count[d][k] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			b[count[d][RADIX_DIGIT(a[i], shift)]++] = a[i];
		t = a;
		a = b;
		b = t;
	}
	for (size_t i = 0; i < n; i++)
		v[i] = stats_unkey(a[i]);
	free(a);
	free(b);
	free(count);
}

void stats_sort(double *v, size_t n)
{
	if (n >= 4096)
		stats_radix(v, n);
	else if (n > 1)
		qsort(v, n, sizeof(*v), stats_cmp);
}

double stats_quantile_sorted(const double *sorted, size_t n, double q)
{
	double h, frac;
	size_t lo;

	if (n == 0)
		return NAN;
	if (q <= 0)
		return sorted[0];
	if (q >= 1)
		return sorted[n - 1];
	h = (double)(n - 1) * q;
	lo = (size_t)floor(h);
	frac = h - (double)lo;
	if (lo + 1 >= n)
		return sorted[n - 1];
	return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}

/*
 * The k-th smallest (0-based) absolute deviation from med: the deviations
 * left of the median grow leftwards and those right of it grow rightwards,
 * so merging the two runs finds it without sorting.
 */
static double stats_kth_deviation(const double *v, size_t n, size_t split,
				  double med, size_t k)
{
	size_t l = split, r = split;	/* next: v[l - 1] left, v[r] right */
	double d = 0;

	for (size_t i = 0; i <= k; i++) {
		double dl = l > 0 ? med - v[l - 1] : INFINITY;
		double dr = r < n ? v[r] - med : INFINITY;

		if (dl <= dr) {
			d = dl;
			l--;
		} else {
			d = dr;
			r++;
		}
	}
	return d;
}

double stats_mad_sorted(const double *sorted, size_t n)
{
	double med, lo, hi, h;
	size_t split = 0, k;

	if (n == 0)
		return NAN;
	med = stats_quantile_sorted(sorted, n, 0.5);
	while (split < n && sorted[split] < med)
		split++;
	/* R-7 median of the n deviations: between ranks floor(h), +1 */
	h = (double)(n - 1) * 0.5;
	k = (size_t)floor(h);
	lo = stats_kth_deviation(sorted, n, split, med, k);
	if (h == (double)k)
		return lo;
	hi = stats_kth_deviation(sorted, n, split, med, k + 1);
	return lo + (h - (double)k) * (hi - lo);
}

double stats_mean(const double *v, size_t n)
{
	double sum = 0;

	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	if (isfinite(sum))
		return sum / (double)n;
	/* the sum of finite values overflowed, their mean cannot (|mean|
	   <= max |v|): add halves of v[i] / n, then double, within range */
	sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i] * 0.5 / (double)n;
	return fabs(sum) <= DBL_MAX / 2 ? 2 * sum : copysign(DBL_MAX, sum);
}

double stats_stddev(const double *v, size_t n, double mean)
{
	double ss = 0, big = 0;

	if (n < 2)
		return n ? 0 : NAN;
	for (size_t i = 0; i < n; i++)
		ss += (v[i] - mean) * (v[i] - mean);
	if (isfinite(ss))
		return sqrt(ss / (double)(n - 1));
	/* a square overflowed: the same sum in units of the largest value */
	for (size_t i = 0; i < n; i++)
		if (fabs(v[i]) > big)
			big = fabs(v[i]);
	ss = 0;
	for (size_t i = 0; i < n; i++) {
		double d = v[i] / big - mean / big;

		ss += d * d / (double)(n - 1);
	}
	return big * sqrt(ss);
}

void stats_summary_sorted(const double *sorted, size_t n_ok, size_t n_all,
			  struct stats_summary *out)
{

	memset(out, 0, sizeof(*out));
	out->n = n_all;
	out->ok = n_ok;
	out->success_rate = n_all ? (double)n_ok / (double)n_all : NAN;
	if (n_ok == 0) {
		out->min = out->p50 = out->p90 = out->p95 = out->p99 = NAN;
		out->max = out->mean = out->stddev = out->mad = NAN;
		return;
	}
	out->min = sorted[0];
	out->max = sorted[n_ok - 1];
	out->p50 = stats_quantile_sorted(sorted, n_ok, 0.50);
	out->p90 = stats_quantile_sorted(sorted, n_ok, 0.90);
	out->p95 = stats_quantile_sorted(sorted, n_ok, 0.95);
	out->p99 = stats_quantile_sorted(sorted, n_ok, 0.99);
	out->mean = stats_mean(sorted, n_ok);
	out->stddev = stats_stddev(sorted, n_ok, out->mean);
	out->mad = stats_mad_sorted(sorted, n_ok);
}

void stats_summarize(const double *values, const bool *ok, size_t n,
		     struct stats_summary *out)
{
	double *v = rv_xreallocarray(NULL, n ? n : 1, sizeof(*v));
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (!ok || ok[i])
			v[m++] = values[i];
	stats_sort(v, m);
	stats_summary_sorted(v, m, n, out);
	free(v);
}

static json_t *stats_num(double v, double scale)
{
	return isfinite(v) ? json_real(v * scale) : json_null();
}

json_t *stats_summary_json(const struct stats_summary *s, double scale)
{
	json_t *o = json_object();

	json_object_set_new(o, "n", json_integer((json_int_t)s->n));
	json_object_set_new(o, "ok", json_integer((json_int_t)s->ok));
	json_object_set_new(o, "success_rate", stats_num(s->success_rate, 1));
	json_object_set_new(o, "min", stats_num(s->min, scale));
	json_object_set_new(o, "p50", stats_num(s->p50, scale));
	json_object_set_new(o, "p90", stats_num(s->p90, scale));
	json_object_set_new(o, "p95", stats_num(s->p95, scale));
	json_object_set_new(o, "p99", stats_num(s->p99, scale));
	json_object_set_new(o, "max", stats_num(s->max, scale));
	json_object_set_new(o, "mean", stats_num(s->mean, scale));
	json_object_set_new(o, "stddev", stats_num(s->stddev, scale));
	json_object_set_new(o, "mad", stats_num(s->mad, scale));
	return o;
}
