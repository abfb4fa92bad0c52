/*
 * minibench tasks, the rest: text searching and editing, an expression
 * evaluator, matrices.  See minibench_int.h for how a task is defined.
 */
#include "minibench_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MB_STRMAX 256
#define MB_MATMAX 8

MB_DEFINE(is_anagram, int is_anagram(const char *a, const char *b), {
	int count[26] = { 0 };

	for (; *a; a++)
		if (isalpha((unsigned char)*a))
			count[tolower((unsigned char)*a) - 'a']++;
	for (; *b; b++)
		if (isalpha((unsigned char)*b))
			count[tolower((unsigned char)*b) - 'a']--;
	for (int i = 0; i < 26; i++)
		if (count[i] != 0)
			return 0;
	return 1;
})

/* b: the letters of a shuffled, case mixed, spaces added. */
static void shuffle_letters(struct mb_gen *g, const char *a, char *b)
{
	int idx[MB_STRMAX], n = 0, k = 0;

	for (int i = 0; a[i]; i++)
		if (isalpha((unsigned char)a[i]))
			idx[n++] = i;
	mb_shuffle(g, idx, n);
	for (int i = 0; i < n; i++) {
		char ch = a[idx[i]];

		if (mb_range(g, 0, 4) == 0)
			b[k++] = ' ';
		b[k++] = (char)(mb_range(g, 0, 2) ? tolower((unsigned char)ch) :
				toupper((unsigned char)ch));
	}
	b[k] = '\0';
}

/* Each case: an anagram pair, a pair one letter apart, a random pair. */
static void gen_is_anagram(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		char a[3][MB_STRMAX], b[3][MB_STRMAX];

		mb_phrase(g, a[0], (int)mb_range(g, 1, 3));
		shuffle_letters(g, a[0], b[0]);
		mb_phrase(g, a[1], (int)mb_range(g, 1, 3));
		shuffle_letters(g, a[1], b[1]);
		b[1][0] = b[1][0] == 'q' ? 'j' : 'q';
		mb_word(g, a[2], (int)mb_range(g, 1, 6), "abcAB");
		mb_word(g, b[2], (int)mb_range(g, 1, 6), "abcAB");
		mb_case_begin(g);
		for (int k = 0; k < 3; k++) {
			int i = (k + c) % 3;

			mb_expect_bool(g,
				  mb_f(g, "is_anagram(%s, %s)", mb_qs(g, a[i]),
				       mb_qs(g, b[i])),
				  is_anagram(a[i], b[i]), NULL);
		}
		mb_case_end(g);
	}
}

MB_DEFINE(find_substring,
	  int find_substring(const char *hay, const char *needle), {
	size_t n = strlen(hay), m = strlen(needle);

	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return (int)i;
	return -1;
})

/* Each case: a needle found past index 0, and one not found. */
static void gen_find_substring(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		const char *abc = c % 2 ? "ab" : "abcd";
		char hay[MB_STRMAX], nd[2][MB_STRMAX];
		int len = (int)mb_range(g, 8, 60), at, m;

		do {
			mb_word(g, hay, len, abc);
			m = (int)mb_range(g, 1, c % 2 ? 6 : 3);
			at = (int)mb_range(g, 1, len - m);
			memcpy(nd[0], hay + at, (size_t)m);
			nd[0][m] = '\0';
		} while (find_substring(hay, nd[0]) <= 0);
		do
			mb_word(g, nd[1], (int)mb_range(g, 3, 8), abc);
		while (find_substring(hay, nd[1]) >= 0 && c != 3);
		if (c == 3)	/* longer than the haystack */
			strcat(strcpy(nd[1], hay), "a");
		mb_case_begin(g);
		for (int k = 0; k < 2; k++)
			mb_expect(g,
				  mb_f(g, "find_substring(%s, %s)",
				       mb_qs(g, hay), mb_qs(g, nd[k])),
				  find_substring(hay, nd[k]), NULL);
		mb_case_end(g);
	}
}

/* A case checking s after fn(s) against want. */
static void case_in_place(struct mb_gen *g, const char *fn, const char *s,
			  const char *want)
{
	mb_case_in_place(g, mb_f(g, "%s(s)", fn), s, want,
			 mb_f(g, "s after %s(%s)", fn, mb_qs(g, s)));
}

MB_DEFINE(squeeze_spaces, void squeeze_spaces(char *s), {
	size_t r = 0, w = 0;

	while (s[r] == ' ')
		r++;
	while (s[r]) {
		if (s[r] == ' ') {
			while (s[r] == ' ')
				r++;
			if (s[r])
				s[w++] = ' ';
		} else {
			s[w++] = s[r++];
		}
	}
	s[w] = '\0';
})

static void gen_squeeze_spaces(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		char s[MB_STRMAX], want[MB_STRMAX];

		do {
			mb_word(g, s, (int)mb_range(g, 2, 50),
				c % 2 ? "a  b.\t" : "xy   ");
			strcpy(want, s);
			squeeze_spaces(want);
		} while (!strcmp(s, want));
		case_in_place(g, "squeeze_spaces", s, want);
	}
}

MB_DEFINE(title_case, void title_case(char *s), {
	int start = 1;

	for (; *s; s++) {
		if (*s == ' ') {
			start = 1;
			continue;
		}
		*s = (char)(start ? toupper((unsigned char)*s) :
			    tolower((unsigned char)*s));
		start = 0;
	}
})

static void gen_title_case(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		char s[MB_STRMAX], want[MB_STRMAX];

		do {
			mb_phrase(g, s, (int)mb_range(g, 1, 6));
			for (char *p = s; *p; p++) {
				if (mb_range(g, 0, 3) == 0)
					*p = (char)toupper((unsigned char)*p);
				if (c % 2 && *p == 'e')
					*p = mb_range(g, 0, 1) ? ' ' : '4';
			}
			strcpy(want, s);
			title_case(want);
		} while (!strcmp(s, want));
		case_in_place(g, "title_case", s, want);
	}
}

MB_DEFINE(common_prefix_len,
	  int common_prefix_len(const char *const *strs, int n), {
	int len = 0;

	for (;;) {
		char ch = strs[0][len];

		if (ch == '\0')
			return len;
		for (int i = 1; i < n; i++)
			if (strs[i][len] != ch)
				return len;
		len++;
	}
})

static void gen_common_prefix_len(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		char buf[6][MB_STRMAX], prefix[16];
		const char *strs[6], *list = "";
		int count = (int)mb_range(g, 1, 6);

		mb_word(g, prefix, (int)mb_range(g, 1, 10), "abc");
		for (int i = 0; i < count; i++) {
			strcpy(buf[i], prefix);
			mb_word(g, buf[i] + strlen(prefix),
				(int)mb_range(g, 0, 5), "abc");
			strs[i] = buf[i];
			list = mb_f(g, "%s%s%s", list, i ? ", " : "",
				    mb_qs(g, strs[i]));
		}
		mb_case_begin(g);
		mb_emitf(g, "const char *strs[] = { %s };", list);
		mb_expect(g,
			  mb_f(g, "common_prefix_len(strs, %d)", count),
			  common_prefix_len(strs, count),
			  mb_f(g, "common_prefix_len({%s}, %d)", list, count));
		mb_case_end(g);
	}
}

MB_DEFINE(edit_distance, int edit_distance(const char *a, const char *b), {
	int prev[128], cur[128];
	int n = (int)strlen(a), m = (int)strlen(b);

	for (int j = 0; j <= m; j++)
		prev[j] = j;
	for (int i = 1; i <= n; i++) {
		cur[0] = i;
		for (int j = 1; j <= m; j++) {
			int best = prev[j - 1] + (a[i - 1] != b[j - 1]);

			if (prev[j] + 1 < best)
				best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			cur[j] = best;
		}
		memcpy(prev, cur, sizeof(int) * (size_t)(m + 1));
	}
	return prev[m];
})

/* b: a with a few random edits. */
static void edit_randomly(struct mb_gen *g, const char *a, char *b, int edits)
{
	strcpy(b, a);
	for (int e = 0; e < edits; e++) {
		int len = (int)strlen(b), at = (int)mb_range(g, 0, len);

		switch (mb_range(g, 0, len ? 2 : 0)) {
		case 0:		/* insert */
			if (len >= 100)
				break;
			memmove(b + at + 1, b + at, (size_t)(len - at + 1));
			b[at] = (char)mb_range(g, 'a', 'd');
			break;
		case 1:		/* delete */
			if (at < len)
				memmove(b + at, b + at + 1, (size_t)(len - at));
			break;
		default:	/* replace */
			if (at < len)
				b[at] = (char)mb_range(g, 'a', 'd');
		}
	}
}

static void gen_edit_distance(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		char a[MB_STRMAX], b[MB_STRMAX];

		do {
			mb_word(g, a, (int)mb_range(g, 0, c == 5 ? 100 : 20),
				"abcd");
			if (c % 3 == 2)
				mb_word(g, b, (int)mb_range(g, 0, 20), "abcd");
			else
				edit_randomly(g, a, b, (int)mb_range(g, 1, 6));
		} while (!strcmp(a, b));
		mb_case_ll(g, mb_f(g, "edit_distance(%s, %s)", mb_qs(g, a),
				   mb_qs(g, b)),
			   edit_distance(a, b), NULL);
	}
}

MB_DEFINE(eval_rpn, long long eval_rpn(const char *expr), {
	long long stack[128];
	int top = 0;
	const char *p = expr;

	while (*p) {
		if (*p == ' ') {
			p++;
		} else if (isdigit((unsigned char)*p) ||
			   (*p == '-' && isdigit((unsigned char)p[1]))) {
			char *end;

			stack[top++] = strtoll(p, &end, 10);
			p = end;
		} else {
			long long y = stack[--top], x = stack[--top];

			stack[top++] = *p == '+' ? x + y : *p == '-' ? x - y :
				       *p == '*' ? x * y : x / y;
			p++;
		}
	}
	return stack[0];
})

#define RPN_LIMIT 1000000000000LL

/*
 * Append a random expression of up to 2^depth operands to b (tokens
 * each followed by a space); its value in *v.  0 when some value would
 * pass RPN_LIMIT or divide by zero.
 */
static int rpn_build(struct mb_gen *g, char *b, int depth, long long *v)
{
	long long x, y, r;
	char op;

	if (depth == 0 || mb_range(g, 0, 3) == 0) {
		*v = mb_range(g, -20, 99);
		sprintf(b + strlen(b), "%lld ", *v);
		return 1;
	}
	if (!rpn_build(g, b, depth - 1, &x) || !rpn_build(g, b, depth - 1, &y))
		return 0;
	op = "+-*/"[mb_range(g, 0, 3)];
	if (op == '/' && y == 0)
		return 0;
	if (op == '*' && __builtin_mul_overflow(x, y, &r))
		return 0;
	r = op == '+' ? x + y : op == '-' ? x - y : op == '*' ? x * y : x / y;
	if (r > RPN_LIMIT || r < -RPN_LIMIT)
		return 0;
	sprintf(b + strlen(b), "%c ", op);
	*v = r;
	return 1;
}

static void gen_eval_rpn(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		char e[1024];
		long long v = 0;
		int ok;

		do {
			e[0] = '\0';
			ok = rpn_build(g, e, c < 2 ? 1 : c < 4 ? 3 : 5, &v);
		} while (!ok || v == 0);
		e[strlen(e) - 1] = '\0';
		mb_case_ll(g, mb_f(g, "eval_rpn(%s)", mb_qs(g, e)), eval_rpn(e),
			   NULL);
	}
}

MB_DEFINE(matrix_trace, long long matrix_trace(const int *m, int n), {
	long long t = 0;

	for (int i = 0; i < n; i++)
		t += m[i * n + i];
	return t;
})

static void gen_matrix_trace(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int m[MB_MATMAX * MB_MATMAX], dim, big = c < 2 ? 9 : 1000000000;

		do {
			dim = (int)mb_range(g, 1, MB_MATMAX);
			mb_fill(g, m, dim * dim, -big, big);
		} while (matrix_trace(m, dim) == 0);
		mb_case_begin(g);
		mb_decl_ints(g, "m", m, dim * dim);
		mb_expect(g, mb_f(g, "matrix_trace(m, %d)", dim),
			  matrix_trace(m, dim),
			  mb_f(g, "matrix_trace(%s, %d)",
			       mb_ints(g, m, dim * dim, 1), dim));
		mb_case_end(g);
	}
}

MB_DEFINE(transpose,
	  void transpose(const int *m, int rows, int cols, int *out), {
	for (int r = 0; r < rows; r++)
		for (int c = 0; c < cols; c++)
			out[c * rows + r] = m[r * cols + c];
})

static void gen_transpose(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int m[MB_MATMAX * MB_MATMAX], want[MB_MATMAX * MB_MATMAX];
		int rows = (int)mb_range(g, 1, MB_MATMAX);
		int cols = (int)mb_range(g, c == 0 ? 1 : 2, MB_MATMAX);

		mb_fill(g, m, rows * cols, -99, 99);
		transpose(m, rows, cols, want);
		mb_case_begin(g);
		mb_decl_ints(g, "m", m, rows * cols);
		mb_expect_out_ints(g, mb_f(g, "transpose(m, %d, %d, out)",
					   rows, cols), want, rows * cols,
				   mb_f(g, "out after transpose(%s, %d, %d, "
					"out)", mb_ints(g, m, rows * cols, 1),
					rows, cols));
		mb_case_end(g);
	}
}

MB_DEFINE(mat_mul, void mat_mul(const int *a, const int *b, int n, int *out), {
	for (int i = 0; i < n; i++) {
		for (int j = 0; j < n; j++) {
			int s = 0;

			for (int k = 0; k < n; k++)
				s += a[i * n + k] * b[k * n + j];
			out[i * n + j] = s;
		}
	}
})

static void gen_mat_mul(struct mb_gen *g)
{
	for (int c = 0, n = mb_ncases(g); c < n; c++) {
		int a[MB_MATMAX * MB_MATMAX], b[MB_MATMAX * MB_MATMAX];
		int want[MB_MATMAX * MB_MATMAX];
		int dim = (int)mb_range(g, 1, c == 0 ? 2 : 6);

		mb_fill(g, a, dim * dim, -1000, 1000);
		mb_fill(g, b, dim * dim, -1000, 1000);
		mat_mul(a, b, dim, want);
		mb_case_begin(g);
		mb_decl_ints(g, "a", a, dim * dim);
		mb_decl_ints(g, "b", b, dim * dim);
		mb_expect_out_ints(g, mb_f(g, "mat_mul(a, b, %d, out)", dim),
				   want, dim * dim,
				   mb_f(g, "out after mat_mul(%s, %s, %d, out)",
					mb_ints(g, a, dim * dim, 1),
					mb_ints(g, b, dim * dim, 1), dim));
		mb_case_end(g);
	}
}

const struct mb_def mb_tasks_misc[] = {
	{ MB_TEXT(is_anagram), .name = "Anagram test",
	  .difficulty = "easy", .gen = gen_is_anagram,
	  .includes = "#include <ctype.h>\n",
	  .statement = "Return 1 if a and b are anagrams of each other and 0 "
		"otherwise: considering only ASCII letters, ignoring case, "
		"each letter occurs as often in a as in b (\"Dormitory\" and "
		"\"dirty room\" are anagrams)." },
	{ MB_TEXT(find_substring), .name = "Finding a substring",
	  .difficulty = "easy", .gen = gen_find_substring,
	  .includes = "#include <string.h>\n",
	  .statement = "Return the index of the first occurrence of the "
		"non-empty string needle in hay, or -1 if it does not occur "
		"(find_substring(\"abcabc\", \"ca\") is 2)." },
	{ MB_TEXT(squeeze_spaces), .name = "Squeezing spaces",
	  .difficulty = "medium", .gen = gen_squeeze_spaces,
	  .includes = "#include <stddef.h>\n",
	  .statement = "Edit s in place: remove the spaces (' ' only, not "
		"other whitespace) at its start and end, and replace every "
		"run of spaces inside it by a single space "
		"(\"  a   b \" becomes \"a b\")." },
	{ MB_TEXT(title_case), .name = "Title case",
	  .difficulty = "easy", .gen = gen_title_case,
	  .includes = "#include <ctype.h>\n",
	  .statement = "Edit s in place so that the first character of "
		"every word is upper case and the others lower case (with "
		"toupper/tolower; a word is a maximal run of characters "
		"other than ' ').  \"hELLO wORLD 4ever\" becomes "
		"\"Hello World 4ever\"." },
	{ MB_TEXT(common_prefix_len), .name = "Longest common prefix",
	  .difficulty = "easy", .gen = gen_common_prefix_len,
	  .statement = "Return the length of the longest common prefix of "
		"the n >= 1 strings strs[0..n-1] ({\"flower\", \"flow\", "
		"\"flight\"} gives 2)." },
	{ MB_TEXT(edit_distance), .name = "Edit distance",
	  .difficulty = "hard", .gen = gen_edit_distance,
	  .includes = "#include <string.h>\n",
	  .statement = "Return the Levenshtein distance between a and b: "
		"the fewest single-character insertions, deletions and "
		"substitutions that turn a into b (\"kitten\" to "
		"\"sitting\" is 3).  Both have at most 100 characters." },
	{ MB_TEXT(eval_rpn), .name = "Evaluating RPN",
	  .difficulty = "hard", .gen = gen_eval_rpn,
	  .includes = "#include <ctype.h>\n#include <stdlib.h>\n",
	  .statement = "Evaluate the valid reverse Polish notation "
		"expression expr and return its value.  Tokens are separated "
		"by single spaces; a token is a decimal integer (possibly "
		"negative, like -7) or one of the operators + - * / applied "
		"to the two values before it (/ truncates toward zero, as "
		"in C).  \"3 -4 + 2 *\" is -2.  No division by zero; every "
		"intermediate value fits in a long long." },
	{ MB_TEXT(matrix_trace), .name = "Trace of a matrix",
	  .difficulty = "easy", .gen = gen_matrix_trace,
	  .statement = "m is an n x n matrix of ints stored row by row "
		"(element (i, j) at m[i * n + j]).  Return its trace, the "
		"sum of the diagonal elements; it may not fit an int." },
	{ MB_TEXT(transpose), .name = "Transposing a matrix",
	  .difficulty = "easy", .gen = gen_transpose,
	  .statement = "m is a rows x cols matrix stored row by row "
		"(element (r, c) at m[r * cols + c]).  Write its transpose, "
		"a cols x rows matrix, row by row into out (room for exactly "
		"rows * cols ints)." },
	{ MB_TEXT(mat_mul), .name = "Matrix product",
	  .difficulty = "medium", .gen = gen_mat_mul,
	  .statement = "a and b are n x n matrices of ints stored row by "
		"row (element (i, j) at [i * n + j]).  Write the product "
		"a * b into out, row by row (room for exactly n * n ints).  "
		"Every element of the product fits in an int." },
};

const size_t mb_tasks_misc_n = sizeof(mb_tasks_misc) /
			       sizeof(mb_tasks_misc[0]);
