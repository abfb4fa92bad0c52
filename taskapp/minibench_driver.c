/*
 * minibench_driver: the fixed part of every test driver (the check
 * helpers named in minibench_int.h) and the assembly of a driver.
 */
#include "minibench.h"
#include "minibench_int.h"

#include "rv_alloc.h"
#include "rv_buf.h"

#include <string.h>

#define MB_STR_(x) #x
#define MB_STR(x) MB_STR_(x)

/* static inline: whatever a task does not use draws no warning */
static const char mb_preamble[] =
"#define _POSIX_C_SOURCE 200809L\n"
"#include <stdarg.h>\n"
"#include <stddef.h>\n"
"#include <stdint.h>\n"
"#include <stdio.h>\n"
"#include <string.h>\n"
"#include <unistd.h>\n"
"\n"
"enum { MB_GUARD = " MB_STR(MB_GUARD) " };\n"
"\n"
"static int mb_cur, mb_bad, mb_passed;\n"
"static FILE *mb_out;\n"
"static char mb_why[512];\n"
"\n"
"static inline void mb_begin(int i)\n"
"{\n"
"\tmb_cur = i;\n"
"\tmb_bad = 0;\n"
"\tmb_why[0] = '\\0';\n"
"}\n"
"\n"
"static inline void mb_failf(const char *fmt, ...)\n"
"{\n"
"\tva_list ap;\n"
"\n"
"\tif (mb_bad++)\n"
"\t\treturn;\n"
"\tva_start(ap, fmt);\n"
"\tvsnprintf(mb_why, sizeof(mb_why), fmt, ap);\n"
"\tva_end(ap);\n"
"}\n"
"\n"
"static inline void mb_end(void)\n"
"{\n"
"\tif (mb_bad) {\n"
"\t\tfprintf(mb_out, \"FAIL %d: %s\\n\", mb_cur, mb_why);\n"
"\t} else {\n"
"\t\tfprintf(mb_out, \"PASS %d\\n\", mb_cur);\n"
"\t\tmb_passed++;\n"
"\t}\n"
"\tfflush(mb_out);\n"
"}\n"
"\n"
"/* results to the original stdout; the candidate's prints to stderr */\n"
"static inline void mb_setup(void)\n"
"{\n"
"\tint fd = dup(1);\n"
"\n"
"\tmb_out = fd >= 0 ? fdopen(fd, \"w\") : NULL;\n"
"\tif (mb_out && dup2(2, 1) >= 0)\n"
"\t\treturn;\n"
"\tif (mb_out)\n"
"\t\tfclose(mb_out);\n"
"\tmb_out = stdout;\n"
"}\n"
"\n"
"/* at most 48 characters of s (within cap bytes), quoted and escaped */\n"
"static inline const char *mb_show(const char *s, size_t cap, char *dst)\n"
"{\n"
"\tsize_t i, j = 0;\n"
"\n"
"\tdst[j++] = '\"';\n"
"\tfor (i = 0; i < cap && s[i] && i < 48; i++) {\n"
"\t\tunsigned char c = (unsigned char)s[i];\n"
"\n"
"\t\tif (c == '\"' || c == '\\\\') {\n"
"\t\t\tdst[j++] = '\\\\';\n"
"\t\t\tdst[j++] = (char)c;\n"
"\t\t} else if (c >= 32 && c < 127) {\n"
"\t\t\tdst[j++] = (char)c;\n"
"\t\t} else {\n"
"\t\t\tj += (size_t)sprintf(dst + j, \"\\\\x%02x\", c);\n"
"\t\t}\n"
"\t}\n"
"\tdst[j++] = '\"';\n"
"\tif (i == 48 && i < cap && s[i])\n"
"\t\tdst[j++] = '.', dst[j++] = '.', dst[j++] = '.';\n"
"\tdst[j] = '\\0';\n"
"\treturn dst;\n"
"}\n"
"\n"
"static inline void mb_eq_ll(long long got, long long exp, const char *what)\n"
"{\n"
"\tif (got != exp)\n"
"\t\tmb_failf(\"%s: got %lld, expected %lld\", what, got, exp);\n"
"}\n"
"\n"
"static inline void mb_eq_ull(unsigned long long got, unsigned long long exp,\n"
"\t\t\t     const char *what)\n"
"{\n"
"\tif (got != exp)\n"
"\t\tmb_failf(\"%s: got %llu, expected %llu\", what, got, exp);\n"
"}\n"
"\n"
"static inline void mb_eq_bool(long long got, int exp, const char *what)\n"
"{\n"
"\tif ((got != 0) != (exp != 0))\n"
"\t\tmb_failf(\"%s: got %lld, expected %s\", what, got,\n"
"\t\t\t exp ? \"1 (true)\" : \"0 (false)\");\n"
"}\n"
"\n"
"static inline void mb_eq_str(const char *buf, size_t cap, const char *exp,\n"
"\t\t\t     const char *what)\n"
"{\n"
"\tchar g[256], e[256];\n"
"\n"
"\tif (!memchr(buf, '\\0', cap))\n"
"\t\tmb_failf(\"%s: no terminating NUL within %zu bytes\", what, cap);\n"
"\telse if (strcmp(buf, exp) != 0)\n"
"\t\tmb_failf(\"%s: got %s, expected %s\", what, mb_show(buf, cap, g),\n"
"\t\t\t mb_show(exp, (size_t)-1, e));\n"
"}\n"
"\n"
"static inline void mb_eq_ints(const int *got, const int *exp, int n,\n"
"\t\t\t      const char *what)\n"
"{\n"
"\tfor (int i = 0; i < n; i++) {\n"
"\t\tif (got[i] != exp[i]) {\n"
"\t\t\tmb_failf(\"%s: element %d is %d, expected %d\", what, i,\n"
"\t\t\t\t got[i], exp[i]);\n"
"\t\t\treturn;\n"
"\t\t}\n"
"\t}\n"
"}\n"
"\n"
"static inline void mb_fill_ints(int *a, int n, int v)\n"
"{\n"
"\tfor (int i = 0; i < n; i++)\n"
"\t\ta[i] = v;\n"
"}\n"
"\n"
"static inline void mb_fill_chars(char *s, size_t n, char c)\n"
"{\n"
"\tmemset(s, c, n);\n"
"}\n"
"\n"
"static inline void mb_kept_ints(const int *a, int n, int v,\n"
"\t\t\t\tconst char *what)\n"
"{\n"
"\tfor (int i = 0; i < n; i++) {\n"
"\t\tif (a[i] != v) {\n"
"\t\t\tmb_failf(\"%s: wrote past the end of the array\", what);\n"
"\t\t\treturn;\n"
"\t\t}\n"
"\t}\n"
"}\n"
"\n"
"static inline void mb_kept_chars(const char *s, size_t n, char c,\n"
"\t\t\t\t const char *what)\n"
"{\n"
"\tfor (size_t i = 0; i < n; i++) {\n"
"\t\tif (s[i] != c) {\n"
"\t\t\tmb_failf(\"%s: wrote past the end of the buffer\", what);\n"
"\t\t\treturn;\n"
"\t\t}\n"
"\t}\n"
"}\n"
"\n";

/* FNV-1a of the id: the same seed gives each task its own stream. */
static uint64_t mb_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

char *mb_driver_source(const struct minibench_task *t, const struct mb_def *d,
		       long long seed, int *ntests)
{
	struct rv_buf src = RV_BUF_INIT;
	struct mb_gen g = { 0 };

	g.rng = (uint64_t)seed ^ mb_hash(d->id);
	g.src = &src;
	rv_buf_adds(&src, mb_preamble);
	rv_buf_addf(&src, "/* minibench task '%s', seed %lld */\n%s;\n\n"
		    "int main(void)\n{\n\tmb_setup();\n", d->id, seed,
		    t->signature);
	d->gen(&g);
	rv_buf_addf(&src, "\tfprintf(mb_out, \"RESULT %%d %d\\n\", "
		    "mb_passed);\n"
		    "\treturn 0;\n}\n", g.ncases);
	for (size_t i = 0; i < sizeof(g.tmp) / sizeof(g.tmp[0]); i++)
		free(g.tmp[i]);
	if (ntests)
		*ntests = g.ncases;
	return rv_buf_detach(&src, NULL);
}
