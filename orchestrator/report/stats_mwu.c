/* The Mann-Whitney U test (see stats.h for the method). */
#include "stats.h"

#include "rv_alloc.h"

#include <math.h>

struct stats_ranked {
	double v;
	int from_a;
};

static int stats_ranked_cmp(const void *x, const void *y)
{
	const struct stats_ranked *a = x, *b = y;

	return (a->v > b->v) - (a->v < b->v);
}

/*
 * Rank-sum of sample a with midranks for ties; *ties gets the sum of
 * t^3 - t over the groups of tied values (0 when there is no tie).
 */
static double stats_rank_sum(const double *a, size_t na, const double *b,
			     size_t nb, double *ties)
{
	size_t n = na + nb, i = 0;
	struct stats_ranked *r = rv_xreallocarray(NULL, n, sizeof(*r));
	double ra = 0;

	for (size_t k = 0; k < na; k++)
		r[k] = (struct stats_ranked){ a[k], 1 };
	for (size_t k = 0; k < nb; k++)
		r[na + k] = (struct stats_ranked){ b[k], 0 };
	qsort(r, n, sizeof(*r), stats_ranked_cmp);
	*ties = 0;
	while (i < n) {
		size_t j = i;
		double mid, t;

		while (j + 1 < n && r[j + 1].v == r[i].v)
			j++;
		mid = ((double)i + (double)j) / 2 + 1;	/* ranks are 1-based */
		for (size_t k = i; k <= j; k++)
			if (r[k].from_a)
				ra += mid;
		t = (double)(j - i + 1);
		*ties += t * t * t - t;
		i = j + 1;
	}
	free(r);
	return ra;
}

/*
 * P(U >= k) under the null for samples of m and n values (no ties): the
 * counts of U are the coefficients of the Gaussian binomial [m+n, m]_q,
 * built as prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i).
 */
static double stats_mwu_upper_tail(size_t m, size_t n, double k)
{
	size_t top = m * n, deg = 0;
	double *c = rv_xcalloc(top + m + 2, sizeof(*c));
	double total = 0, tail = 0;

	c[0] = 1;
	for (size_t i = 1; i <= m; i++) {
		size_t step = n + i;

		for (size_t u = deg + step; u >= step; u--)
			c[u] -= c[u - step];
		deg += n;
		for (size_t u = i; u <= deg; u++)
			c[u] += c[u - i];
		/* the division is exact: what is above the new degree is 0 */
		for (size_t u = deg + 1; u <= deg + i; u++)
			c[u] = 0;
	}
	for (size_t u = 0; u <= top; u++) {
		total += c[u];
		if ((double)u >= k)
			tail += c[u];
	}
	free(c);
	return tail / total;
}

void stats_mann_whitney(const double *a, size_t na, const double *b,
			size_t nb, struct stats_mwu *out)
{
	double ties, ra, u1, u2, umax, nn, mu, var, z;
	size_t small = na < nb ? na : nb, large = na < nb ? nb : na;

	out->u = NAN;
	out->p = NAN;
	out->exact = false;
	if (na == 0 || nb == 0)
		return;
	ra = stats_rank_sum(a, na, b, nb, &ties);
	u1 = ra - (double)na * (double)(na + 1) / 2;
	u2 = (double)na * (double)nb - u1;
	umax = u1 > u2 ? u1 : u2;
	out->u = u1;
	if (ties == 0 && small <= STATS_MWU_EXACT_MAX &&
	    (double)na * (double)nb <= 1e6) {
		out->exact = true;
		out->p = 2 * stats_mwu_upper_tail(small, large, umax);
	} else {
		nn = (double)(na + nb);
		mu = (double)na * (double)nb / 2;
		var = (double)na * (double)nb / 12 *
		      ((nn + 1) - ties / (nn * (nn - 1)));
		if (var <= 0) {
			out->p = 1;	/* every value tied: no evidence */
			return;
		}
		z = (umax - mu - 0.5) / sqrt(var);
		out->p = erfc(z / sqrt(2.0));
	}
	if (out->p > 1)
		out->p = 1;
}
