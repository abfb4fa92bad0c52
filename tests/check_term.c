/* rv_term: foreign text printed on a terminal, escaped. */
#include "testutil.h"

#include "rv_buf.h"
#include "rv_log.h"
#include "rv_term.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *esc(const char *s, size_t len, bool multiline)
{
	struct rv_buf b = RV_BUF_INIT;

	rv_term_escape(&b, s, len, multiline);
	return rv_buf_detach(&b, NULL);
}

static void assert_esc(const char *in, bool multiline, const char *want)
{
	char *got = esc(in, strlen(in), multiline);

	ck_assert_msg(!strcmp(got, want), "escape('%s'): got '%s', want '%s'",
		      in, got, want);
	free(got);
}

START_TEST(test_term_escapes_controls)
{
	char *got;

	/* the reproducer: clear screen, red, bell */
	assert_esc("\x1b[2J\x1b[31mPWNED\x1b[0m\a", false,
		   "\\x1b[2J\\x1b[31mPWNED\\x1b[0m\\x07");
	assert_esc("a\tb\rc\nd\x7f", false, "a\\tb\\rc\\nd\\x7f");
	/* multi-line by design: LF and tab stay, the rest does not */
	assert_esc("one\n\ttwo\r\x1b]0;t\a\n", true,
		   "one\n\ttwo\\r\\x1b]0;t\\x07\n");
	/* C1 controls (CSI as U+009B), bidi overrides, line separators */
	assert_esc("x\xc2\x9b" "31my", false, "x\\u009b31my");
	assert_esc("\xe2\x80\xae" "evil\xe2\x81\xa6\xe2\x80\xa8", false,
		   "\\u202eevil\\u2066\\u2028");
	/* bytes that are not UTF-8: raw 8-bit CSI, overlong, surrogate,
	   cut sequence */
	assert_esc("\x9b" "2J", false, "\\x9b2J");
	assert_esc("\xc0\xaf", false, "\\xc0\\xaf");
	assert_esc("\xed\xa0\x80", false, "\\xed\\xa0\\x80");
	assert_esc("\xe2\x82", false, "\\xe2\\x82");
	/* ordinary text, UTF-8 and backslashes pass unchanged */
	assert_esc("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80 C:\\x", false,
		   "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80 C:\\x");
	/* a NUL inside the given length is shown, not a terminator */
	got = esc("a\0b", 3, false);
	ck_assert_str_eq(got, "a\\x00b");
	free(got);
	got = rv_term_safe("\x1b[H");
	ck_assert_str_eq(got, "\\x1b[H");
	free(got);
	ck_assert_ptr_null(rv_term_safe(NULL));
}
END_TEST

/* What fn printed on fd (1 or 2). */
static char *capture(int fd, void (*fn)(void))
{
	int p[2], saved = dup(fd);
	static char out[1024];
	ssize_t n;

	ck_assert_int_eq(pipe(p), 0);
	fflush(NULL);
	dup2(p[1], fd);
	fn();
	fflush(NULL);
	dup2(saved, fd);
	close(saved);
	close(p[1]);
	n = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	out[n > 0 ? n : 0] = '\0';
	return out;
}

static void print_line(void)
{
	rv_term_printf(stdout, "status %s: %s\n", "\x1b[2J", "a\nb\a");
}

static void log_line(void)
{
	rv_log_set_prog("t");
	rv_error("HTTP 500: %s", "\x1b[31mred\x1b[0m\nforged: ok\a");
}

START_TEST(test_term_printf_and_log_escape)
{
	ck_assert_str_eq(capture(1, print_line),
			 "status \\x1b[2J: a\\nb\\x07\n");
	/* rv_log: one line, whatever the message holds */
	ck_assert_str_eq(capture(2, log_line),
			 "t: error: HTTP 500: \\x1b[31mred\\x1b[0m\\nforged: "
			 "ok\\x07\n");
}
END_TEST

static Suite *term_suite(void)
{
	Suite *s = suite_create("term");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_term_escapes_controls);
	tcase_add_test(tc, test_term_printf_and_log_escape);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(term_suite()) ? 1 : 0;
}
