#include "minibench_known.h"

#include "rv_alloc.h"

/* The code is written as C and kept as text (comments vanish). */
#define KNOWN(id, ...) { #id, #__VA_ARGS__ }

const struct minibench_known minibench_known[] = {
KNOWN(gcd,
	CHECK(gcd(12, 18) == 6);
	CHECK(gcd(-12, 18) == 6);
	CHECK(gcd(12, -18) == 6);
	CHECK(gcd(0, 0) == 0);
	CHECK(gcd(0, -7) == 7);
	CHECK(gcd(17, 0) == 17);
	CHECK(gcd(1LL << 61, 3LL << 40) == 1LL << 40);
),
KNOWN(lcm,
	CHECK(lcm(4, 6) == 12);
	CHECK(lcm(7, 7) == 7);
	CHECK(lcm(1, 999983) == 999983);
	CHECK(lcm(1000000, 999999) == 999999000000LL);
),
KNOWN(is_prime,
	for (long long n = -5; n < 30000; n++) {
		int p = n >= 2;

		for (long long d = 2; d * d <= n && p; d++)
			p = n % d != 0;
		CHECK(is_prime(n) == p);
	}
	CHECK(is_prime(999999999989LL));
	CHECK(is_prime(1000003));
	CHECK(!is_prime(999999999999LL));
	CHECK(!is_prime(999983LL * 999979LL));
	CHECK(!is_prime(2047));
	CHECK(!is_prime(3215031751LL));
	CHECK(!is_prime(561));
	CHECK(!is_prime(1000000000000LL));
),
KNOWN(count_primes,
	CHECK(count_primes(0) == 0);
	CHECK(count_primes(1) == 0);
	CHECK(count_primes(2) == 1);
	CHECK(count_primes(10) == 4);
	CHECK(count_primes(100) == 25);
	CHECK(count_primes(7919) == 1000);
	CHECK(count_primes(1000000) == 78498);
),
KNOWN(fib_mod,
	long long ms[3] = { 2, 1000, 999999937 };

	for (int k = 0; k < 3; k++) {
		long long a = 0, b = 1, m = ms[k];

		for (long long n = 0; n < 3000; n++) {
			long long t = (a + b) % m;

			CHECK(fib_mod(n, m) == a);
			a = b;
			b = t;
		}
	}
	CHECK(fib_mod(1000000000000000000LL, 10) == 5);
	CHECK(fib_mod(1000000000000000000LL, 1000) == 875);
),
KNOWN(power_mod,
	for (long long b = 0; b < 30; b++) {
		for (long long m = 2; m < 40; m += 3) {
			long long r = 1 % m;

			for (long long e = 0; e < 40; e++) {
				CHECK(power_mod(b, e, m) == r);
				r = r * b % m;
			}
		}
	}
	CHECK(power_mod(123456789, 1000000006, 1000000007) == 1);
	CHECK(power_mod(1000000000000000000LL, 1, 1999999999) ==
	      1000000000000000000LL % 1999999999);
	CHECK(power_mod(2, 1000000000000000000LL, 1000000007) ==
	      power_mod(4, 500000000000000000LL, 1000000007));
),
KNOWN(popcount,
	CHECK(popcount(0) == 0);
	CHECK(popcount(~0ULL) == 64);
	CHECK(popcount(0x8000000000000001ULL) == 2);
	CHECK(popcount(0xf0f0ULL) == 8);
),
KNOWN(reverse_bits,
	CHECK(reverse_bits(1) == 0x80000000u);
	CHECK(reverse_bits(0xf) == 0xf0000000u);
	CHECK(reverse_bits(0x12345678) == 0x1e6a2c48u);
	CHECK(reverse_bits(0xffffffffu) == 0xffffffffu);
),
KNOWN(digit_sum,
	CHECK(digit_sum(-123) == 6);
	CHECK(digit_sum(0) == 0);
	CHECK(digit_sum(9) == 9);
	CHECK(digit_sum(LLONG_MAX) == 88);
	CHECK(digit_sum(-LLONG_MAX) == 88);
),
KNOWN(isqrt,
	unsigned long long probe[] = {
		0, 1, 2, 3, 4, 15, 16, 17, 999999999999ULL, 1000000000000ULL,
		9223372030926249000ULL, 9223372030926249001ULL,
		9223372036854775807ULL, 4611686014132420608ULL,
	};

	for (unsigned i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
		unsigned long long n = probe[i];
		unsigned long long r = (unsigned long long)isqrt((long long)n);

		CHECK(r * r <= n && (r + 1) * (r + 1) > n);
	}
	for (long long n = 0; n < 20000; n++) {
		long long r = isqrt(n);

		CHECK(r * r <= n && (r + 1) * (r + 1) > n);
	}
),
KNOWN(collatz_steps,
	CHECK(collatz_steps(1) == 0);
	CHECK(collatz_steps(2) == 1);
	CHECK(collatz_steps(6) == 8);
	CHECK(collatz_steps(27) == 111);
	CHECK(collatz_steps(97) == 118);
),
KNOWN(to_base,
	char out[80];

	to_base(255, 16, out);
	CHECK(!strcmp(out, "ff"));
	to_base(0, 2, out);
	CHECK(!strcmp(out, "0"));
	to_base(-10, 2, out);
	CHECK(!strcmp(out, "-1010"));
	to_base(35, 36, out);
	CHECK(!strcmp(out, "z"));
	to_base(LLONG_MAX, 36, out);
	CHECK(!strcmp(out, "1y2p0ij32e8e7"));
	to_base(LLONG_MIN, 16, out);
	CHECK(!strcmp(out, "-8000000000000000"));
	to_base(-1, 10, out);
	CHECK(!strcmp(out, "-1"));
),
KNOWN(day_of_year,
	CHECK(day_of_year(1, 1, 1) == 1);
	CHECK(day_of_year(2000, 3, 1) == 61);
	CHECK(day_of_year(1900, 3, 1) == 60);
	CHECK(day_of_year(2023, 12, 31) == 365);
	CHECK(day_of_year(2024, 12, 31) == 366);
	CHECK(day_of_year(2024, 2, 29) == 60);
),
KNOWN(binomial,
	unsigned long long row[61] = { 1 };

	for (int n = 0; n <= 60; n++) {
		for (int k = n; k > 0; k--)
			row[k] += row[k - 1];
		for (int k = 0; k <= n; k++)
			CHECK(binomial(n, k) == (long long)row[k]);
	}
),
KNOWN(sum_array,
	int a[] = { 1, 2, 3 }, b[] = { 1000000000, 1000000000, 1000000000 };
	int c[] = { -5 };

	CHECK(sum_array(a, 3) == 6);
	CHECK(sum_array(b, 3) == 3000000000LL);
	CHECK(sum_array(c, 1) == -5);
),
KNOWN(max_array,
	int a[] = { -5, -2, -9 }, b[] = { 3, 8, 8, 1 };

	CHECK(max_array(a, 3) == -2);
	CHECK(max_array(b, 4) == 8);
	CHECK(max_array(b, 1) == 3);
),
KNOWN(second_largest,
	int a[] = { 5, 7, 7, 3 }, b[] = { 1, 2 }, c[] = { -1, -1, -3 };
	int d[] = { 9, 9, 9, 0 };

	CHECK(second_largest(a, 4) == 5);
	CHECK(second_largest(b, 2) == 1);
	CHECK(second_largest(c, 3) == -3);
	CHECK(second_largest(d, 4) == 0);
),
KNOWN(binary_search,
	int a[] = { 1, 3, 5, 7 };

	CHECK(binary_search(a, 4, 7) == 3);
	CHECK(binary_search(a, 4, 1) == 0);
	CHECK(binary_search(a, 4, 4) == -1);
	CHECK(binary_search(a, 4, 0) == -1);
	CHECK(binary_search(a, 4, 8) == -1);
	CHECK(binary_search(a, 1, 1) == 0);
),
KNOWN(sort_ints,
	int a[200], b[200];

	srand(7);
	for (int round = 0; round < 50; round++) {
		int n = 1 + rand() % 200;

		for (int i = 0; i < n; i++)
			a[i] = b[i] = rand() % 2 ? rand() % 21 - 10 :
					      rand() - RAND_MAX / 2;
		sort_ints(a, n);
		for (int i = 1; i < n; i++)
			CHECK(a[i - 1] <= a[i]);
		for (int i = 0; i < n; i++) {
			int in_a = 0, in_b = 0;

			for (int j = 0; j < n; j++) {
				in_a += a[j] == b[i];
				in_b += b[j] == b[i];
			}
			CHECK(in_a == in_b);
		}
	}
),
KNOWN(dedup_sorted,
	int a[] = { 1, 1, 2, 3, 3 }, b[] = { 4 }, c[] = { 2, 2, 2 };

	CHECK(dedup_sorted(a, 5) == 3);
	CHECK(a[0] == 1 && a[1] == 2 && a[2] == 3);
	CHECK(dedup_sorted(b, 1) == 1 && b[0] == 4);
	CHECK(dedup_sorted(c, 3) == 1 && c[0] == 2);
),
KNOWN(rotate_right,
	int a[] = { 1, 2, 3, 4, 5 }, b[] = { 1, 2, 3, 4, 5 };
	int c[] = { 1, 2, 3 };

	rotate_right(a, 5, 2);
	CHECK(a[0] == 4 && a[1] == 5 && a[2] == 1 && a[3] == 2 && a[4] == 3);
	rotate_right(b, 5, 7);
	CHECK(b[0] == 4 && b[1] == 5 && b[2] == 1 && b[3] == 2 && b[4] == 3);
	rotate_right(c, 3, 0);
	CHECK(c[0] == 1 && c[1] == 2 && c[2] == 3);
),
KNOWN(max_subarray,
	int a[] = { -2, 1, -3, 4, -1, 2, 1, -5, 4 }, b[] = { -3, -1, -2 };
	int c[40];

	CHECK(max_subarray(a, 9) == 6);
	CHECK(max_subarray(b, 3) == -1);
	srand(3);
	for (int round = 0; round < 200; round++) {
		int n = 1 + rand() % 40;
		long long best = LLONG_MIN;

		for (int i = 0; i < n; i++)
			c[i] = rand() % 2001 - 1000;
		for (int i = 0; i < n; i++) {
			long long s = 0;

			for (int j = i; j < n; j++) {
				s += c[j];
				if (s > best)
					best = s;
			}
		}
		CHECK(max_subarray(c, n) == best);
	}
),
KNOWN(merge_sorted,
	int a[] = { 1, 3, 5 }, b[] = { 2, 2, 6 }, out[6];

	merge_sorted(a, 3, b, 3, out);
	CHECK(out[0] == 1 && out[1] == 2 && out[2] == 2 && out[3] == 3 &&
	      out[4] == 5 && out[5] == 6);
	merge_sorted(a, 0, b, 3, out);
	CHECK(out[0] == 2 && out[1] == 2 && out[2] == 6);
),
KNOWN(lis_length,
	int a[] = { 3, 1, 2, 2, 5 }, b[] = { 10, 9, 2, 5, 3, 7, 101, 18 };
	int c[60], best[60];

	CHECK(lis_length(a, 5) == 3);
	CHECK(lis_length(b, 8) == 4);
	srand(5);
	for (int round = 0; round < 200; round++) {
		int n = 1 + rand() % 60, m = 0;

		for (int i = 0; i < n; i++) {
			c[i] = rand() % 30;
			best[i] = 1;
			for (int j = 0; j < i; j++)
				if (c[j] < c[i] && best[j] + 1 > best[i])
					best[i] = best[j] + 1;
			if (best[i] > m)
				m = best[i];
		}
		CHECK(lis_length(c, n) == m);
	}
),
KNOWN(count_inversions,
	int a[] = { 2, 4, 1, 3, 5 }, b[] = { 5, 4, 3, 2, 1 }, c[] = { 1, 1 };

	CHECK(count_inversions(a, 5) == 3);
	CHECK(count_inversions(b, 5) == 10);
	CHECK(count_inversions(c, 2) == 0);
),
KNOWN(reverse_string,
	char a[] = "abc", b[] = "", c[] = "ab";

	reverse_string(a);
	reverse_string(b);
	reverse_string(c);
	CHECK(!strcmp(a, "cba") && !strcmp(b, "") && !strcmp(c, "ba"));
),
KNOWN(is_palindrome,
	CHECK(is_palindrome("A man, a plan, a canal: Panama"));
	CHECK(!is_palindrome("race a car"));
	CHECK(is_palindrome(""));
	CHECK(is_palindrome(".,"));
	CHECK(!is_palindrome("0P"));
	CHECK(is_palindrome("No 'x' in Nixon"));
),
KNOWN(count_vowels,
	CHECK(count_vowels("Hello World") == 3);
	CHECK(count_vowels("rhythm") == 0);
	CHECK(count_vowels("AEIOUaeiouy") == 10);
	CHECK(count_vowels("") == 0);
),
KNOWN(word_count,
	CHECK(word_count("  a b\tcd\n") == 3);
	CHECK(word_count("") == 0);
	CHECK(word_count("   ") == 0);
	CHECK(word_count("one") == 1);
	CHECK(word_count("a,b c.") == 2);
),
KNOWN(caesar,
	char a[] = "xyz", b[] = "Hello, World!", c[] = "a", d[] = "a";

	caesar(a, 3);
	caesar(b, -1);
	caesar(c, 26 * 1000 + 1);
	caesar(d, -27);
	CHECK(!strcmp(a, "abc"));
	CHECK(!strcmp(b, "Gdkkn, Vnqkc!"));
	CHECK(!strcmp(c, "b"));
	CHECK(!strcmp(d, "z"));
),
KNOWN(clamp_atoi,
	CHECK(clamp_atoi("42") == 42);
	CHECK(clamp_atoi("   -42abc") == -42);
	CHECK(clamp_atoi("\t\n+0012") == 12);
	CHECK(clamp_atoi("99999999999") == INT_MAX);
	CHECK(clamp_atoi("-99999999999999999999999") == INT_MIN);
	CHECK(clamp_atoi("-2147483648") == INT_MIN);
	CHECK(clamp_atoi("-2147483647") == -2147483647);
	CHECK(clamp_atoi("2147483647") == INT_MAX);
	CHECK(clamp_atoi("2147483648") == INT_MAX);
	CHECK(clamp_atoi("abc") == 0);
	CHECK(clamp_atoi("+-1") == 0);
	CHECK(clamp_atoi("-") == 0);
	CHECK(clamp_atoi("12 34") == 12);
),
KNOWN(rle_encode,
	char out[32];

	CHECK(rle_encode("aaabcc", out, 32) == 6 && !strcmp(out, "a3b1c2"));
	CHECK(rle_encode("aaabcc", out, 7) == 6 && !strcmp(out, "a3b1c2"));
	CHECK(rle_encode("aaabcc", out, 6) == -1);
	CHECK(rle_encode("aaaaaaaaaaaa", out, 4) == 3 && !strcmp(out, "a12"));
	CHECK(rle_encode("aaaaaaaaaaaa", out, 3) == -1);
	CHECK(rle_encode("z", out, 3) == 2 && !strcmp(out, "z1"));
),
KNOWN(int_to_roman,
	char out[16];

	int_to_roman(1994, out);
	CHECK(!strcmp(out, "MCMXCIV"));
	int_to_roman(3999, out);
	CHECK(!strcmp(out, "MMMCMXCIX"));
	int_to_roman(4, out);
	CHECK(!strcmp(out, "IV"));
	int_to_roman(58, out);
	CHECK(!strcmp(out, "LVIII"));
	int_to_roman(3888, out);
	CHECK(!strcmp(out, "MMMDCCCLXXXVIII"));
	int_to_roman(1, out);
	CHECK(!strcmp(out, "I"));
),
KNOWN(roman_to_int,
	CHECK(roman_to_int("MCMXCIV") == 1994);
	CHECK(roman_to_int("MMMCMXCIX") == 3999);
	CHECK(roman_to_int("IV") == 4);
	CHECK(roman_to_int("LVIII") == 58);
	CHECK(roman_to_int("MMMDCCCLXXXVIII") == 3888);
	CHECK(roman_to_int("XLIX") == 49);
),
KNOWN(balanced,
	CHECK(balanced("a(b[c]){}"));
	CHECK(!balanced("([)]"));
	CHECK(balanced(""));
	CHECK(!balanced("("));
	CHECK(!balanced(")("));
	CHECK(balanced("{[()]}x"));
	CHECK(!balanced("(]"));
),
KNOWN(is_anagram,
	CHECK(is_anagram("Dormitory", "dirty room"));
	CHECK(!is_anagram("abc", "abd"));
	CHECK(is_anagram("a", "A"));
	CHECK(is_anagram("", ""));
	CHECK(!is_anagram("ab", "abb"));
	CHECK(is_anagram("a.b,c", "C B A"));
),
KNOWN(find_substring,
	CHECK(find_substring("abcabc", "ca") == 2);
	CHECK(find_substring("aaab", "aab") == 1);
	CHECK(find_substring("abc", "abcd") == -1);
	CHECK(find_substring("abc", "c") == 2);
	CHECK(find_substring("abc", "x") == -1);
	CHECK(find_substring("abc", "abc") == 0);
),
KNOWN(squeeze_spaces,
	char a[] = "  a   b ", b[] = "    ", c[] = "a\t  b", d[] = "ab";

	squeeze_spaces(a);
	squeeze_spaces(b);
	squeeze_spaces(c);
	squeeze_spaces(d);
	CHECK(!strcmp(a, "a b"));
	CHECK(!strcmp(b, ""));
	CHECK(!strcmp(c, "a\t b"));
	CHECK(!strcmp(d, "ab"));
),
KNOWN(title_case,
	char a[] = "hELLO wORLD 4ever", b[] = "  x  yZ";

	title_case(a);
	title_case(b);
	CHECK(!strcmp(a, "Hello World 4ever"));
	CHECK(!strcmp(b, "  X  Yz"));
),
KNOWN(common_prefix_len,
	const char *a[] = { "flower", "flow", "flight" };
	const char *b[] = { "dog", "racecar" };
	const char *c[] = { "abc" };
	const char *d[] = { "ab", "ab" };
	const char *e[] = { "", "a" };

	CHECK(common_prefix_len(a, 3) == 2);
	CHECK(common_prefix_len(b, 2) == 0);
	CHECK(common_prefix_len(c, 1) == 3);
	CHECK(common_prefix_len(d, 2) == 2);
	CHECK(common_prefix_len(e, 2) == 0);
),
KNOWN(edit_distance,
	CHECK(edit_distance("kitten", "sitting") == 3);
	CHECK(edit_distance("", "abc") == 3);
	CHECK(edit_distance("abc", "") == 3);
	CHECK(edit_distance("abc", "abc") == 0);
	CHECK(edit_distance("flaw", "lawn") == 2);
	CHECK(edit_distance("intention", "execution") == 5);
),
KNOWN(eval_rpn,
	CHECK(eval_rpn("3 -4 + 2 *") == -2);
	CHECK(eval_rpn("2 1 + 3 *") == 9);
	CHECK(eval_rpn("4 13 5 / +") == 6);
	CHECK(eval_rpn("-7 2 /") == -3);
	CHECK(eval_rpn("10 6 9 3 + -11 * / * 17 + 5 +") == 22);
	CHECK(eval_rpn("5") == 5);
	CHECK(eval_rpn("100000 100000 * 100000 *") == 1000000000000000LL);
),
KNOWN(matrix_trace,
	int a[] = { 1, 2, 3, 4 };
	int b[] = { 1000000000, 0, 0, 0, 1000000000, 0, 0, 0, 1000000000 };

	CHECK(matrix_trace(a, 2) == 5);
	CHECK(matrix_trace(b, 3) == 3000000000LL);
	CHECK(matrix_trace(a, 1) == 1);
),
KNOWN(transpose,
	int m[] = { 1, 2, 3, 4, 5, 6 }, out[6];

	transpose(m, 2, 3, out);
	CHECK(out[0] == 1 && out[1] == 4 && out[2] == 2 && out[3] == 5 &&
	      out[4] == 3 && out[5] == 6);
	transpose(m, 1, 3, out);
	CHECK(out[0] == 1 && out[1] == 2 && out[2] == 3);
),
KNOWN(mat_mul,
	int a[] = { 1, 2, 3, 4 }, b[] = { 5, 6, 7, 8 }, out[4];

	mat_mul(a, b, 2, out);
	CHECK(out[0] == 19 && out[1] == 22 && out[2] == 43 && out[3] == 50);
	mat_mul(a, b, 1, out);
	CHECK(out[0] == 5);
),
};

const size_t minibench_known_n = sizeof(minibench_known) /
				 sizeof(minibench_known[0]);

char *minibench_known_source(const struct minibench_known *k,
			     const char *sig)
{
	return rv_xasprintf(
		"#include <limits.h>\n#include <stdint.h>\n"
		"#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n"
		"\n%s;\n\nstatic int fails;\n"
		"#define CHECK(c) do { if (!(c)) { printf(\"FAIL line %%d: "
		"%%s\\n\", __LINE__, #c); fails++; } } while (0)\n\n"
		"int main(void)\n{\n%s\n\tprintf(\"known %%d\\n\", fails);\n"
		"\treturn fails != 0;\n}\n", sig, k->code);
}
