/*
 * minibench_driver: the fixed part of every test harness (the helpers
 * named in minibench_int.h) and the assembly of a seed's tests.
 */
#include "minibench.h"
#include "minibench_int.h"

#include "rv_alloc.h"
#include "rv_buf.h"

#include <stdlib.h>
#include <string.h>

#define MB_STR_(x) #x
#define MB_STR(x) MB_STR_(x)

/*
 * The harness: it runs the cases and prints, one line per check, what
 * the candidate's function computed: "<case> <check> <value>\n".  It
 * holds the inputs only; the task app compares (minibench_judge.c).
 * static inline: whatever a task does not use draws no warning.
 */
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
"static int mb_fd = 1, mb_case, mb_check;\n"
"static char mb_buf[4096];\n"
"static size_t mb_len;\n"
"\n"
"static inline void mb_flush(void)\n"
"{\n"
"\tsize_t off = 0;\n"
"\n"
"\twhile (off < mb_len) {\n"
"\t\tssize_t w = write(mb_fd, mb_buf + off, mb_len - off);\n"
"\n"
"\t\tif (w <= 0)\n"
"\t\t\tbreak;\n"
"\t\toff += (size_t)w;\n"
"\t}\n"
"\tmb_len = 0;\n"
"}\n"
"\n"
"static inline void mb_add(const char *s, size_t n)\n"
"{\n"
"\twhile (n) {\n"
"\t\tsize_t k = sizeof(mb_buf) - mb_len < n ? sizeof(mb_buf) - mb_len : n;\n"
"\n"
"\t\tmemcpy(mb_buf + mb_len, s, k);\n"
"\t\tmb_len += k;\n"
"\t\ts += k;\n"
"\t\tn -= k;\n"
"\t\tif (mb_len == sizeof(mb_buf))\n"
"\t\t\tmb_flush();\n"
"\t}\n"
"}\n"
"\n"
"static inline void mb_addf(const char *fmt, ...)\n"
"{\n"
"\tchar t[64];\n"
"\tva_list ap;\n"
"\tint n;\n"
"\n"
"\tva_start(ap, fmt);\n"
"\tn = vsnprintf(t, sizeof(t), fmt, ap);\n"
"\tva_end(ap);\n"
"\tif (n > 0)\n"
"\t\tmb_add(t, (size_t)n < sizeof(t) ? (size_t)n : sizeof(t) - 1);\n"
"}\n"
"\n"
"static inline void mb_begin(int i)\n"
"{\n"
"\tmb_case = i;\n"
"\tmb_check = 0;\n"
"}\n"
"\n"
"static inline void mb_open(void)\n"
"{\n"
"\tmb_addf(\"%d %d \", mb_case, mb_check++);\n"
"}\n"
"\n"
"static inline void mb_close(void)\n"
"{\n"
"\tmb_add(\"\\n\", 1);\n"
"\tmb_flush();\n"
"}\n"
"\n"
"static inline void mb_hex(const char *s, size_t n)\n"
"{\n"
"\tstatic const char digits[] = \"0123456789abcdef\";\n"
"\n"
"\tfor (size_t i = 0; i < n; i++) {\n"
"\t\tunsigned char c = (unsigned char)s[i];\n"
"\t\tchar h[2] = { digits[c >> 4], digits[c & 15] };\n"
"\n"
"\t\tmb_add(h, 2);\n"
"\t}\n"
"}\n"
"\n"
"static inline void mb_put_ll(long long v)\n"
"{\n"
"\tmb_open();\n"
"\tmb_addf(\"%lld\", v);\n"
"\tmb_close();\n"
"}\n"
"\n"
"static inline void mb_put_ull(unsigned long long v)\n"
"{\n"
"\tmb_open();\n"
"\tmb_addf(\"%llu\", v);\n"
"\tmb_close();\n"
"}\n"
"\n"
"/* \"s\" and the bytes before the NUL in hex, or \"n\": no NUL within cap */\n"
"static inline void mb_put_str(const char *s, size_t cap)\n"
"{\n"
"\tconst char *end = memchr(s, '\\0', cap);\n"
"\n"
"\tmb_open();\n"
"\tif (end) {\n"
"\t\tmb_add(\"s\", 1);\n"
"\t\tmb_hex(s, (size_t)(end - s));\n"
"\t} else {\n"
"\t\tmb_add(\"n\", 1);\n"
"\t}\n"
"\tmb_close();\n"
"}\n"
"\n"
"static inline void mb_put_bytes(const char *s, size_t n)\n"
"{\n"
"\tmb_open();\n"
"\tmb_hex(s, n);\n"
"\tmb_close();\n"
"}\n"
"\n"
"static inline void mb_put_ints(const int *a, int n)\n"
"{\n"
"\tmb_open();\n"
"\tfor (int i = 0; i < n; i++)\n"
"\t\tmb_addf(i ? \" %d\" : \"%d\", a[i]);\n"
"\tmb_close();\n"
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
"/* results to the original stdout; the candidate's prints to stderr */\n"
"static inline void mb_setup(void)\n"
"{\n"
"\tint fd = dup(1);\n"
"\n"
"\tif (fd >= 0 && dup2(2, 1) >= 0)\n"
"\t\tmb_fd = fd;\n"
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

struct minibench_tests *mb_tests_make(const struct minibench_task *t,
				      const struct mb_def *d, long long seed)
{
	struct minibench_tests *tests = rv_xcalloc(1, sizeof(*tests));
	struct rv_buf src = RV_BUF_INIT;
	struct mb_gen g = { 0 };

	g.rng = (uint64_t)seed ^ mb_hash(d->id);
	g.src = &src;
	rv_buf_adds(&src, mb_preamble);
	rv_buf_addf(&src, "/* minibench task '%s', seed %lld */\n%s;\n\n"
		    "int main(void)\n{\n\tmb_setup();\n", d->id, seed,
		    t->signature);
	d->gen(&g);
	rv_buf_adds(&src, "\treturn 0;\n}\n");
	for (size_t i = 0; i < sizeof(g.tmp) / sizeof(g.tmp[0]); i++)
		free(g.tmp[i]);
	tests->source = rv_buf_detach(&src, NULL);
	tests->ncases = g.ncases;
	tests->checks = g.checks;
	tests->nchecks = g.nchecks;
	return tests;
}
