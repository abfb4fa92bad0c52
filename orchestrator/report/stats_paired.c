/* Paired tests: Wilcoxon signed-rank and McNemar (see stats_infer.h). */
#include "stats_infer.h"

#include "rv_alloc.h"

#include <math.h>
#include <stdlib.h>

static int abs_cmp(const void *x, const void *y)
{
	double a = fabs(*(const double *)x), b = fabs(*(const double *)y);

	return (a > b) - (a < b);
}

/*
 * P(W+ <= w) and P(W+ >= w) under the null for n ranks 1..n (no ties):
 * the counts of each rank sum over the 2^n sign patterns, built one rank
 * at a time (exact in doubles: at most 2^50 patterns).
 */
static void wilcoxon_exact(size_t n, double w, double *le, double *ge)
{
	size_t top = n * (n + 1) / 2;
	double *c = rv_xcalloc(top + 1, sizeof(*c)), total = 0;

	c[0] = 1;
	for (size_t r = 1; r <= n; r++)
		for (size_t s = r * (r + 1) / 2; s >= r; s--)
			c[s] += c[s - r];
	*le = *ge = 0;
	for (size_t s = 0; s <= top; s++) {
		total += c[s];
		if ((double)s <= w)
			*le += c[s];
		if ((double)s >= w)
			*ge += c[s];
	}
	*le /= total;
	*ge /= total;
	free(c);
}

void stats_wilcoxon(const double *d, size_t n, struct stats_wilcoxon *out)
{
	double *a = rv_xcalloc(n + 1, sizeof(*a)), ties = 0;
	size_t m = 0, i = 0;

	*out = (struct stats_wilcoxon){ .z = NAN, .p = NAN };
	for (size_t k = 0; k < n; k++)
		if (d[k] != 0 && !isnan(d[k]))
			a[m++] = d[k];
	qsort(a, m, sizeof(*a), abs_cmp);
	while (i < m) {		/* midranks over runs of equal |d| */
		size_t j = i;
		double mid, t;

		while (j + 1 < m && fabs(a[j + 1]) == fabs(a[i]))
			j++;
		mid = ((double)i + (double)j) / 2 + 1;
		for (size_t k = i; k <= j; k++)
			*(a[k] > 0 ? &out->w_plus : &out->w_minus) += mid;
		t = (double)(j - i + 1);
		ties += t * t * t - t;
		i = j + 1;
	}
	free(a);
	out->n = m;
	if (m == 0)
		return;
	if (ties == 0 && m <= STATS_WILCOXON_EXACT_MAX) {
		double le, ge;

		wilcoxon_exact(m, out->w_plus, &le, &ge);
		out->exact = true;
		out->p = 2 * (le < ge ? le : ge);
	} else {
		double nn = (double)m;
		double mean = nn * (nn + 1) / 4;
		double var = nn * (nn + 1) * (2 * nn + 1) / 24 - ties / 48;

		if (var <= 0) {
			out->p = 1;
			return;
		}
		out->z = (out->w_plus - mean) / sqrt(var);
		out->p = erfc(fabs(out->z) / sqrt(2.0));
	}
	if (out->p > 1)
		out->p = 1;
}

void stats_mcnemar(size_t b, size_t c, struct stats_mcnemar *out)
{
	size_t n = b + c, k = b < c ? b : c;

	out->b = b;
	out->c = c;
	if (n == 0 || 2 * k == n) {
		out->p = 1;
		return;
	}
	/* P(X <= k) for X ~ Binomial(n, 1/2) is I_{1/2}(n - k, k + 1) */
	out->p = 2 * stats_incomplete_beta(0.5, (double)(n - k),
					   (double)k + 1);
	if (out->p > 1)
		out->p = 1;
}
