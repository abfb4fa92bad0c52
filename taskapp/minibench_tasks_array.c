/*
 * minibench tasks on int arrays: scans, searching, sorting, reshaping.
 * See minibench_int.h for how a task is defined.
 */
#include "minibench_int.h"

#include <stdlib.h>

#define MB_MAXN 64

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;

	return (a > b) - (a < b);
}

/* n sorted values, each step from the previous one in [lo, hi] */
static void sorted_run(struct mb_gen *g, int *a, int n, int lo, int hi)
{
	int v = (int)mb_range(g, -1000, 1000);

	for (int i = 0; i < n; i++) {
		v += (int)mb_range(g, lo, hi);
		a[i] = v;
	}
}

/* A case checking the result of fn(a, n). */
static void case_on_array(struct mb_gen *g, const char *fn, const int *a,
			  int n, long long want)
{
	mb_case_begin(g);
	mb_decl_ints(g, "a", a, n);
	mb_expect(g, mb_f(g, "%s(a, %d)", fn, n), want,
		  mb_f(g, "%s(%s, %d)", fn, mb_ints(g, a, n, 1), n));
	mb_case_end(g);
}

MB_DEFINE(sum_array, long long sum_array(const int *a, int n), {
	long long s = 0;

	for (int i = 0; i < n; i++)
		s += a[i];
	return s;
})

static void gen_sum_array(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int a[MB_MAXN], len, big = c < 2 ? 100 : 1000000000;

		do {
			len = (int)mb_range(g, 1, 30);
			mb_fill(g, a, len, c == 2 ? 0 : -big, big);
		} while (sum_array(a, len) == 0);
		case_on_array(g, "sum_array", a, len, sum_array(a, len));
	}
}

MB_DEFINE(max_array, int max_array(const int *a, int n), {
	int m = a[0];

	for (int i = 1; i < n; i++)
		if (a[i] > m)
			m = a[i];
	return m;
})

static void gen_max_array(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int a[MB_MAXN], len;

		do {
			len = (int)mb_range(g, 1, 30);
			mb_fill(g, a, len, -1000000, c == 0 ? -1 : 1000000);
		} while (max_array(a, len) == 0);
		case_on_array(g, "max_array", a, len, max_array(a, len));
	}
}

MB_DEFINE(second_largest, int second_largest(const int *a, int n), {
	int first = a[0], second = 0, have = 0;

	for (int i = 1; i < n; i++) {
		if (a[i] > first) {
			second = first;
			first = a[i];
			have = 1;
		} else if (a[i] < first && (!have || a[i] > second)) {
			second = a[i];
			have = 1;
		}
	}
	return second;
})

static void gen_second_largest(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int a[MB_MAXN], len, m;

		do {
			len = (int)mb_range(g, 2, 25);
			mb_fill(g, a, len, -50, 50);
			m = max_array(a, len);
			if (c % 2)	/* the maximum more than once */
				a[mb_range(g, 0, len - 1)] = m;
			a[mb_range(g, 0, len - 1)] = m - 1 - (int)(c % 3);
		} while (second_largest(a, len) == 0 ||
			 max_array(a, len) == second_largest(a, len));
		case_on_array(g, "second_largest", a, len,
			      second_largest(a, len));
	}
}

MB_DEFINE(binary_search,
	  int binary_search(const int *a, int n, int key), {
	int lo = 0, hi = n - 1;

	while (lo <= hi) {
		int mid = lo + (hi - lo) / 2;

		if (a[mid] == key)
			return mid;
		if (a[mid] < key)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
})

/* Each case: a key present at index >= 1 and one absent. */
static void gen_binary_search(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int a[MB_MAXN], len = (int)mb_range(g, 2, c == 0 ? 3 : 60);
		int at, keys[2];

		sorted_run(g, a, len, 1, c % 2 ? 3 : 100000);
		at = (int)mb_range(g, 1, len - 1);
		keys[0] = a[at];
		switch (c % 3) {
		case 0:
			keys[1] = a[0] - (int)mb_range(g, 1, 10);
			break;
		case 1:
			keys[1] = a[len - 1] + (int)mb_range(g, 1, 10);
			break;
		default:
			keys[1] = a[at] - 1;
		}
		mb_case_begin(g);
		mb_decl_ints(g, "a", a, len);
		for (int k = 0; k < 2; k++)
			mb_expect(g,
				  mb_f(g, "binary_search(a, %d, %d)", len,
				       keys[k]),
				  binary_search(a, len, keys[k]),
				  mb_f(g, "binary_search(%s, %d, %d)",
				       mb_ints(g, a, len, 1), len, keys[k]));
		mb_case_end(g);
	}
}

MB_DEFINE(sort_ints, void sort_ints(int *a, int n), {
	for (int i = 1; i < n; i++) {
		int v = a[i], j = i - 1;

		while (j >= 0 && a[j] > v) {
			a[j + 1] = a[j];
			j--;
		}
		a[j + 1] = v;
	}
})

/* Emit: a guarded copy of a, the in-place call, checks against want. */
static void expect_in_place(struct mb_gen *g, const char *call,
			    const int *a, int n, const int *want,
			    const char *desc)
{
	mb_decl_guarded(g, "a", a, n);
	mb_emitf(g, "%s;", call);
	mb_expect_ints(g, "a", want, n, desc);
	mb_expect_kept_ints(g, mb_f(g, "a + %d", n), 8, desc);
}

static int is_sorted(const int *a, int n)
{
	for (int i = 1; i < n; i++)
		if (a[i - 1] > a[i])
			return 0;
	return 1;
}

static void gen_sort_ints(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int a[MB_MAXN], want[MB_MAXN], len;

		do {
			len = (int)mb_range(g, 2, c == 0 ? 4 : MB_MAXN);
			mb_fill(g, a, len, c % 2 ? -5 : -1000000000,
				c % 2 ? 5 : 1000000000);
		} while (is_sorted(a, len));
		for (int i = 0; i < len; i++)
			want[i] = a[i];
		sort_ints(want, len);
		mb_case_begin(g);
		expect_in_place(g, mb_f(g, "sort_ints(a, %d)", len), a, len,
				want, mb_f(g, "a after sort_ints(%s, %d)",
					   mb_ints(g, a, len, 1), len));
		mb_case_end(g);
	}
}

MB_DEFINE(dedup_sorted, int dedup_sorted(int *a, int n), {
	int k = 0;

	for (int i = 0; i < n; i++)
		if (k == 0 || a[i] != a[k - 1])
			a[k++] = a[i];
	return k;
})

static void gen_dedup_sorted(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int a[MB_MAXN], want[MB_MAXN];
		int len = (int)mb_range(g, 1, c == 0 ? 3 : 40), k;
		const char *desc;

		sorted_run(g, a, len, 0, c % 2 ? 1 : 3);
		for (int i = 0; i < len; i++)
			want[i] = a[i];
		k = dedup_sorted(want, len);
		desc = mb_f(g, "dedup_sorted(%s, %d)", mb_ints(g, a, len, 1),
			    len);
		mb_case_begin(g);
		mb_decl_guarded(g, "a", a, len);
		mb_expect(g, mb_f(g, "dedup_sorted(a, %d)", len), k,
			  desc);
		mb_expect_ints(g, "a", want, k, mb_f(g, "a after %s", desc));
		mb_expect_kept_ints(g, mb_f(g, "a + %d", len), 8, desc);
		mb_case_end(g);
	}
}

MB_DEFINE(rotate_right, void rotate_right(int *a, int n, int k), {
	k %= n;
	for (int r = 0; r < k; r++) {
		int last = a[n - 1];

		for (int i = n - 1; i > 0; i--)
			a[i] = a[i - 1];
		a[0] = last;
	}
})

static void gen_rotate_right(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int a[MB_MAXN], want[MB_MAXN];
		int len = (int)mb_range(g, 2, c == 0 ? 3 : 40), k;

		for (int i = 0; i < len; i++)
			a[i] = i * 10 + (int)mb_range(g, 0, 9);
		mb_shuffle(g, a, len);
		do
			k = (int)mb_range(g, 1, c < 3 ? len - 1 : 1000000);
		while (k % len == 0);
		for (int i = 0; i < len; i++)
			want[i] = a[i];
		rotate_right(want, len, k);
		mb_case_begin(g);
		expect_in_place(g, mb_f(g, "rotate_right(a, %d, %d)", len, k),
				a, len, want,
				mb_f(g, "a after rotate_right(%s, %d, %d)",
				     mb_ints(g, a, len, 1), len, k));
		mb_case_end(g);
	}
}

MB_DEFINE(max_subarray, long long max_subarray(const int *a, int n), {
	long long best = a[0], cur = a[0];

	for (int i = 1; i < n; i++) {
		cur = cur > 0 ? cur + a[i] : a[i];
		if (cur > best)
			best = cur;
	}
	return best;
})

static void gen_max_subarray(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int a[MB_MAXN], len, big = c == 4 ? 2000000000 : 100;

		do {
			len = (int)mb_range(g, 1, 40);
			mb_fill(g, a, len, -big, c == 0 ? -1 : big / 2);
		} while (max_subarray(a, len) == 0);
		case_on_array(g, "max_subarray", a, len,
			      max_subarray(a, len));
	}
}

MB_DEFINE(merge_sorted,
	  void merge_sorted(const int *a, int na, const int *b, int nb,
			    int *out), {
	int i = 0, j = 0, k = 0;

	while (i < na && j < nb)
		out[k++] = a[i] <= b[j] ? a[i++] : b[j++];
	while (i < na)
		out[k++] = a[i++];
	while (j < nb)
		out[k++] = b[j++];
})

static void gen_merge_sorted(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int a[MB_MAXN], b[MB_MAXN], want[2 * MB_MAXN];
		int na = 0, nb = 0, len = (int)mb_range(g, 2, 40);

		/* deal a sorted run out to a and b: they interleave */
		sorted_run(g, want, len, 0, c % 2 ? 2 : 50);
		for (int i = 0; i < len; i++) {
			if (c == 0 || (c != 1 && mb_range(g, 0, 1)))
				b[nb++] = want[i];
			else
				a[na++] = want[i];
		}
		merge_sorted(a, na, b, nb, want);
		mb_case_begin(g);
		mb_decl_ints(g, "a", a, na);
		mb_decl_ints(g, "b", b, nb);
		mb_expect_out_ints(g, mb_f(g, "merge_sorted(a, %d, b, %d, out)",
					   na, nb), want, na + nb,
				   mb_f(g, "out after merge_sorted(%s, %d, %s, "
					"%d, out)", mb_ints(g, a, na, 1), na,
					mb_ints(g, b, nb, 1), nb));
		mb_case_end(g);
	}
}

MB_DEFINE(lis_length, int lis_length(const int *a, int n), {
	int *tails = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
	int len = 0;

	if (!tails)
		return -1;
	for (int i = 0; i < n; i++) {
		int lo = 0, hi = len;

		while (lo < hi) {
			int mid = (lo + hi) / 2;

			if (tails[mid] < a[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		tails[lo] = a[i];
		if (lo == len)
			len++;
	}
	free(tails);
	return len;
})

static void gen_lis_length(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int a[MB_MAXN], len = (int)mb_range(g, 1, c == 0 ? 4 : MB_MAXN);
		int spread = c % 2 ? 10 : 1000;

		mb_fill(g, a, len, -spread, spread);
		if (c == 2)
			qsort(a, (size_t)len, sizeof(int), cmp_int);
		case_on_array(g, "lis_length", a, len, lis_length(a, len));
	}
}

MB_DEFINE(count_inversions,
	  long long count_inversions(const int *a, int n), {
	long long count = 0;

	for (int i = 0; i < n; i++)
		for (int j = i + 1; j < n; j++)
			if (a[i] > a[j])
				count++;
	return count;
})

static void gen_count_inversions(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int a[MB_MAXN], len;

		do {
			len = (int)mb_range(g, 2, c == 0 ? 4 : MB_MAXN);
			mb_fill(g, a, len, c % 2 ? -3 : -1000,
				c % 2 ? 3 : 1000);
		} while (count_inversions(a, len) == 0);
		case_on_array(g, "count_inversions", a, len,
			      count_inversions(a, len));
	}
}

const struct mb_def mb_tasks_array[] = {
	{ MB_TEXT(sum_array), .name = "Sum of an array",
	  .difficulty = "easy", .gen = gen_sum_array,
	  .statement = "Return the sum of the n ints a[0..n-1] (n >= 1).  "
		"Elements may be as large as 10^9 in magnitude, so the sum "
		"may not fit an int." },
	{ MB_TEXT(max_array), .name = "Maximum of an array",
	  .difficulty = "easy", .gen = gen_max_array,
	  .statement = "Return the largest of the n ints a[0..n-1] "
		"(n >= 1; all of them may be negative)." },
	{ MB_TEXT(second_largest), .name = "Second largest value",
	  .difficulty = "easy", .gen = gen_second_largest,
	  .statement = "Return the largest value of a[0..n-1] that is "
		"strictly smaller than the maximum.  The array holds at "
		"least two distinct values; the maximum may occur several "
		"times ({5, 7, 7, 3} gives 5)." },
	{ MB_TEXT(binary_search), .name = "Binary search",
	  .difficulty = "easy", .gen = gen_binary_search,
	  .statement = "a[0..n-1] is sorted in strictly increasing order.  "
		"Return the index i with a[i] == key, or -1 if key is not "
		"in the array.  Use O(log n) comparisons." },
	{ MB_TEXT(sort_ints), .name = "Sorting in place",
	  .difficulty = "easy", .gen = gen_sort_ints,
	  .statement = "Sort a[0..n-1] in place into non-decreasing order "
		"(n >= 1, duplicates allowed, any int values).  Do not touch "
		"memory outside a[0..n-1]." },
	{ MB_TEXT(dedup_sorted), .name = "Removing duplicates",
	  .difficulty = "easy", .gen = gen_dedup_sorted,
	  .statement = "a[0..n-1] (n >= 1) is sorted in non-decreasing "
		"order.  Remove repeated values in place: move the distinct "
		"values, in order, to the front of the array and return how "
		"many there are ({1, 1, 2, 3, 3} becomes {1, 2, 3, ...} and "
		"3 is returned).  What is left past them does not matter." },
	{ MB_TEXT(rotate_right), .name = "Rotating an array",
	  .difficulty = "easy", .gen = gen_rotate_right,
	  .statement = "Rotate a[0..n-1] (n >= 1) to the right by k "
		"positions, in place: the element at index i moves to index "
		"(i + k) mod n.  0 <= k <= 10^6, possibly larger than n." },
	{ MB_TEXT(max_subarray), .name = "Maximum subarray sum",
	  .difficulty = "medium", .gen = gen_max_subarray,
	  .statement = "Return the largest sum of a non-empty run of "
		"consecutive elements of a[0..n-1] (n >= 1).  If every "
		"element is negative, that is the largest element.  Sums "
		"may exceed the range of an int." },
	{ MB_TEXT(merge_sorted), .name = "Merging sorted arrays",
	  .difficulty = "easy", .gen = gen_merge_sorted,
	  .statement = "a[0..na-1] and b[0..nb-1] are each sorted in "
		"non-decreasing order (na or nb may be 0).  Write all na + "
		"nb values into out[0..na+nb-1] in non-decreasing order.  "
		"out has room for exactly na + nb ints." },
	{ MB_TEXT(lis_length), .name = "Longest increasing subsequence",
	  .difficulty = "hard", .gen = gen_lis_length,
	  .includes = "#include <stdlib.h>\n",
	  .statement = "Return the length of the longest strictly "
		"increasing subsequence of a[0..n-1] (1 <= n <= 2000): the "
		"most elements you can pick, keeping their order, each "
		"larger than the previous ({3, 1, 2, 2, 5} gives 3)." },
	{ MB_TEXT(count_inversions), .name = "Counting inversions",
	  .difficulty = "medium", .gen = gen_count_inversions,
	  .statement = "Return the number of pairs (i, j) with i < j and "
		"a[i] > a[j] in a[0..n-1] (1 <= n <= 2000)." },
};

const size_t mb_tasks_array_n = sizeof(mb_tasks_array) /
				sizeof(mb_tasks_array[0]);
