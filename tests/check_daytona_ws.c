/* The stream-marker demuxer of the Daytona log follower. */
#include "testutil.h"

#include "daytona_ws.h"
#include "rv_buf.h"

#include <stdlib.h>
#include <string.h>

struct two_streams {
	struct rv_buf out, err;
	unsigned calls;
};

static void collect(enum daytona_stream s, const char *data, size_t len,
		    void *arg)
{
	struct two_streams *t = arg;

	ck_assert_uint_gt(len, 0);
	ck_assert(s == DAYTONA_STREAM_STDOUT || s == DAYTONA_STREAM_STDERR);
	rv_buf_add(s == DAYTONA_STREAM_STDOUT ? &t->out : &t->err, data, len);
	t->calls++;
}

static void two_release(struct two_streams *t)
{
	rv_buf_release(&t->out);
	rv_buf_release(&t->err);
}

#define OUT "\x01\x01\x01"
#define ERR "\x02\x02\x02"

/* The frames observed from the daemon (docs/daytona-api.md 6.5). */
static const char observed[] = OUT "line1\n" ERR "err1\n" OUT "line2\n";

START_TEST(test_demux_observed_frames)
{
	struct two_streams t = { RV_BUF_INIT, RV_BUF_INIT, 0 };
	struct daytona_demux d;

	daytona_demux_init(&d, collect, &t);
	daytona_demux_feed(&d, OUT "line1\n", 9);
	daytona_demux_feed(&d, ERR "err1\n", 8);
	daytona_demux_feed(&d, OUT "line2\n", 9);
	daytona_demux_finish(&d);
	ck_assert_str_eq(t.out.data, "line1\nline2\n");
	ck_assert_str_eq(t.err.data, "err1\n");
	two_release(&t);
}
END_TEST

/* Every split of the stream into two frames gives the same result. */
START_TEST(test_demux_marker_split_across_frames)
{
	size_t n = sizeof(observed) - 1;

	for (size_t cut = 0; cut <= n; cut++) {
		struct two_streams t = { RV_BUF_INIT, RV_BUF_INIT, 0 };
		struct daytona_demux d;

		daytona_demux_init(&d, collect, &t);
		daytona_demux_feed(&d, observed, cut);
		daytona_demux_feed(&d, observed + cut, n - cut);
		daytona_demux_finish(&d);
		ck_assert_msg(!strcmp(t.out.data, "line1\nline2\n") &&
			      !strcmp(t.err.data, "err1\n"),
			      "cut at %zu", cut);
		two_release(&t);
	}
}
END_TEST

START_TEST(test_demux_byte_by_byte)
{
	struct two_streams t = { RV_BUF_INIT, RV_BUF_INIT, 0 };
	struct daytona_demux d;

	daytona_demux_init(&d, collect, &t);
	for (size_t i = 0; i < sizeof(observed) - 1; i++)
		daytona_demux_feed(&d, observed + i, 1);
	daytona_demux_finish(&d);
	ck_assert_str_eq(t.out.data, "line1\nline2\n");
	ck_assert_str_eq(t.err.data, "err1\n");
	two_release(&t);
}
END_TEST

START_TEST(test_demux_drops_bytes_before_a_marker)
{
	struct two_streams t = { RV_BUF_INIT, RV_BUF_INIT, 0 };
	struct daytona_demux d;

	daytona_demux_init(&d, collect, &t);
	daytona_demux_feed(&d, "noise\n", 6);
	daytona_demux_feed(&d, ERR "e\n", 5);
	daytona_demux_finish(&d);
	ck_assert_str_eq(t.out.data, "");
	ck_assert_str_eq(t.err.data, "e\n");
	two_release(&t);
}
END_TEST

/* Short runs of marker bytes are data, also at a frame's end. */
START_TEST(test_demux_short_runs_are_data)
{
	struct two_streams t = { RV_BUF_INIT, RV_BUF_INIT, 0 };
	struct daytona_demux d;

	daytona_demux_init(&d, collect, &t);
	daytona_demux_feed(&d, OUT "a\x01" "b\x02\x02", 8);
	daytona_demux_feed(&d, "c\x01\x01", 3);
	daytona_demux_feed(&d, "\x02" "d\x01", 3);
	daytona_demux_finish(&d);	/* a trailing held byte is data */
	ck_assert_uint_eq(t.out.len, 11);
	ck_assert_int_eq(memcmp(t.out.data, "a\x01" "b\x02\x02" "c\x01\x01"
				"\x02" "d\x01", 11), 0);
	ck_assert_str_eq(t.err.data, "");
	two_release(&t);
}
END_TEST

/*
 * Random streams of segments, chopped into random frames: the demuxed
 * output equals what went in.  Payloads hold single marker bytes but no
 * run that could be mistaken for a marker.
 */
START_TEST(test_demux_random_frames)
{
	unsigned seed = 12345;

	for (int round = 0; round < 300; round++) {
		struct two_streams want = { RV_BUF_INIT, RV_BUF_INIT, 0 };
		struct two_streams got = { RV_BUF_INIT, RV_BUF_INIT, 0 };
		struct rv_buf wire = RV_BUF_INIT;
		struct daytona_demux d;
		int segs = 1 + rand_r(&seed) % 8;

		for (int s = 0; s < segs; s++) {
			bool is_err = rand_r(&seed) % 2;
			struct rv_buf *w = is_err ? &want.err : &want.out;
			int len = rand_r(&seed) % 40;

			rv_buf_adds(&wire, is_err ? ERR : OUT);
			for (int i = 0; i < len; i++) {
				static const char pool[] = "ab\n\x01\x02";
				char c = pool[rand_r(&seed) % 5];

				if ((c == 1 || c == 2) && (i == len - 1 ||
				    (wire.len && wire.data[wire.len - 1] < 3)))
					c = 'x';
				rv_buf_addch(&wire, c);
				rv_buf_addch(w, c);
			}
		}
		daytona_demux_init(&d, collect, &got);
		for (size_t off = 0; off < wire.len;) {
			size_t n = 1 + rand_r(&seed) % 7;

			if (n > wire.len - off)
				n = wire.len - off;
			daytona_demux_feed(&d, wire.data + off, n);
			off += n;
		}
		daytona_demux_finish(&d);
		ck_assert_uint_eq(got.out.len, want.out.len);
		ck_assert_uint_eq(got.err.len, want.err.len);
		ck_assert_int_eq(memcmp(got.out.data, want.out.data,
					want.out.len), 0);
		ck_assert_int_eq(memcmp(got.err.data, want.err.data,
					want.err.len), 0);
		two_release(&want);
		two_release(&got);
		rv_buf_release(&wire);
	}
}
END_TEST

static Suite *daytona_ws_suite(void)
{
	Suite *s = suite_create("daytona_ws");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_demux_observed_frames);
	tcase_add_test(tc, test_demux_marker_split_across_frames);
	tcase_add_test(tc, test_demux_byte_by_byte);
	tcase_add_test(tc, test_demux_drops_bytes_before_a_marker);
	tcase_add_test(tc, test_demux_short_runs_are_data);
	tcase_add_test(tc, test_demux_random_frames);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(daytona_ws_suite()) ? 1 : 0;
}
