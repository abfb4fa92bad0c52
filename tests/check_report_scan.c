/*
 * The reporter's fast paths against the slow, obvious ways: the scanner's
 * numbers against strtod, its strings byte by byte, span times against
 * timegm, interned ids against a list, a large span file read in two
 * halves against the order of its lines, mapped files, and documents
 * read without a tree of them.
 */
#include "testutil.h"

#include "report_helpers.h"
#include "report_jscan.h"
#include "report_load.h"
#include "report_set.h"
#include "rv_alloc.h"
#include "rv_buf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static unsigned long long rng = 0x9e3779b97f4a7c15ULL;

static unsigned long long next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* jscan_number(text) must equal strtod(text), to the bit. */
static void assert_number(const char *text)
{
	struct jscan s;
	double got, want = strtod(text, NULL);

	jscan_init(&s, text, strlen(text));
	ck_assert_msg(jscan_number(&s, &got), "%s: %s", text, s.err);
	ck_assert_msg(jscan_at_end(&s), "%s: not all read", text);
	ck_assert_msg(memcmp(&got, &want, sizeof(got)) == 0,
		      "%s: %.17g != strtod's %.17g", text, got, want);
}

START_TEST(test_numbers_are_strtod_exact)
{
	static const char *const fixed[] = {
		"0", "-0", "-0.0", "0e999", "-0e-5", "0.1", "0.2", "0.3",
		"123.456", "123.456e-5", "1e22", "1e23", "-1e22", "1E22",
		"1e+22", "1e-22", "1e-23", "4.35", "9007199254740992",
		"9007199254740993", "9007199254740991e1", "9007199254740993e-5",
		"1234567890123456789", "12345678901234567890",
		"99999999999999999999", "0.30000000000000004",
		"123456789012345.6", "1.5e-7", "-42.000", "1e-400", "1e400",
		"0.000000000000000000001", "0.0000000000000000000000001234",
		"999999999999999", "1.7976931348623157e308",
		"2.2250738585072014e-308", "4.9e-324", "5e-324", "1e37",
		"123e30", "12345e30", "9e37", "1e38",
		"3.14159265358979323846264338327950288419716939937510582097494",
		"1000000000000000000000000000000000000000000000000000000000000"
		"000000000001",
		"0.100000000000000000000000000000000000000000000000000000000001",
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(fixed) / sizeof(*fixed); i++)
		assert_number(fixed[i]);
	/* plain decimals as span files have them, and with exponents */
	for (int i = 0; i < 200000; i++) {
		unsigned long long x = next(), m = next();
		int digits = (int)(x % 20) + 1, point = (int)(x >> 8) % 22;
		int exp = (int)((x >> 16) % 101) - 50;
		char mant[32];

		snprintf(mant, sizeof(mant), "%020llu", m);
		memmove(mant, mant + 20 - digits, (size_t)digits + 1);
		if (mant[0] == '0' && digits > 1)
			mant[0] = '1' + (char)(x % 9);
		if (point > 0 && point < digits)
			snprintf(buf, sizeof(buf), "%s%.*s.%s", x >> 40 & 1 ? "-" : "",
				 point, mant, mant + point);
		else
			snprintf(buf, sizeof(buf), "%s%s", x >> 40 & 1 ? "-" : "",
				 mant);
		if (x >> 41 & 1)
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
				 "%se%d", x >> 42 & 1 ? "" : "0", exp);
		if (buf[x >> 40 & 1] == '0' && buf[(x >> 40 & 1) + 1] &&
		    buf[(x >> 40 & 1) + 1] != '.' && buf[(x >> 40 & 1) + 1] != 'e')
			continue;	/* a leading zero: not JSON */
		assert_number(buf);
	}
}
END_TEST

START_TEST(test_numbers_bad)
{
	static const char *const bad[] = { "-", "01x", "1.", ".5", "1e", "1e+",
					   "--1", "+1", "1.e5" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct jscan s;
		double v;
		bool ok;

		jscan_init(&s, bad[i], strlen(bad[i]));
		ok = jscan_number(&s, &v) && jscan_at_end(&s);
		ck_assert_msg(!ok, "'%s' was read as %g", bad[i], v);
	}
}
END_TEST

/* One byte (or escape) that needs care, what it decodes to or the error. */
struct care {
	const char *seq, *decoded, *err;
};

static const struct care cares[] = {
	{ "\\n", "\n", NULL }, { "\\\"", "\"", NULL },
	{ "\\u00e9", "\xc3\xa9", NULL }, { "\xc3\xa9", "\xc3\xa9", NULL },
	{ "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", NULL },
	{ "\x01", NULL, "control character in string" },
	{ "\x7f", "\x7f", NULL }, { "\xff", NULL, "invalid UTF-8" },
	{ "\"", "", NULL },	/* ends the string early */
};

/* "abc..." of len letters with c->seq before letter at, scanned. */
static void check_string(const struct care *c, size_t len, size_t at,
			 struct rv_buf *text, struct rv_buf *scratch)
{
	static const char letters[] = "abcdefghijklmnopqrstu";
	size_t tail = strcmp(c->seq, "\"") ? len - at : 0, n;
	struct jscan s;
	const char *str;
	char want[64];
	bool ok;

	rv_buf_reset(text);
	rv_buf_addf(text, "\"%.*s%s%.*s\"  ", (int)at, letters, c->seq,
		    (int)(len - at), letters + at);
	jscan_init(&s, text->data, text->len);
	ok = jscan_str(&s, scratch, &str, &n);
	if (c->err) {
		ck_assert_msg(!ok && strstr(s.err, c->err), "%s: %s",
			      text->data, s.err);
		return;
	}
	ck_assert_msg(ok, "%s: %s", text->data, s.err);
	snprintf(want, sizeof(want), "%.*s%s%.*s", (int)at, letters,
		 c->decoded, (int)tail, letters + at);
	ck_assert_msg(n == strlen(want) && !memcmp(str, want, n),
		      "%s: got '%.*s'", text->data, (int)n, str);
}

/*
 * Strings of every length up to 20 with one byte that needs care at every
 * position (the word-at-a-time scan must stop exactly there).
 */
START_TEST(test_strings_byte_by_byte)
{
	struct rv_buf scratch = RV_BUF_INIT, text = RV_BUF_INIT;

	for (size_t c = 0; c < sizeof(cares) / sizeof(*cares); c++)
		for (size_t len = 0; len <= 20; len++)
			for (size_t at = 0; at <= len; at++)
				check_string(&cares[c], len, at, &text,
					     &scratch);
	rv_buf_release(&scratch);
	rv_buf_release(&text);
}
END_TEST

START_TEST(test_strings_end_of_input)
{
	/* unterminated at every length: the scan must not run past the end */
	for (size_t len = 0; len < 24; len++) {
		char *t = rv_xcalloc(1, len + 1);
		struct jscan s;

		t[0] = '"';
		memset(t + 1, 'x', len ? len - 1 : 0);
		jscan_init(&s, t, len ? len : 1);
		ck_assert(!jscan_str(&s, NULL, NULL, NULL));
		ck_assert_str_eq(s.err, "unterminated string");
		free(t);
	}
}
END_TEST

/* What report_parse_utc computed with timegm() and a division a digit. */
static double utc_by_timegm(int y, int mo, int d, int h, int mi, int sec,
			    const char *frac, int oh, int om)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi, .tm_sec = sec };
	volatile double scale = 0.1;
	double f = 0;

	for (const char *p = frac; *p; p++, scale /= 10)
		f += (*p - '0') * scale;
	return ((double)timegm(&tm) - oh * 3600.0 - om * 60.0 + f) * 1000.0;
}

START_TEST(test_times_match_timegm)
{
	for (int i = 0; i < 100000; i++) {
		unsigned long long x = next(), z = next();
		int y = 1 + (int)(x % 9999), mo = 1 + (int)(x >> 14 & 0xff) % 12;
		int d = 1 + (int)(x >> 22 & 0xff) % 31;
		int h = (int)(x >> 30 & 0xff) % 24;
		int mi = (int)(x >> 38 & 0xff) % 60;
		int sec = (int)(x >> 46 & 0xff) % 61;
		int nf = (int)(z % 16), oh = (int)(z >> 4 & 0xff) % 15 - 7;
		int om = oh ? (int)(z >> 12 & 1) * 30 : 0;
		char frac[20], text[64];
		double got, want;

		snprintf(frac, sizeof(frac), "%016llu", z >> 10);
		frac[nf] = '\0';
		snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d%s%s",
			 y, mo, d, h, mi, sec, nf ? "." : "", frac);
		if (z >> 40 & 1)
			snprintf(text + strlen(text), 16, "%c%02d:%02d",
				 oh < 0 ? '-' : '+', abs(oh), om);
		else
			strcat(text, "Z");
		if (!(z >> 40 & 1))
			oh = om = 0;
		ck_assert_msg(report_parse_utc(text, &got), "%s", text);
		want = utc_by_timegm(y, mo, d, h, mi, sec, frac, oh,
				     oh < 0 ? -om : om);
		ck_assert_msg(memcmp(&got, &want, sizeof(got)) == 0,
			      "%s: %.17g != %.17g", text, got, want);
	}
}
END_TEST

START_TEST(test_interning_keeps_ids)
{
	struct report_set set;
	size_t n = 50000;
	uint32_t *ids = rv_xcalloc(n, sizeof(*ids)), memo = 0;
	char s[64];

	report_set_init(&set);
	report_add_job(&set, "j", "j", REPORT_KIND_SPANS);
	for (size_t i = 0; i < n; i++) {
		snprintf(s, sizeof(s), "%.*s-%zu", (int)(i % 40),
			 "sandbox-sandbox-sandbox-sandbox-sandbox-", i);
		ids[i] = report_intern(&set, s, strlen(s));
		ck_assert_uint_eq(ids[i], i + 1);	/* first seen, next id */
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(s, sizeof(s), "%.*s-%zu", (int)(i % 40),
			 "sandbox-sandbox-sandbox-sandbox-sandbox-", i);
		ck_assert_uint_eq(report_intern(&set, s, strlen(s)), ids[i]);
		ck_assert_uint_eq(report_find(&set, s), ids[i]);
		ck_assert_str_eq(report_str(&set, ids[i]), s);
		/* a memo of another string is only a guess */
		ck_assert_uint_eq(report_intern_memo(&set, s, strlen(s), &memo),
				  ids[i]);
		ck_assert_uint_eq(memo, ids[i]);
	}
	ck_assert_uint_eq(report_find(&set, "sandbox-"), 0);
	/* the empty string and strings that differ only at the end */
	ck_assert_uint_eq(report_intern(&set, "", 0), n + 1);
	ck_assert_uint_eq(report_intern(&set, "abcdefgh1", 9), n + 2);
	ck_assert_uint_eq(report_intern(&set, "abcdefgh2", 9), n + 3);
	ck_assert_uint_eq(report_intern(&set, "abcdefgh1", 8), n + 4);
	memo = n + 2;
	ck_assert_uint_eq(report_intern_memo(&set, "abcdefgh2", 9, &memo),
			  n + 3);
	report_set_release(&set);
	free(ids);
}
END_TEST

/* A span file of n lines, line i (1-based) replaced by bad when i == at. */
static void big_spans(struct rv_buf *b, size_t n, size_t at, const char *bad)
{
	static const char *const provs[] = { "docker", "daytona", "e2b" };

	rv_buf_reset(b);
	for (size_t i = 1; i <= n; i++) {
		if (i % 1000 == 0)	/* blank lines count, carry nothing */
			rv_buf_adds(b, "  \n");
		if (i == at) {
			rv_buf_addf(b, "%s\n", bad);
			continue;
		}
		rv_buf_addf(b, "{\"provider\":\"%s\",\"phase\":\"p%zu\",\"ms\":%zu.5,"
			    "\"ok\":%s,\"sandbox\":\"sb-%zu\"}\n", provs[i % 3],
			    i % 7 + i / 20000, i, i % 10 ? "true" : "false", i / 5);
	}
}

START_TEST(test_large_files_read_in_order)
{
	struct rv_buf b = RV_BUF_INIT;
	struct report_set set;
	struct rv_err err = RV_ERR_INIT;
	size_t n = 40000;	/* about 4 MiB: read in two halves */
	char want[32];

	big_spans(&b, n, 0, NULL);
	ck_assert_uint_gt(b.len, 2u << 20);
	report_set_init(&set);
	ck_assert_int_eq(report_set_load_buf(&set, "big.jsonl", b.data, b.len,
					     &err), RV_OK);
	ck_assert_uint_eq(set.n_samples, n);
	ck_assert_uint_eq(set.jobs[0].n_samples, n);
	/* ids in order of first appearance, as one pass would give them */
	ck_assert_str_eq(report_str(&set, 1), "daytona");
	ck_assert_str_eq(report_str(&set, 2), "p1");
	ck_assert_str_eq(report_str(&set, 3), "sb-0");
	for (size_t i = 1; i <= n; i++) {
		const struct report_sample *s = &set.samples[i - 1];

		snprintf(want, sizeof(want), "sb-%zu", i / 5);
		ck_assert_str_eq(report_str(&set, s->sandbox), want);
		snprintf(want, sizeof(want), "p%zu", i % 7 + i / 20000);
		ck_assert_str_eq(report_str(&set, s->phase), want);
		ck_assert_double_eq(s->ms, (double)i + 0.5);
		ck_assert_int_eq(s->ok, i % 10 != 0);
	}
	for (uint32_t id = 2, seen = 0; id < set.strings.n; id++)
		if (!strncmp(report_str(&set, id), "sb-", 3)) {
			ck_assert_uint_eq((uint32_t)atoi(report_str(&set, id) + 3),
					  seen);
			seen++;
		}
	report_set_release(&set);
	rv_buf_release(&b);
}
END_TEST

START_TEST(test_large_files_name_the_bad_line)
{
	static const struct {
		size_t at, at2;
		const char *want;
	} cases[] = {
		/* in the second half: its number in the whole file */
		{ 35000, 0, "'big.jsonl' line 35035: missing 'ok'" },
		/* in both halves: the first one */
		{ 1000, 35000, "'big.jsonl' line 1001: missing 'ok'" },
		{ 39999, 0, "'big.jsonl' line 40038: missing 'ok'" },
	};
	struct rv_buf b = RV_BUF_INIT;

	for (size_t c = 0; c < sizeof(cases) / sizeof(*cases); c++) {
		struct report_set set;
		struct rv_err err = RV_ERR_INIT;
		const char *bad = "{\"provider\":\"x\",\"phase\":\"y\",\"ms\":1}";

		big_spans(&b, 40000, cases[c].at, bad);
		if (cases[c].at2) {
			char *p = strstr(b.data + b.len / 2,
					 "\"ok\":true,\"sandbox\":\"sb-7000\"");

			ck_assert_ptr_nonnull(p);
			memcpy(p, "\"ok\":nope", 9);
		}
		report_set_init(&set);
		ck_assert_int_eq(report_set_load_buf(&set, "big.jsonl", b.data,
						     b.len, &err), RV_ERR_PROTO);
		ck_assert_str_eq(err.msg, cases[c].want);
		report_set_release(&set);
	}
	rv_buf_release(&b);
}
END_TEST

START_TEST(test_mapped_files)
{
	struct report_set set;
	struct rv_err err = RV_ERR_INIT;
	const char *line = "{\"provider\":\"a\",\"phase\":\"b\",\"ok\":true,\"ms\":";
	char text[4097];
	char *path;

	/* a page exactly, the number running into the end of the mapping */
	memset(text, ' ', 4096);
	memcpy(text, line, strlen(line));
	memcpy(text + 4096 - 5, "}\n 12", 5);
	memcpy(text + strlen(line), "1", 1);
	text[4096] = '\0';
	/* {"...","ms":1      }\n 12 -> line 2 is a bare number */
	path = rh_write(rh_tmp, "page.jsonl", text);
	report_set_init(&set);
	ck_assert_int_eq(report_set_load(&set, path, &err), RV_ERR_PROTO);
	ck_assert_msg(strstr(err.msg, "line 2: a span must be a JSON object, got number"),
		      "%s", err.msg);
	report_set_release(&set);
	free(path);
	/* the last byte of the page closes the only span */
	memcpy(text + 4096 - 5, "    }", 5);
	path = rh_write(rh_tmp, "page2.jsonl", text);
	report_set_init(&set);
	ck_assert_int_eq(report_set_load(&set, path, &err), RV_OK);
	ck_assert_uint_eq(set.n_samples, 1);
	ck_assert_double_eq(set.samples[0].ms, 1);
	report_set_release(&set);
	free(path);
	/* an empty file is read, not mapped, and is an error */
	path = rh_write(rh_tmp, "empty.jsonl", "");
	report_set_init(&set);
	ck_assert_int_eq(report_set_load(&set, path, &err), RV_ERR_PROTO);
	ck_assert_msg(strstr(err.msg, "is empty"), "%s", err.msg);
	report_set_release(&set);
	free(path);
}
END_TEST

static enum rv_code load(struct report_set *set, const char *text,
			 struct rv_err *err)
{
	return report_set_load_buf(set, "in.json", text, strlen(text), err);
}

/* result.json is checked by the scanner; jansson reads only metadata. */
START_TEST(test_documents_without_a_tree)
{
	struct report_set set;
	struct rv_err err = RV_ERR_INIT;

	/* keys decoded, the last of a repeated one, non-objects ignored */
	report_set_init(&set);
	ck_assert_int_eq(load(&set,
		"{\"sch\\u0065ma\":\"runeval.result/1\",\"job\":{\"id\":\"first\"},"
		"\"environment\":\"docker\",\"job\":{\"id\":\"second\","
		"\"status\":\"ok\",\"duration_ms\":2.5},\"spans\":[{\"provider\":"
		"\"p\",\"phase\":\"x\",\"ms\":1,\"ok\":true}]}", &err), RV_OK);
	ck_assert_str_eq(set.jobs[0].name, "second");
	ck_assert_str_eq(set.jobs[0].status, "ok");
	ck_assert_double_eq(set.jobs[0].duration_ms, 2.5);
	ck_assert_uint_eq(set.jobs[0].provider, 0);
	ck_assert_uint_eq(set.n_samples, 1);
	report_set_release(&set);
}
END_TEST

/*
 * What only jansson takes still fails clearly (numbers jansson cannot hold
 * are in check_report_input's table).
 */
START_TEST(test_documents_scanner_and_jansson_differ)
{
	struct rv_buf b = RV_BUF_INIT;
	struct report_set set;
	struct rv_err err = RV_ERR_INIT;

	/* deeper than the scanner goes (jansson would take it) */
	rv_buf_adds(&b, "{\"schema\":\"runeval.result/1\",\n\"x\":");
	for (int i = 0; i < 70; i++)
		rv_buf_addch(&b, '[');
	for (int i = 0; i < 70; i++)
		rv_buf_addch(&b, ']');
	rv_buf_adds(&b, ",\"spans\":[]}");
	report_set_init(&set);
	ck_assert_int_eq(load(&set, b.data, &err), RV_ERR_PROTO);
	ck_assert_str_eq(err.msg, "'in.json' line 2 column 69: invalid JSON: nested too deeply");
	report_set_release(&set);
	rv_buf_release(&b);
}
END_TEST

static Suite *report_scan_suite(void)
{
	Suite *s = suite_create("report_scan");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_numbers_are_strtod_exact);
	tcase_add_test(tc, test_strings_byte_by_byte);
	tcase_add_test(tc, test_times_match_timegm);
	tcase_add_test(tc, test_interning_keeps_ids);
	tcase_add_test(tc, test_large_files_read_in_order);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, rh_tmp_setup, rh_tmp_teardown);
	tcase_add_test(tc, test_numbers_bad);
	tcase_add_test(tc, test_strings_end_of_input);
	tcase_add_test(tc, test_large_files_name_the_bad_line);
	tcase_add_test(tc, test_mapped_files);
	tcase_add_test(tc, test_documents_without_a_tree);
	tcase_add_test(tc, test_documents_scanner_and_jansson_differ);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(report_scan_suite()) ? 1 : 0;
}
