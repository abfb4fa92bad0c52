/*
 * Unit tests of the toolbox daemon's pure parts: the multipart and
 * chunked decoders, the log markers and output formats, and the path
 * policy.
 */
#include "testutil.h"

#include "rv_alloc.h"
#include "rv_fs.h"
#include "rv_buf.h"
#include "toolbox_log.h"
#include "toolbox_multipart.h"
#include "toolbox_path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* --- multipart ---------------------------------------------------------- */

struct mp_rec {
	struct rv_buf log;	/* "<name|filename>" per part, then its bytes */
	int parts;
	int stop_at;		/* part_begin fails for this part (or -1) */
};

static int rec_begin(void *arg, const char *name, const char *filename,
		     struct rv_err *err)
{
	struct mp_rec *m = arg;

	if (m->parts++ == m->stop_at) {
		rv_errf(err, RV_ERR_IO, "stopped at part %d", m->stop_at);
		return -1;
	}
	rv_buf_addf(&m->log, "<%s|%s>", name, filename ? filename : "-");
	return 0;
}

static int rec_data(void *arg, const char *data, size_t len,
		    struct rv_err *err)
{
	struct mp_rec *m = arg;

	(void)err;
	rv_buf_add(&m->log, data, len);
	return 0;
}

static int rec_end(void *arg, struct rv_err *err)
{
	struct mp_rec *m = arg;

	(void)err;
	rv_buf_adds(&m->log, "</>");
	return 0;
}

static const struct tb_mp_handler rec_handler = { rec_begin, rec_data, rec_end };

/* Feed body to a new parser in pieces of at most piece bytes. */
static enum rv_code mp_run(const char *boundary, const char *body, size_t len,
			   size_t piece, struct mp_rec *m, struct rv_err *err)
{
	struct tb_mp *mp = tb_mp_new(boundary, &rec_handler, m);
	enum rv_code rc = RV_OK;

	for (size_t off = 0; off < len && !rc; off += piece)
		rc = tb_mp_feed(mp, body + off, len - off < piece ?
				len - off : piece, err);
	if (!rc)
		rc = tb_mp_finish(mp, err);
	tb_mp_free(mp);
	return rc;
}

START_TEST(test_multipart_any_split_binary)
{
	static const char bin[] = "a\r\n--XYZ\r\n-\0\xff\r\n--XYZZ\r\r\n--";
	struct rv_buf body = RV_BUF_INIT, want = RV_BUF_INIT;

	rv_buf_adds(&body, "preamble\r\n--XYZZY\r\n"
		    "Content-Disposition: form-data; name=\"files[0].path\"\r\n"
		    "\r\n/home/daytona/a b.txt\r\n--XYZZY\r\n"
		    "Content-Disposition: form-data; name=\"files[0].file\"; "
		    "filename=\"a\\\"b.txt\"\r\nContent-Type: text/plain\r\n\r\n");
	rv_buf_add(&body, bin, sizeof(bin) - 1);
	rv_buf_adds(&body, "\r\n--XYZZY  \r\n\r\nnoheaders\r\n--XYZZY--\r\nepilogue");
	rv_buf_adds(&want, "<files[0].path|->/home/daytona/a b.txt</>"
		    "<files[0].file|a\"b.txt>");
	rv_buf_add(&want, bin, sizeof(bin) - 1);
	rv_buf_adds(&want, "</>");
	/* the part without headers has no name: the parser refuses it */
	for (size_t piece = 1; piece <= body.len; piece++) {
		struct mp_rec m = { RV_BUF_INIT, 0, -1 };
		struct rv_err err = RV_ERR_INIT;

		ck_assert_int_eq(mp_run("XYZZY", body.data, body.len, piece, &m,
					&err), RV_ERR_PROTO);
		ck_assert_msg(strstr(err.msg, "name"), "piece %zu: %s", piece,
			      err.msg);
		ck_assert_uint_eq(m.log.len, want.len);
		ck_assert(!memcmp(m.log.data, want.data, want.len));
		rv_buf_release(&m.log);
	}
	rv_buf_release(&body);
	rv_buf_release(&want);
}
END_TEST

START_TEST(test_multipart_complete_and_truncated)
{
	const char *ok = "--b\r\nContent-Disposition: form-data; name=x\r\n\r\n"
		"1\r\n--b\r\ncontent-disposition: form-data; name=\"y\"; "
		"filename=f\r\n\r\n\r\n--b--";
	struct mp_rec m = { RV_BUF_INIT, 0, -1 };
	struct rv_err err = RV_ERR_INIT;

	ck_assert_int_eq(mp_run("b", ok, strlen(ok), 3, &m, &err), RV_OK);
	ck_assert_str_eq(m.log.data, "<x|->1</><y|f></>");
	rv_buf_reset(&m.log);
	/* cut before the closing delimiter */
	ck_assert_int_eq(mp_run("b", ok, strlen(ok) - 5, 4, &m, &err),
			 RV_ERR_PROTO);
	ck_assert(strstr(err.msg, "closing boundary"));
	rv_buf_reset(&m.log);
	/* garbage after a delimiter */
	ck_assert_int_eq(mp_run("b", "--bXX", 5, 5, &m, &err), RV_ERR_PROTO);
	/* a handler that refuses a part stops the parser with its message */
	m.parts = 0;
	m.stop_at = 1;
	ck_assert_int_eq(mp_run("b", ok, strlen(ok), 7, &m, &err), RV_ERR_INTR);
	ck_assert_str_eq(err.msg, "stopped at part 1");
	rv_buf_release(&m.log);
}
END_TEST

START_TEST(test_multipart_boundary_from_content_type)
{
	char *b;

	b = tb_mp_boundary("multipart/form-data; boundary=----abc123");
	ck_assert_str_eq(b, "----abc123");
	free(b);
	b = tb_mp_boundary("Multipart/Form-Data; charset=x; boundary=\"q r\"");
	ck_assert_str_eq(b, "q r");
	free(b);
	ck_assert_ptr_null(tb_mp_boundary("application/json"));
	ck_assert_ptr_null(tb_mp_boundary("multipart/form-data"));
	ck_assert_ptr_null(tb_mp_boundary(NULL));
}
END_TEST

/* --- chunked ------------------------------------------------------------- */

static int collect(void *arg, const char *data, size_t n)
{
	rv_buf_add(arg, data, n);
	return 0;
}

START_TEST(test_chunked_any_split)
{
	static const char body[] = "5;ext=1\r\nhello\r\n1A\r\n"
		"\0\r\n0123456789abcdefghijklm\r\n0\r\nTrailer: x\r\n\r\nNEXT";
	size_t len = sizeof(body) - 1;

	for (size_t piece = 1; piece <= len; piece++) {
		struct tb_chunked c = TB_CHUNKED_INIT;
		struct rv_buf out = RV_BUF_INIT;
		struct rv_err err = RV_ERR_INIT;
		size_t off = 0, used = 0;

		while (off < len && !c.done) {
			size_t n = len - off < piece ? len - off : piece;

			ck_assert_int_eq(tb_chunked_feed(&c, body + off, n, &used,
							 collect, &out, &err),
					 RV_OK);
			off += used;
		}
		ck_assert(c.done);
		ck_assert_uint_eq(len - off, 4);	/* "NEXT" untouched */
		ck_assert_uint_eq(out.len, 5 + 26);
		ck_assert(!memcmp(out.data, "hello\0\r\n0123456789abcdefghijklm",
				  out.len));
		rv_buf_release(&out);
	}
}
END_TEST

START_TEST(test_chunked_malformed)
{
	static const char *const bad[] = { "x\r\n", "5\r\nhelloXX", "\r\n",
					   "fffffffffffffffff\r\n" };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tb_chunked c = TB_CHUNKED_INIT;
		struct rv_buf out = RV_BUF_INIT;
		struct rv_err err = RV_ERR_INIT;

		ck_assert_int_eq(tb_chunked_feed(&c, bad[i], strlen(bad[i]),
						 NULL, collect, &out, &err),
				 RV_ERR_PROTO);
		ck_assert(strstr(err.msg, "chunked"));
		rv_buf_release(&out);
	}
}
END_TEST

/* --- log markers --------------------------------------------------------- */

START_TEST(test_log_markers_and_demux)
{
	struct tb_log l;
	struct rv_buf out = RV_BUF_INIT, err = RV_BUF_INIT, comb = RV_BUF_INIT;

	tb_log_init(&l, 1 << 20);
	tb_log_append(&l, TB_STDOUT, "a\nb", 3);
	tb_log_append(&l, TB_STDERR, "E\n", 2);
	tb_log_append(&l, TB_STDOUT, "c\n", 2);
	tb_log_append(&l, TB_STDOUT, "d", 1);
	ck_assert_uint_eq(l.data.len, 3 + 2 + 3 + 1 + 3 + 2 + 3 + 2 + 3 + 1);
	ck_assert(!memcmp(l.data.data, "\1\1\1a\n\1\1\1b\2\2\2E\n\1\1\1c\n\1\1\1d",
			  l.data.len));
	tb_log_demux(l.data.data, l.data.len, &out, &err);
	ck_assert_str_eq(out.data, "a\nbc\nd");
	ck_assert_str_eq(err.data, "E\n");
	tb_log_strip(l.data.data, l.data.len, &comb);
	ck_assert_str_eq(comb.data, "a\nbE\nc\nd");
	/* bytes before the first marker are dropped by demux */
	rv_buf_reset(&out);
	rv_buf_reset(&err);
	tb_log_demux("xy\2\2\2z", 6, &out, &err);
	ck_assert_str_eq(out.data, "");
	ck_assert_str_eq(err.data, "z");
	tb_log_release(&l);
	/* over the cap, output is counted and dropped */
	tb_log_init(&l, 8);
	tb_log_append(&l, TB_STDOUT, "12345", 5);
	tb_log_append(&l, TB_STDOUT, "67890", 5);
	ck_assert_uint_eq(l.data.len, 8);
	ck_assert_uint_eq(l.dropped, 5);
	tb_log_release(&l);
	rv_buf_release(&out);
	rv_buf_release(&err);
	rv_buf_release(&comb);
}
END_TEST

START_TEST(test_log_strip_stream_any_split)
{
	static const char log[] = "\1\1\1ab\1\1\2\2\2\2cd\1\1\1\1\1\1e\1\1";
	struct rv_buf whole = RV_BUF_INIT;
	size_t len = sizeof(log) - 1;

	tb_log_strip(log, len, &whole);
	for (size_t piece = 1; piece <= len; piece++) {
		struct tb_strip s = { { 0 }, 0 };
		struct rv_buf out = RV_BUF_INIT;

		for (size_t off = 0; off < len; off += piece)
			tb_strip_feed(&s, log + off, len - off < piece ?
				      len - off : piece, &out);
		tb_strip_flush(&s, &out);
		ck_assert_uint_eq(out.len, whole.len);
		ck_assert_msg(!memcmp(out.data, whole.data, out.len),
			      "piece %zu", piece);
		rv_buf_release(&out);
	}
	ck_assert_uint_eq(whole.len, 10);
	ck_assert(!memcmp(whole.data, "ab\1\1\2cde\1\1", 10));
	rv_buf_release(&whole);
}
END_TEST

START_TEST(test_log_output_format_by_version)
{
	unsigned long v[3];

	ck_assert_int_eq(tb_out_format("0.218.0", false), TB_OUT_SPLIT);
	ck_assert_int_eq(tb_out_format("0.167.0", false), TB_OUT_SPLIT);
	ck_assert_int_eq(tb_out_format("0.167.0-rc.1", false), TB_OUT_SPLIT);
	ck_assert_int_eq(tb_out_format("v1.0", false), TB_OUT_SPLIT);
	ck_assert_int_eq(tb_out_format("0.0.0-dev", false), TB_OUT_SPLIT);
	ck_assert_int_eq(tb_out_format("0.166.9", false), TB_OUT_RAW);
	ck_assert_int_eq(tb_out_format("0.27.0", false), TB_OUT_RAW);
	ck_assert_int_eq(tb_out_format("garbage", false), TB_OUT_RAW);
	ck_assert_int_eq(tb_out_format("0.26.3", false), TB_OUT_COMBINED);
	ck_assert_int_eq(tb_out_format(NULL, false), TB_OUT_COMBINED);
	ck_assert_int_eq(tb_out_format("", true), TB_OUT_RAW);
	ck_assert(tb_version_parse("0.1.2dev", v));
	ck_assert_uint_eq(v[0] * 10000 + v[1] * 100 + v[2], 102);
	ck_assert(!tb_version_parse("dev", v));
}
END_TEST

/* --- paths --------------------------------------------------------------- */

START_TEST(test_path_normalize_and_within)
{
	static const char *const cases[][3] = {
		{ "/home/d", "a/../b/./c//d", "/home/d/b/c/d" },
		{ "/home/d", "../../../etc", "/etc" },
		{ "/home/d", "/x/..", "/" },
		{ "/", "..", "/" },
		{ "/home/d", "/tmp/", "/tmp" },
	};
	char *n;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = tb_path_normalize(cases[i][0], cases[i][1]);
		ck_assert_str_eq(n, cases[i][2]);
		free(n);
	}
	ck_assert(tb_path_within("/home/d", "/home/d"));
	ck_assert(tb_path_within("/home/d/x", "/home/d"));
	ck_assert(!tb_path_within("/home/dx", "/home/d"));
	ck_assert(tb_path_within("/anything", "/"));
}
END_TEST

START_TEST(test_path_resolve_refuses_escapes)
{
	char *dir = tu_tmpdir();
	char *home = rv_xasprintf("%s/home", dir);
	/* not below /tmp or the home: both are inside the sandbox */
	char *outside = rv_xasprintf("/var/tmp/tb-outside-%d", getpid());
	char *link = rv_xasprintf("%s/out", home);
	const char *roots[] = { home, "/tmp" };
	struct tb_roots r;
	struct rv_err err = RV_ERR_INIT;
	char *p = NULL;

	ck_assert_int_eq(mkdir(home, 0755), 0);
	mkdir(outside, 0755);
	ck_assert_int_eq(symlink(outside, link), 0);
	tb_roots_init(&r, home, roots, 2);
	ck_assert_int_eq(tb_path_resolve(&r, "sub/x.txt", &p, &err), RV_OK);
	ck_assert(!strncmp(p, home, strlen(home)));
	free(p);
	ck_assert_int_eq(tb_path_resolve(&r, "/tmp/x", &p, &err), RV_OK);
	free(p);
	ck_assert_int_eq(tb_path_resolve(&r, "../../../../etc/passwd", &p, &err),
			 RV_ERR_USAGE);
	ck_assert_ptr_null(p);
	ck_assert(strstr(err.msg, "outside the sandbox"));
	ck_assert_int_eq(tb_path_resolve(&r, "/etc/passwd", &p, &err),
			 RV_ERR_USAGE);
	ck_assert_int_eq(tb_path_resolve(&r, "out/new/file", &p, &err),
			 RV_ERR_USAGE);
	ck_assert(strstr(err.msg, "resolves outside"));
	ck_assert_int_eq(tb_path_resolve(&r, "", &p, &err), RV_ERR_USAGE);
	tb_roots_release(&r);
	rmdir(outside);
	tu_rmrf(dir);
	free(link);
	free(outside);
	free(home);
	free(dir);
}
END_TEST

START_TEST(test_path_mkdir_p_and_remove_tree)
{
	char *dir = tu_tmpdir();
	char *deep = rv_xasprintf("%s/a/b/c", dir);
	char *file = rv_xasprintf("%s/a/b/f", dir);
	char *top = rv_xasprintf("%s/a", dir);
	struct rv_err err = RV_ERR_INIT;
	struct stat st;
	FILE *f;

	ck_assert_int_eq(tb_mkdir_p(deep, 0755, &err), RV_OK);
	ck_assert_int_eq(tb_mkdir_p(deep, 0755, &err), RV_OK);
	f = fopen(file, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(tb_mkdir_p(file, 0755, &err), RV_ERR_IO);
	ck_assert_int_eq(rv_remove_tree(top, &err), RV_OK);
	ck_assert_int_ne(stat(top, &st), 0);
	tu_rmrf(dir);
	free(top);
	free(file);
	free(deep);
	free(dir);
}
END_TEST

static Suite *toolbox_units_suite(void)
{
	Suite *s = suite_create("toolbox_units");
	TCase *tc = tcase_create("decoders");

	tcase_add_test(tc, test_multipart_any_split_binary);
	tcase_add_test(tc, test_multipart_complete_and_truncated);
	tcase_add_test(tc, test_multipart_boundary_from_content_type);
	tcase_add_test(tc, test_chunked_any_split);
	tcase_add_test(tc, test_chunked_malformed);
	suite_add_tcase(s, tc);

	tc = tcase_create("logs");
	tcase_add_test(tc, test_log_markers_and_demux);
	tcase_add_test(tc, test_log_strip_stream_any_split);
	tcase_add_test(tc, test_log_output_format_by_version);
	suite_add_tcase(s, tc);

	tc = tcase_create("paths");
	tcase_add_test(tc, test_path_normalize_and_within);
	tcase_add_test(tc, test_path_resolve_refuses_escapes);
	tcase_add_test(tc, test_path_mkdir_p_and_remove_tree);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(toolbox_units_suite()) ? 1 : 0;
}
