/* Confidence intervals, Student's t and pass@k (see stats_infer.h). */
#include "stats_infer.h"

#include "stats.h"

#include <float.h>
#include <math.h>

#define BETA_MAX_ITER 100000
#define BETA_EPS 1e-15
#define BETA_TINY 1e-300

/* The continued fraction of I_x(a, b) (modified Lentz). */
static double beta_cf(double x, double a, double b)
{
	double qab = a + b, qap = a + 1, qam = a - 1;
	double c = 1, d = 1 - qab * x / qap, h;

	if (fabs(d) < BETA_TINY)
		d = BETA_TINY;
	d = 1 / d;
	h = d;
	for (int m = 1; m <= BETA_MAX_ITER; m++) {
		double m2 = 2.0 * m, aa, del;

		aa = m * (b - m) * x / ((qam + m2) * (a + m2));
		d = 1 + aa * d;
		d = fabs(d) < BETA_TINY ? BETA_TINY : d;
		c = 1 + aa / c;
		c = fabs(c) < BETA_TINY ? BETA_TINY : c;
		d = 1 / d;
		h *= d * c;
		aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
		d = 1 + aa * d;
		d = fabs(d) < BETA_TINY ? BETA_TINY : d;
		c = 1 + aa / c;
		c = fabs(c) < BETA_TINY ? BETA_TINY : c;
		d = 1 / d;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < BETA_EPS)
			break;
	}
	return h;
}

double stats_incomplete_beta(double x, double a, double b)
{
	double front;

	if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1))
		return NAN;
	if (x == 0 || x == 1)
		return x;
	front = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
		    b * log1p(-x));
	/* the fraction converges fast below the mean; use symmetry above */
	if (x < (a + 1) / (a + b + 2))
		return front * beta_cf(x, a, b) / a;
	return 1 - front * beta_cf(1 - x, b, a) / b;
}

/* P(T > t) for t >= 0: I_{df / (df + t^2)}(df / 2, 1 / 2) / 2. */
static double t_upper(double t, double df)
{
	double x = df / (df + t * t);

	return stats_incomplete_beta(x, df / 2, 0.5) / 2;
}

double stats_t_quantile(double q, double df)
{
	double lo = 0, hi = 1, tail;

	if (!(q > 0) || !(q < 1) || !(df > 0))
		return NAN;
	if (q == 0.5)
		return 0;
	if (q < 0.5)
		return -stats_t_quantile(1 - q, df);
	tail = 1 - q;
	while (t_upper(hi, df) > tail && hi < DBL_MAX / 4)
		hi *= 2;
	/* bisection: the tail falls monotonically in t */
	for (int i = 0; i < 400 && hi - lo > 1e-14 * hi; i++) {
		double mid = lo + (hi - lo) / 2;

		if (t_upper(mid, df) > tail)
			lo = mid;
		else
			hi = mid;
	}
	return lo + (hi - lo) / 2;
}

void stats_mean_ci(const double *v, size_t n, struct stats_ci *out)
{
	double t;

	out->n = n;
	out->mean = stats_mean(v, n);
	out->sd = out->se = out->lo = out->hi = NAN;
	if (n < 2)
		return;
	out->sd = stats_stddev(v, n, out->mean);
	out->se = out->sd / sqrt((double)n);
	t = stats_t_quantile(0.975, (double)(n - 1));
	out->lo = out->mean - t * out->se;
	out->hi = out->mean + t * out->se;
}

double stats_pass_at_k(size_t n, size_t c, size_t k)
{
	double miss = 1;

	if (k == 0 || k > n || c > n)
		return NAN;
	if (n - c < k)
		return 1;	/* every draw of k holds a pass */
	for (size_t i = n - c + 1; i <= n; i++)
		miss *= 1 - (double)k / (double)i;
	return 1 - miss;
}
