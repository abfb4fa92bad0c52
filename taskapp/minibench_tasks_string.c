/*
 * minibench tasks on strings: reversing, counting, ciphers, parsing,
 * encoding.  See minibench_int.h for how a task is defined.
 */
#include "minibench_int.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#define MB_STRMAX 256

/* A case checking the result of fn(s), s a guarded mutable copy. */
static void case_on_string(struct mb_gen *g, const char *fn, const char *s,
			   long long want)
{
	mb_case_begin(g);
	mb_decl_str_guarded(g, "s", s);
	mb_expect(g, mb_f(g, "%s(s)", fn), want,
		  mb_f(g, "%s(%s)", fn, mb_qs(g, s)));
	mb_case_end(g);
}

/* A case of fn on a, b and x (in an order that depends on c). */
static void case_predicate(struct mb_gen *g, const char *name,
			   int (*fn)(const char *), const char *a,
			   const char *b, const char *x, int c)
{
	const char *v[3] = { a, b, x };

	mb_case_begin(g);
	for (int k = 0; k < 3; k++) {
		const char *arg = v[(k + c) % 3];

		mb_expect_bool(g,
			  mb_f(g, "%s(%s)", name, mb_qs(g, arg)), fn(arg),
			  NULL);
	}
	mb_case_end(g);
}

/* Flip the case of some letters of s. */
static void mix_case(struct mb_gen *g, char *s, int percent)
{
	for (; *s; s++)
		if (isalpha((unsigned char)*s) &&
		    mb_range(g, 1, 100) <= percent)
			*s = (char)(islower((unsigned char)*s) ?
				    toupper((unsigned char)*s) :
				    tolower((unsigned char)*s));
}

MB_DEFINE(reverse_string, void reverse_string(char *s), {
	size_t n = strlen(s);

	for (size_t i = 0; i < n / 2; i++) {
		char t = s[i];

		s[i] = s[n - 1 - i];
		s[n - 1 - i] = t;
	}
})

static void gen_reverse_string(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		char s[MB_STRMAX], want[MB_STRMAX];

		do {
			mb_word(g, s, (int)mb_range(g, 2, c == 0 ? 3 : 60),
				c % 2 ? "ab" : "abcXYZ019 .,!?\"\\'");
			strcpy(want, s);
			reverse_string(want);
		} while (!strcmp(s, want));
		mb_case_in_place(g, "reverse_string(s)", s, want,
				 mb_f(g, "s after reverse_string(%s)",
				      mb_qs(g, s)));
	}
}

MB_DEFINE(is_palindrome, int is_palindrome(const char *s), {
	size_t i = 0, j = strlen(s);

	for (;;) {
		while (i < j && !isalnum((unsigned char)s[i]))
			i++;
		while (j > i && !isalnum((unsigned char)s[j - 1]))
			j--;
		if (j <= i + 1)
			return 1;
		if (tolower((unsigned char)s[i]) !=
		    tolower((unsigned char)s[j - 1]))
			return 0;
		i++;
		j--;
	}
})

/* A letters-and-digits palindrome of 2 * half (+ 1) characters,
 * decorated with punctuation and mixed case. */
static void make_palindrome(struct mb_gen *g, char *s, int half, int spoil)
{
	char core[64];
	int n = 0, len = 2 * half + (int)mb_range(g, 0, 1);

	mb_word(g, core, len, "abcdeft0123");
	for (int i = half; i < len; i++)
		core[i] = core[len - 1 - i];
	if (spoil)	/* no 'x' in the alphabet: spoils the mirror */
		core[0] = 'x';
	for (int i = 0; i < len; i++) {
		if (mb_range(g, 0, 3) == 0)
			s[n++] = " ,.'!-"[mb_range(g, 0, 5)];
		s[n++] = core[i];
	}
	s[n] = '\0';
	mix_case(g, s, 40);
}

static void gen_is_palindrome(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		char s[3][MB_STRMAX];

		make_palindrome(g, s[0], (int)mb_range(g, 1, 20), 0);
		make_palindrome(g, s[1], (int)mb_range(g, 1, 20), 1);
		mb_word(g, s[2], (int)mb_range(g, 0, 12), "aAb ,");
		case_predicate(g, "is_palindrome", is_palindrome, s[0], s[1],
			       s[2], c);
	}
}

MB_DEFINE(count_vowels, int count_vowels(const char *s), {
	int n = 0;

	for (; *s; s++)
		if (strchr("aeiouAEIOU", *s))
			n++;
	return n;
})

static void gen_count_vowels(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		char s[MB_STRMAX];

		do {
			if (c % 2)
				mb_word(g, s, (int)mb_range(g, 1, 30),
					"aeiouAEIOUxyzXYZ !?");
			else
				mb_phrase(g, s, (int)mb_range(g, 1, 8));
			mix_case(g, s, 30);
		} while (count_vowels(s) == 0);
		case_on_string(g, "count_vowels", s, count_vowels(s));
	}
}

MB_DEFINE(word_count, int word_count(const char *s), {
	int n = 0, in_word = 0;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n') {
			in_word = 0;
		} else if (!in_word) {
			in_word = 1;
			n++;
		}
	}
	return n;
})

static void gen_word_count(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		char s[MB_STRMAX];
		int words = (int)mb_range(g, 1, c == 0 ? 1 : 10), k = 0;

		if (mb_range(g, 0, 1))
			s[k++] = c % 2 ? '\t' : ' ';
		for (int w = 0; w < words; w++) {
			if (w)
				for (int r = (int)mb_range(g, 1, 3); r > 0; r--)
					s[k++] = " \t\n"[mb_range(g, 0, 2)];
			mb_word(g, s + k, (int)mb_range(g, 1, 8), "abc.,'-9");
			k += (int)strlen(s + k);
		}
		if (mb_range(g, 0, 1))
			s[k++] = '\n';
		s[k] = '\0';
		case_on_string(g, "word_count", s, word_count(s));
	}
}

MB_DEFINE(caesar, void caesar(char *s, int shift), {
	int k = ((shift % 26) + 26) % 26;

	for (; *s; s++) {
		if (*s >= 'a' && *s <= 'z')
			*s = (char)('a' + (*s - 'a' + k) % 26);
		else if (*s >= 'A' && *s <= 'Z')
			*s = (char)('A' + (*s - 'A' + k) % 26);
	}
})

static void gen_caesar(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		char s[MB_STRMAX], want[MB_STRMAX];
		int shift;

		mb_phrase(g, s, (int)mb_range(g, 1, 6));
		mix_case(g, s, 25);
		if (c % 3 == 2)
			strcat(s, ", 42!");
		do
			shift = (int)mb_range(g, c < 2 ? 1 : -1000000,
					      c < 2 ? 25 : 1000000);
		while (shift % 26 == 0);
		strcpy(want, s);
		caesar(want, shift);
		mb_case_in_place(g, mb_f(g, "caesar(s, %d)", shift), s, want,
				 mb_f(g, "s after caesar(%s, %d)",
				      mb_qs(g, s), shift));
	}
}

MB_DEFINE(clamp_atoi, int clamp_atoi(const char *s), {
	long long v = 0;
	int neg = 0;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (*s++ - '0');
		if (v > 2147483648LL)
			v = 2147483648LL;
	}
	if (neg)
		v = -v;
	if (v > INT_MAX)
		v = INT_MAX;
	return (int)v;
})

static void gen_clamp_atoi(struct mb_gen *g)
{
	static const char *const tails[] = { "", "", "abc", " 12", "-3",
					     ".5", "e9", "+" };

	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		char s[MB_STRMAX], digits[40];
		int k = 0;

		do {
			k = 0;
			for (int r = (int)mb_range(g, 0, 3); r > 0; r--)
				s[k++] = " \t\n"[mb_range(g, 0, 2)];
			if (mb_range(g, 0, 2))
				s[k++] = mb_range(g, 0, 2) ? '-' : '+';
			if (c == 1)
				s[k++] = '0';
			mb_word(g, digits, (int)mb_range(g, 1, c < 3 ? 9 :
							 c < 5 ? 10 : 25),
				"0123456789");
			sprintf(s + k, "%s%s", digits,
				tails[mb_range(g, 0, 7)]);
		} while (clamp_atoi(s) == 0);
		case_on_string(g, "clamp_atoi", s, clamp_atoi(s));
	}
}

MB_DEFINE(rle_encode, int rle_encode(const char *s, char *out, int cap), {
	int k = 0;
	size_t i = 0;

	while (s[i]) {
		size_t j = i;
		char num[24];
		int len;

		while (s[j] == s[i])
			j++;
		len = sprintf(num, "%zu", j - i);
		if (k + 1 + len + 1 > cap)
			return -1;
		out[k++] = s[i];
		memcpy(out + k, num, (size_t)len);
		k += len;
		i = j;
	}
	if (k + 1 > cap)
		return -1;
	out[k] = '\0';
	return k;
})

static void gen_rle_encode(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		char s[2 * MB_STRMAX], out[4 * MB_STRMAX];
		int k = 0, cap, want;

		for (int runs = (int)mb_range(g, 1, 10); runs > 0; runs--) {
			char ch = (char)mb_range(g, 'a', 'd');

			if (k && s[k - 1] == ch)
				ch = 'z';
			for (int r = (int)mb_range(g, 1, c == 3 ? 40 : 4);
			     r > 0; r--)
				s[k++] = ch;
		}
		s[k] = '\0';
		cap = rle_encode(s, out, (int)sizeof(out)) + 1;
		if (c == 2 || c == 5)	/* one byte short */
			cap -= c == 2 ? 1 : (int)mb_range(g, 1, cap - 1);
		else
			cap += (int)mb_range(g, 0, 8);
		want = rle_encode(s, out, cap);
		mb_case_begin(g);
		mb_emitf(g, "char out[%d + 16];", cap);
		mb_emitf(g, "mb_fill_chars(out, sizeof(out), '#');");
		const char *desc = mb_f(g, "rle_encode(%s, out, %d)",
					mb_qs(g, s), cap);
		mb_expect(g,
			  mb_f(g, "rle_encode(%s, out, %d)", mb_qs(g, s), cap),
			  want, NULL);
		if (want >= 0)
			mb_expect_str(g, "out", (size_t)cap, out,
				      mb_f(g, "out after %s", desc));
		mb_expect_kept_chars(g, mb_f(g, "out + %d", cap), 16, desc);
		mb_case_end(g);
	}
}

MB_DEFINE(int_to_roman, void int_to_roman(int n, char *out), {
	static const int value[13] = {
		1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1
	};
	static const char *const symbol[13] = {
		"M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V",
		"IV", "I"
	};
	int k = 0;

	for (int i = 0; i < 13; i++) {
		while (n >= value[i]) {
			for (const char *p = symbol[i]; *p; p++)
				out[k++] = *p;
			n -= value[i];
		}
	}
	out[k] = '\0';
})

static int roman_sample(struct mb_gen *g, int c)
{
	if (c == 0)
		return (int)mb_range(g, 1, 10);
	if (c == 1)	/* 4s and 9s */
		return (int)mb_range(g, 0, 3) * 1000 + 4 * 100 +
		       (int)mb_range(g, 0, 1) * 50 + 9;
	if (c == 2)
		return 3000 + (int)mb_range(g, 800, 999);
	return (int)mb_range(g, 1, 3999);
}

static void gen_int_to_roman(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int v = roman_sample(g, c);
		char want[32];

		int_to_roman(v, want);
		mb_case_begin(g);
		mb_emitf(g, "char out[16 + 16];");
		mb_emitf(g, "mb_fill_chars(out, sizeof(out), '#');");
		mb_emitf(g, "int_to_roman(%d, out);", v);
		const char *desc = mb_f(g, "out after int_to_roman(%d, out)",
					v);
		mb_expect_str(g, "out", 16, want, desc);
		mb_expect_kept_chars(g, "out + 16", 16, desc);
		mb_case_end(g);
	}
}

MB_HELPER(roman_to_int, static int roman_digit(char c) {
	switch (c) {
	case 'I': return 1;
	case 'V': return 5;
	case 'X': return 10;
	case 'L': return 50;
	case 'C': return 100;
	case 'D': return 500;
	case 'M': return 1000;
	}
	return 0;
})

MB_DEFINE(roman_to_int, int roman_to_int(const char *s), {
	int total = 0;

	for (size_t i = 0; s[i]; i++) {
		int v = roman_digit(s[i]);

		if (v < roman_digit(s[i + 1]))
			total -= v;
		else
			total += v;
	}
	return total;
})

static void gen_roman_to_int(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		char s[32];

		int_to_roman(roman_sample(g, c), s);
		case_on_string(g, "roman_to_int", s, roman_to_int(s));
	}
}

MB_DEFINE(balanced, int balanced(const char *s), {
	char stack[1024];
	int top = 0;

	for (; *s; s++) {
		char c = *s;

		if (c == '(' || c == '[' || c == '{') {
			stack[top++] = c;
		} else if (c == ')' || c == ']' || c == '}') {
			char open = c == ')' ? '(' : c == ']' ? '[' : '{';

			if (top == 0 || stack[top - 1] != open)
				return 0;
			top--;
		}
	}
	return top == 0;
})

/* A balanced string of pairs bracket pairs, some letters between. */
static void make_balanced(struct mb_gen *g, char *s, int pairs, int deep)
{
	static const char opens[] = "([{", closes[] = ")]}";
	char stack[MB_STRMAX];
	int top = 0, opened = 0, k = 0;

	while (opened < pairs || top > 0) {
		if (mb_range(g, 0, 4) == 0)
			s[k++] = (char)mb_range(g, 'a', 'e');
		if (opened < pairs && (top == 0 || deep || mb_range(g, 0, 1))) {
			int b = (int)mb_range(g, 0, 2);

			stack[top++] = closes[b];
			s[k++] = opens[b];
			opened++;
		} else {
			s[k++] = stack[--top];
		}
	}
	s[k] = '\0';
}

static void gen_balanced(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		char s[3][2 * MB_STRMAX];
		size_t len;
		char *p;

		make_balanced(g, s[0], (int)mb_range(g, 1, c == 4 ? 90 : 12),
			      c == 4);
		make_balanced(g, s[1], (int)mb_range(g, 1, 12), 0);
		len = strlen(s[1]);
		do	/* spoil one bracket of s[1] */
			p = s[1] + mb_range(g, 0, (long long)len - 1);
		while (!strchr("()[]{}", *p));
		if (mb_range(g, 0, 1))
			memmove(p, p + 1, strlen(p));
		else
			*p = "([{)]}"[mb_range(g, 0, 5)];
		mb_word(g, s[2], (int)mb_range(g, 1, 8), "()[]{}");
		case_predicate(g, "balanced", balanced, s[0], s[1], s[2], c);
	}
}

const struct mb_def mb_tasks_string[] = {
	{ MB_TEXT(reverse_string), .name = "Reversing a string",
	  .difficulty = "easy", .gen = gen_reverse_string,
	  .includes = "#include <string.h>\n",
	  .statement = "Reverse the NUL-terminated string s in place "
		"(\"abc\" becomes \"cba\")." },
	{ MB_TEXT(is_palindrome), .name = "Palindrome test",
	  .difficulty = "medium", .gen = gen_is_palindrome,
	  .includes = "#include <ctype.h>\n#include <string.h>\n",
	  .statement = "Return 1 if s reads the same forwards and backwards "
		"when only its letters and digits are considered, ignoring "
		"case (\"A man, a plan, a canal: Panama\" is one), and 0 "
		"otherwise.  A string without letters or digits is a "
		"palindrome." },
	{ MB_TEXT(count_vowels), .name = "Counting vowels",
	  .difficulty = "easy", .gen = gen_count_vowels,
	  .includes = "#include <string.h>\n",
	  .statement = "Return the number of vowels in s: the letters a, e, "
		"i, o, u in lower or upper case (y is not a vowel)." },
	{ MB_TEXT(word_count), .name = "Counting words",
	  .difficulty = "easy", .gen = gen_word_count,
	  .statement = "Return the number of words in s: maximal runs of "
		"characters other than space, tab and newline (\"  a b\\t"
		"cd\\n\" has 3)." },
	{ MB_TEXT(caesar), .name = "Caesar cipher",
	  .difficulty = "easy", .gen = gen_caesar,
	  .statement = "Shift every ASCII letter of s, in place, by shift "
		"positions in the alphabet, wrapping around and keeping its "
		"case (shift 3 turns \"xyz\" into \"abc\").  shift may be "
		"negative or larger than 26 (|shift| <= 10^6); other "
		"characters stay as they are." },
	{ MB_TEXT(clamp_atoi), .name = "String to int, clamped",
	  .difficulty = "medium", .gen = gen_clamp_atoi,
	  .includes = "#include <limits.h>\n",
	  .statement = "Parse an int from s: skip leading spaces, tabs and "
		"newlines, accept one optional '+' or '-', then read decimal "
		"digits up to the first non-digit.  Return the value, "
		"clamped to INT_MIN or INT_MAX when out of range (there may "
		"be many digits), or 0 when there are no digits." },
	{ MB_TEXT(rle_encode), .name = "Run-length encoding",
	  .difficulty = "medium", .gen = gen_rle_encode,
	  .includes = "#include <stdio.h>\n#include <string.h>\n",
	  .statement = "Encode the letters-only string s by runs: each "
		"maximal run of one letter becomes the letter followed by "
		"the run's length in decimal (\"aaabcc\" gives \"a3b1c2\").  "
		"Write the NUL-terminated encoding to out, which has room for "
		"cap bytes, and return its length (without the NUL).  If the "
		"encoding and its NUL do not fit in cap bytes, return -1; "
		"never write at out[cap] or beyond." },
	{ MB_TEXT(int_to_roman), .name = "Integer to Roman numeral",
	  .difficulty = "medium", .gen = gen_int_to_roman,
	  .statement = "Write n (1 <= n <= 3999) as a Roman numeral into "
		"out, NUL-terminated, with the usual subtractive forms (4 is "
		"IV, 9 is IX, 40 XL, 90 XC, 400 CD, 900 CM; 1994 is "
		"MCMXCIV).  out has room for 16 bytes." },
	{ MB_TEXT(roman_to_int), .name = "Roman numeral to integer",
	  .difficulty = "easy", .gen = gen_roman_to_int,
	  .helper = roman_to_int_helper,
	  .includes = "#include <stddef.h>\n",
	  .statement = "Return the value of the valid Roman numeral s "
		"(uppercase, 1 to 3999, subtractive forms such as IV, IX, "
		"XL, XC, CD, CM; \"MCMXCIV\" is 1994)." },
	{ MB_TEXT(balanced), .name = "Balanced brackets",
	  .difficulty = "medium", .gen = gen_balanced,
	  .statement = "Return 1 if the brackets (), [] and {} in s are "
		"balanced and properly nested, and 0 otherwise; other "
		"characters are ignored (\"a(b[c]){}\" gives 1, \"([)]\" "
		"gives 0).  s has at most 1000 characters." },
};

const size_t mb_tasks_string_n = sizeof(mb_tasks_string) /
				 sizeof(mb_tasks_string[0]);
