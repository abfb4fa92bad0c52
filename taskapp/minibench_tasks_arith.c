/*
 * minibench tasks on integers: divisors, primes, powers, bits, digits.
 * See minibench_int.h for how a task is defined.
 */
#include "minibench_int.h"

#include <stdint.h>
#include <stdlib.h>

MB_DEFINE(gcd, long long gcd(long long a, long long b), {
	if (a < 0)
		a = -a;
	if (b < 0)
		b = -b;
	while (b != 0) {
		long long t = a % b;

		a = b;
		b = t;
	}
	return a;
})

static void gen_gcd(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		long long big = c < 3 ? 1000 : 1LL << 30;
		long long f = mb_range(g, 1, big);
		long long a = f * mb_range(g, c == 1 ? 0 : 1, big);
		long long b = f * mb_range(g, 1, big);

		if (mb_range(g, 0, 3) == 0)
			a = -a;
		if (mb_range(g, 0, 3) == 0)
			b = -b;
		mb_case_ll(g, mb_f(g, "gcd(%lld, %lld)", a, b),
			   gcd(a, b), NULL);
	}
}

MB_DEFINE(lcm, long long lcm(long long a, long long b), {
	long long x = a, y = b;

	while (y != 0) {
		long long t = x % y;

		x = y;
		y = t;
	}
	return a / x * b;
})

static void gen_lcm(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		long long f = mb_range(g, 1, c < 3 ? 20 : 1000);
		long long a = f * mb_range(g, 1, 1000);
		long long b = f * mb_range(g, 1, 1000);

		mb_case_ll(g, mb_f(g, "lcm(%lld, %lld)", a, b),
			   lcm(a, b), NULL);
	}
}

/*
 * Miller-Rabin, deterministic with these bases below 3.4 * 10^12; the
 * products are split so that none passes 2^60 (n < 2^40).
 */
MB_HELPER(is_prime,
static unsigned long long mulmod40(unsigned long long a,
				   unsigned long long b, unsigned long long m) {
	unsigned long long hi = a * (b >> 20) % m;

	return ((hi << 20) % m + a * (b & 0xfffff)) % m;
}
static unsigned long long powmod40(unsigned long long b, unsigned long long e,
				   unsigned long long m) {
	unsigned long long r = 1;

	for (b %= m; e > 0; e >>= 1) {
		if (e & 1)
			r = mulmod40(r, b, m);
		b = mulmod40(b, b, m);
	}
	return r;
})

MB_DEFINE(is_prime, int is_prime(long long n), {
	static const unsigned long long bases[6] = { 2, 3, 5, 7, 11, 13 };
	unsigned long long m = (unsigned long long)n, d;
	int s = 0;

	if (n < 2)
		return 0;
	for (int i = 0; i < 6; i++)
		if (m % bases[i] == 0)
			return m == bases[i];
	for (d = m - 1; d % 2 == 0; d /= 2)
		s++;
	for (int i = 0; i < 6; i++) {
		unsigned long long x = powmod40(bases[i], d, m);
		int r = 1;

		if (x == 1 || x == m - 1)
			continue;
		for (; r < s; r++) {
			x = mulmod40(x, x, m);
			if (x == m - 1)
				break;
		}
		if (r == s)
			return 0;
	}
	return 1;
})

static long long next_prime(long long n)
{
	while (!is_prime(n))
		n++;
	return n;
}

/* Each case: two primes and two composites (one a product of primes). */
static void gen_is_prime(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		long long top = c < 2 ? 100 : c < 5 ? 1000000 : 1000000000000LL;
		long long v[4];

		v[0] = next_prime(mb_range(g, 2, top));
		v[1] = next_prime(mb_range(g, 2, top));
		v[2] = next_prime(mb_range(g, 2, c < 2 ? 10 : 1000)) *
		       next_prime(mb_range(g, 2, c < 2 ? 10 : 1000000));
		switch (mb_range(g, 0, 3)) {
		case 0:
			v[3] = mb_range(g, -5, 1);
			break;
		case 1:
			v[3] = 2 * mb_range(g, 2, top / 2);
			break;
		default:
			v[3] = v[0] * 3;
		}
		mb_case_begin(g);
		for (int k = 0; k < 4; k++) {
			long long x = v[(k + c) % 4];

			mb_expect_bool(g, mb_f(g, "is_prime(%lld)", x),
				  is_prime(x), NULL);
		}
		mb_case_end(g);
	}
}

MB_DEFINE(count_primes, int count_primes(int n), {
	char *composite;
	int count = 0;

	if (n < 2)
		return 0;
	composite = calloc((size_t)n + 1, 1);
	if (!composite)
		return -1;
	for (long long i = 2; i <= n; i++) {
		if (composite[i])
			continue;
		count++;
		for (long long j = i * i; j <= n; j += i)
			composite[j] = 1;
	}
	free(composite);
	return count;
})

static void gen_count_primes(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int v = (int)mb_range(g, 2, c < 3 ? 100 : 1000000);

		mb_case_ll(g, mb_f(g, "count_primes(%d)", v),
			   count_primes(v), NULL);
	}
}

MB_DEFINE(fib_mod, long long fib_mod(long long n, long long m), {
	unsigned long long mm = (unsigned long long)m;
	unsigned long long a = 0, b = 1 % mm;

	for (int i = 62; i >= 0; i--) {
		unsigned long long c = a * ((2 * b + mm - a) % mm) % mm;
		unsigned long long d = (a * a + b * b) % mm;

		if ((n >> i) & 1) {
			a = d;
			b = (c + d) % mm;
		} else {
			a = c;
			b = d;
		}
	}
	return (long long)a;
})

static void gen_fib_mod(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		long long top = c < 2 ? 90 : c < 4 ? 1000000 :
			1000000000000000000LL;
		long long v, m, r;

		do {
			v = mb_range(g, 1, top);
			m = mb_range(g, 2, c % 2 ? 1000 : 1000000000);
			r = fib_mod(v, m);
		} while (r == 0);
		mb_case_ll(g, mb_f(g, "fib_mod(%lld, %lld)", v, m),
			   r, NULL);
	}
}

MB_DEFINE(power_mod,
	  long long power_mod(long long base, long long exp, long long mod), {
	unsigned long long m = (unsigned long long)mod;
	unsigned long long b = (unsigned long long)base % m;
	unsigned long long r = 1 % m;

	while (exp > 0) {
		if (exp & 1)
			r = r * b % m;
		b = b * b % m;
		exp >>= 1;
	}
	return (long long)r;
})

static void gen_power_mod(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		long long b, e, m, r;

		do {
			b = mb_range(g, 0, c < 2 ? 20 : 1000000000000000000LL);
			e = mb_range(g, 0, c < 2 ? 20 : 1000000000000000000LL);
			m = mb_range(g, 2, c < 2 ? 1000 : 2000000000);
			r = power_mod(b, e, m);
		} while (r == 0);
		mb_case_ll(g,
			   mb_f(g, "power_mod(%lld, %lld, %lld)", b, e, m), r,
			   NULL);
	}
}

MB_DEFINE(popcount, int popcount(unsigned long long x), {
	int n = 0;

	while (x) {
		x &= x - 1;
		n++;
	}
	return n;
})

static void gen_popcount(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		uint64_t x = mb_u64(g);

		for (int k = c % 3; k > 0; k--)
			x &= mb_u64(g);	/* sparser */
		if (c == 0)
			x = ~0ULL >> mb_range(g, 0, 63);
		if (!x)
			x = 1ULL << mb_range(g, 0, 63);
		mb_case_ll(g,
			   mb_f(g, "popcount(0x%llx)", (unsigned long long)x),
			   popcount(x), NULL);
	}
}

MB_DEFINE(reverse_bits, uint32_t reverse_bits(uint32_t x), {
	uint32_t r = 0;

	for (int i = 0; i < 32; i++) {
		r = (r << 1) | (x & 1);
		x >>= 1;
	}
	return r;
})

static void gen_reverse_bits(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		uint32_t x = (uint32_t)mb_u64(g);

		if (c == 0)
			x = 1u << mb_range(g, 0, 31);
		if (!x)
			x = 0x80000001u;
		mb_case_begin(g);
		mb_expect_ull(g, mb_f(g, "reverse_bits(0x%xu)", (unsigned)x),
			      reverse_bits(x),
			      mb_f(g, "reverse_bits(0x%x)", (unsigned)x));
		mb_case_end(g);
	}
}

MB_DEFINE(digit_sum, int digit_sum(long long n), {
	int s = 0;

	if (n < 0)
		n = -n;
	while (n > 0) {
		s += (int)(n % 10);
		n /= 10;
	}
	return s;
})

static void gen_digit_sum(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		long long v = mb_range(g, 1, INT64_MAX >> mb_range(g, 0, 60));

		if (c % 3 == 1)
			v = -v;
		mb_case_ll(g, mb_f(g, "digit_sum(%lld)", v),
			   digit_sum(v), NULL);
	}
}

MB_DEFINE(isqrt, long long isqrt(long long n), {
	long long lo = 0, hi = 3037000499LL;

	while (lo < hi) {
		long long mid = lo + (hi - lo + 1) / 2;

		if (mid <= n / mid)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
})

static void gen_isqrt(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		long long v;

		if (c % 3 == 0) {
			long long r = mb_range(g, 1, c ? 3037000499LL : 1000);

			v = r * r + mb_range(g, -1, r == 3037000499LL ? 0 : 1);
		} else if (c == 4) {
			v = INT64_MAX - mb_range(g, 0, 1000);
		} else {
			v = mb_range(g, 1, INT64_MAX >> mb_range(g, 0, 50));
		}
		if (v < 1)
			v = 1;
		mb_case_ll(g, mb_f(g, "isqrt(%lld)", v), isqrt(v),
			   NULL);
	}
}

MB_DEFINE(collatz_steps, int collatz_steps(long long n), {
	int steps = 0;

	while (n != 1) {
		n = n % 2 ? 3 * n + 1 : n / 2;
		steps++;
	}
	return steps;
})

static void gen_collatz_steps(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		long long v = mb_range(g, 2, c < 3 ? 100 : 1000000000);

		mb_case_ll(g, mb_f(g, "collatz_steps(%lld)", v),
			   collatz_steps(v), NULL);
	}
}

MB_DEFINE(to_base, void to_base(long long v, int base, char *out), {
	const char *digits = "0123456789abcdefghijklmnopqrstuvwxyz";
	unsigned long long u = (unsigned long long)v;
	char tmp[72];
	int n = 0, k = 0;

	if (v < 0)
		u = 0 - u;
	do {
		tmp[n++] = digits[u % (unsigned)base];
		u /= (unsigned)base;
	} while (u != 0);
	if (v < 0)
		out[k++] = '-';
	while (n > 0)
		out[k++] = tmp[--n];
	out[k] = '\0';
})

static void gen_to_base(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int base = c == 0 ? 2 : c == 1 ? 16 : (int)mb_range(g, 2, 36);
		long long v = mb_range(g, 0, INT64_MAX >> mb_range(g, 0, 62));
		char out[80];

		if (c == 3)
			v = 0;
		else if (c == 5 && mb_range(g, 0, 1))
			v = INT64_MIN;
		else if (mb_range(g, 0, 2) == 0)
			v = -v;
		to_base(v, base, out);
		mb_case_begin(g);
		mb_emitf(g, "char out[80];");
		mb_emitf(g, "mb_fill_chars(out, sizeof(out), '#');");
		mb_emitf(g, "to_base(%s, %d, out);", mb_lit_ll(g, v), base);
		mb_expect_str(g, "out", 80, out,
			      mb_f(g, "out after to_base(%s, %d, out)",
				   mb_lit_ll(g, v), base));
		mb_case_end(g);
	}
}

MB_DEFINE(day_of_year, int day_of_year(int year, int month, int day), {
	static const int before[12] = {
		0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334
	};
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return before[month - 1] + day + (leap && month > 2);
})

static void gen_day_of_year(struct mb_gen *g)
{
	static const int mdays[12] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int y = (int)mb_range(g, 1, 9999);
		int m = (int)mb_range(g, 1, 12);
		int d;

		if (c < 3)	/* centuries and leap years around March */
			y = c == 0 ? (int)mb_range(g, 1, 99) * 100 :
				(int)mb_range(g, 1, 2499) * 4;
		if (c < 3)
			m = (int)mb_range(g, 2, 4);
		d = (int)mb_range(g, 1, mdays[m - 1]);
		if (m == 2 && d == 29 && !(y % 4 == 0 &&
					   (y % 100 != 0 || y % 400 == 0)))
			d = 28;
		mb_case_ll(g,
			   mb_f(g, "day_of_year(%d, %d, %d)", y, m, d),
			   day_of_year(y, m, d), NULL);
	}
}

MB_DEFINE(binomial, long long binomial(int n, int k), {
	long long r = 1;

	if (k > n - k)
		k = n - k;
	for (int i = 0; i < k; i++)
		r = r * (n - i) / (i + 1);
	return r;
})

static void gen_binomial(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int v = (int)mb_range(g, c < 2 ? 0 : 20, c < 2 ? 10 : 60);
		int k = (int)mb_range(g, 0, v);

		if (c == 2)
			k = v / 2;
		mb_case_ll(g, mb_f(g, "binomial(%d, %d)", v, k),
			   binomial(v, k), NULL);
	}
}

const struct mb_def mb_tasks_arith[] = {
	{ MB_TEXT(gcd), .name = "Greatest common divisor",
	  .difficulty = "easy", .gen = gen_gcd,
	  .statement = "Return the greatest common divisor of |a| and |b| "
		"(never negative).  gcd(x, 0) is |x| and gcd(0, 0) is 0.  "
		"|a| and |b| are below 2^62." },
	{ MB_TEXT(lcm), .name = "Least common multiple",
	  .difficulty = "easy", .gen = gen_lcm,
	  .statement = "Return the least common multiple of a and b, where "
		"1 <= a, b <= 1000000." },
	{ MB_TEXT(is_prime), .name = "Primality test",
	  .difficulty = "medium", .gen = gen_is_prime,
	  .helper = is_prime_helper,
	  .statement = "Return 1 if n is a prime number and 0 otherwise.  "
		"n may be negative, zero or one (none of them is prime) and "
		"is at most 10^12; each call must finish in well under a "
		"second." },
	{ MB_TEXT(count_primes), .name = "Counting primes",
	  .difficulty = "medium", .gen = gen_count_primes,
	  .includes = "#include <stdlib.h>\n",
	  .statement = "Return how many prime numbers are less than or equal "
		"to n, for 0 <= n <= 1000000 (count_primes(10) is 4).  Each "
		"call must finish in well under a second." },
	{ MB_TEXT(fib_mod), .name = "Fibonacci modulo m",
	  .difficulty = "hard", .gen = gen_fib_mod,
	  .statement = "Return F(n) mod m, where F(0) = 0, F(1) = 1 and "
		"F(k) = F(k-1) + F(k-2).  0 <= n <= 10^18 and "
		"2 <= m <= 10^9, so iterating n times is far too slow: use "
		"O(log n) steps." },
	{ MB_TEXT(power_mod), .name = "Modular exponentiation",
	  .difficulty = "medium", .gen = gen_power_mod,
	  .statement = "Return (base^exp) mod mod, for 0 <= base <= 10^18, "
		"0 <= exp <= 10^18 and 2 <= mod <= 2*10^9 (x^0 is 1).  Take "
		"care that intermediate products do not overflow." },
	{ MB_TEXT(popcount), .name = "Counting set bits",
	  .difficulty = "easy", .gen = gen_popcount,
	  .statement = "Return the number of bits set to 1 in the 64-bit "
		"value x." },
	{ MB_TEXT(reverse_bits), .name = "Reversing bits",
	  .difficulty = "easy", .gen = gen_reverse_bits,
	  .includes = "#include <stdint.h>\n",
	  .statement = "Return x with its 32 bits in reverse order: bit 0 "
		"becomes bit 31, bit 1 becomes bit 30, and so on "
		"(reverse_bits(1) is 0x80000000).  Include <stdint.h>." },
	{ MB_TEXT(digit_sum), .name = "Sum of decimal digits",
	  .difficulty = "easy", .gen = gen_digit_sum,
	  .statement = "Return the sum of the decimal digits of |n| "
		"(digit_sum(-123) is 6).  n is greater than LLONG_MIN." },
	{ MB_TEXT(isqrt), .name = "Integer square root",
	  .difficulty = "hard", .gen = gen_isqrt,
	  .statement = "Return the largest integer r with r * r <= n, for "
		"0 <= n <= LLONG_MAX.  Beware: a double does not hold every "
		"long long exactly, and r * r may overflow." },
	{ MB_TEXT(collatz_steps), .name = "Collatz steps",
	  .difficulty = "easy", .gen = gen_collatz_steps,
	  .statement = "Starting from n (1 <= n <= 10^9), repeatedly "
		"replace n by n / 2 if it is even and by 3n + 1 if it is "
		"odd, until n is 1.  Return the number of replacements "
		"(collatz_steps(1) is 0, collatz_steps(6) is 8)." },
	{ MB_TEXT(to_base), .name = "Integer to base-b string",
	  .difficulty = "medium", .gen = gen_to_base,
	  .statement = "Write v in base `base` (2 to 36) into out as a "
		"NUL-terminated string: digits 0-9 then lowercase a-z, a "
		"leading '-' for negative values, no leading zeros, \"0\" "
		"for zero.  v may be any long long, LLONG_MIN included; out "
		"has room for at least 80 bytes." },
	{ MB_TEXT(day_of_year), .name = "Day of the year",
	  .difficulty = "easy", .gen = gen_day_of_year,
	  .statement = "Return the day of the year (1 to 366) of the valid "
		"Gregorian date year-month-day, 1 <= year <= 9999, month 1 "
		"to 12.  Leap years: divisible by 4, except centuries not "
		"divisible by 400." },
	{ MB_TEXT(binomial), .name = "Binomial coefficient",
	  .difficulty = "medium", .gen = gen_binomial,
	  .statement = "Return the binomial coefficient C(n, k), the number "
		"of ways to choose k items out of n, for 0 <= k <= n <= 60.  "
		"The result fits a long long, but naive factorials do not." },
};

const size_t mb_tasks_arith_n = sizeof(mb_tasks_arith) /
				sizeof(mb_tasks_arith[0]);
