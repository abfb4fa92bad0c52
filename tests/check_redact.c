/* rv_redact: whole secrets, their prefixes, streams and JSON trees. */
#include "testutil.h"

#include "rollouts.h"
#include "rv_alloc.h"
#include "rv_err.h"
#include "rv_json.h"
#include "rv_redact.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KEY "sk_env_4f2a9c17d3b8e5a06c1d"

static void assert_redacted(const char *in, const char *want)
{
	char *got = rv_redact(in);

	ck_assert_msg(!strcmp(got, want), "redact('%s'): got '%s', want '%s'",
		      in, got, want);
	free(got);
}

START_TEST(test_redact_prefixes_of_a_secret)
{
	rv_redact_reset();
	rv_redact_add(KEY);
	rv_redact_add("pw-1234");	/* shorter than the prefix rule */
	/* synth-ai's auth logs the first 15 characters */
	assert_redacted("auth: key sk_env_4f2a9c1...", "auth: key [REDACTED]...");
	/* from RV_REDACT_PREFIX_MIN characters on, however far it goes */
	assert_redacted("k=sk_env_ k=sk_env_4 k=sk_env_4f2a9c17d3b8e5a0!",
			"k=sk_env_ k=[REDACTED] k=[REDACTED]!");
	assert_redacted("x sk_env_x", "x sk_env_x");
	assert_redacted("sk_env_4f2a9c17d3b8e5a06c1dZZ", "[REDACTED]ZZ");
	assert_redacted("pw-1234 pw-123", "[REDACTED] pw-123");
	ck_assert(rv_redact_contains("..sk_env_4f.."));
	ck_assert(!rv_redact_contains("..sk_env_.."));
	rv_redact_reset();
}
END_TEST

/* A stream on a file of dir, capped at limit. */
static int stream_open(struct rv_redact_stream *st, const char *dir,
		       unsigned long long limit)
{
	char *path = rv_xasprintf("%s/log", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	free(path);
	rv_redact_stream_init(st, fd, limit);
	return fd;
}

static char *stream_text(const char *dir)
{
	char *path = rv_xasprintf("%s/log", dir), *text;

	text = tu_read_file(path, NULL);
	free(path);
	return text;
}

/* What a stream (capped at limit) wrote into a file, given the pieces. */
static char *stream_through(const char *const *pieces, bool flush_each,
			    unsigned long long limit)
{
	char *dir = tu_tmpdir(), *text;
	struct rv_redact_stream st;
	int fd = stream_open(&st, dir, limit);

	for (size_t i = 0; pieces[i]; i++) {
		rv_redact_stream_write(&st, pieces[i], strlen(pieces[i]));
		if (flush_each)
			rv_redact_stream_flush(&st);
	}
	rv_redact_stream_finish(&st);
	rv_redact_stream_release(&st);
	close(fd);
	text = stream_text(dir);
	tu_rmrf(dir);
	free(dir);
	return text;
}

START_TEST(test_redact_stream_catches_split_secrets)
{
	static const char *const split[] = {
		"line one\nkey=sk_e", "nv_4f2a9c17d3b8", "e5a06c1d and more\n",
		"tail without newline sk_env_4f2a", NULL,
	};
	char *text;

	rv_redact_reset();
	rv_redact_add(KEY);
	/* an idle flush after every write: the start of a possible secret
	   waits for the rest */
	text = stream_through(split, true, 0);
	ck_assert_str_eq(text, "line one\nkey=[REDACTED] and more\n"
			 "tail without newline [REDACTED]");
	free(text);
	text = stream_through(split, false, 0);
	ck_assert_str_eq(text, "line one\nkey=[REDACTED] and more\n"
			 "tail without newline [REDACTED]");
	free(text);
	rv_redact_reset();
}
END_TEST

/* n numbered lines, then one with a key, as pieces of size step. */
static char **flood_pieces(unsigned n, size_t step)
{
	struct rv_buf b = RV_BUF_INIT;
	char **v;
	size_t k = 0;

	for (unsigned i = 0; i < n; i++)
		rv_buf_addf(&b, "line %04u\n", i);
	rv_buf_adds(&b, "last key=" KEY "\n");
	v = calloc(b.len / step + 2, sizeof(*v));
	for (size_t at = 0; at < b.len; at += step)
		v[k++] = strndup(b.data + at, step);
	rv_buf_release(&b);
	return v;
}

static void free_pieces(char **v)
{
	for (size_t i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

START_TEST(test_redact_stream_cap_keeps_head_and_tail)
{
	static const size_t steps[] = { 7, 4096, 100000 };
	const char *cap = "line 0203\n[runeval: this log reached its cap of "
			  "4096 bytes; what follows is dropped, but for its "
			  "last 2048 bytes, written when the output ends]\n";
	char *text, *end, *tail, want[128];

	rv_redact_reset();
	rv_redact_add(KEY);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		char **pieces = flood_pieces(1000, steps[i]);

		/* T = 4096 / 2: the head is 2048 bytes, cut at a line's
		   end (204 lines of 10); dropped: 10000 - 2040 + the last
		   line, redacted (20 bytes) */
		text = stream_through((const char *const *)pieces, false,
				      4096);
		ck_assert_msg(!strncmp(text, "line 0000\n", 10), "%.40s", text);
		ck_assert_msg(strstr(text, cap), "%.300s", text + 2000);
		ck_assert(!strstr(text, "line 0204\n"));
		ck_assert(!strstr(text, "line 0500\n"));
		snprintf(want, sizeof(want), "[runeval: %d bytes of output "
			 "were dropped; the last ", 10000 - 2040 + 20);
		tail = strstr(text, want);
		ck_assert_msg(tail, "%s", text + 2040);
		/* the tail starts at a line's start and ends the file */
		end = strstr(tail, "follow]\n");
		ck_assert_ptr_nonnull(end);
		ck_assert_msg(!strncmp(end + 8, "line 0", 6), "%.40s", end);
		ck_assert_str_eq(text + strlen(text) - 20,
				 "last key=[REDACTED]\n");
		ck_assert(!strstr(text, "sk_env_4f"));
		ck_assert_uint_le(strlen(text), 4096 + 300);
		ck_assert_uint_ge(strlen(end + 8), 2048 - 10);
		free(text);
		free_pieces(pieces);
	}
	rv_redact_reset();
}
END_TEST

START_TEST(test_redact_stream_cap_edges)
{
	char *line = malloc(10001), *text;
	const char *one[] = { line, NULL };
	char **pieces = flood_pieces(1000, 512);
	size_t len;

	/* no cap: all of it */
	text = stream_through((const char *const *)pieces, false, 0);
	ck_assert_uint_eq(strlen(text), 10000 + 9 + strlen(KEY) + 1);
	free(text);
	/* under the cap: untouched, no note */
	text = stream_through((const char *const *)pieces, false, 1 << 20);
	ck_assert_uint_eq(strlen(text), 10000 + 9 + strlen(KEY) + 1);
	ck_assert(!strstr(text, "[runeval:"));
	free(text);
	free_pieces(pieces);
	/* one line without an end: cut inside it, each note on its own line */
	memset(line, 'x', 10000);
	line[10000] = '\0';
	text = stream_through(one, false, 4096);
	len = strlen(text);
	ck_assert_msg(!strncmp(text + 2048, "\n[runeval: this log reached", 27),
		      "%.60s", text + 2040);
	ck_assert(strspn(text, "x") == 2048);
	ck_assert_msg(strstr(text, "[runeval: 7952 bytes of output were "
			     "dropped; the last 2048 follow]\n"), "%s",
		      text + 2048);
	ck_assert_uint_eq(strspn(text + len - 2049, "x"), 2048);
	ck_assert_int_eq(text[len - 1], '\n');
	free(text);
	free(line);
}
END_TEST

/*
 * Past the cap: the tail's memory stays within 2 T (capacity 4 T) however
 * the output comes; rv_redact_stream_tail() has its last lines until the
 * stream ends; a tail that begins at a line's start keeps that line;
 * after the end, writes are dropped.
 */
START_TEST(test_redact_stream_cap_tail_bounded_and_live)
{
	static const size_t steps[] = { 7, 100000 };
	char *dir = tu_tmpdir(), *text, line[32];
	struct rv_redact_stream st;
	struct rv_buf b = RV_BUF_INIT, got = RV_BUF_INIT;
	int fd;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		fd = stream_open(&st, dir, 1 << 20);
		/* 4 MB through a 1 MB cap */
		for (unsigned n = 0; n < 4u << 20; n += 16) {
			rv_buf_addf(&b, "flood %09u\n", n);
			if (b.len >= steps[i]) {
				rv_redact_stream_write(&st, b.data, b.len);
				rv_buf_reset(&b);
				ck_assert_uint_le(st.tail.len,
						  2 * RV_REDACT_STREAM_TAIL);
				ck_assert_uint_le(st.tail.cap,
						  4 * RV_REDACT_STREAM_TAIL);
			}
		}
		rv_redact_stream_write(&st, "the end\n", 8);
		ck_assert(rv_redact_stream_tail(&st, 100, &got));
		ck_assert_uint_eq(got.len, 100);
		ck_assert_str_eq(got.data + 92, "the end\n");
		rv_buf_reset(&got);
		rv_redact_stream_finish(&st);
		ck_assert(!rv_redact_stream_tail(&st, 100, &got));
		ck_assert_uint_eq(got.len, 0);
		rv_redact_stream_write(&st, "late\n", 5);
		rv_redact_stream_finish(&st);
		rv_redact_stream_release(&st);
		close(fd);
		text = stream_text(dir);
		ck_assert_ptr_null(strstr(text, "late"));
		ck_assert_ptr_null(strstr(strstr(text, "were dropped") + 1,
					  "[runeval:"));
		ck_assert_str_eq(text + strlen(text) - 8, "the end\n");
		free(text);
	}
	/* one write of whole lines past the cap: the last T bytes are
	   256 lines of 8, from L001792 on, all of them kept */
	fd = stream_open(&st, dir, 4096);
	for (unsigned n = 0; n < 2048; n++) {
		snprintf(line, sizeof(line), "L%06u\n", n);
		rv_buf_adds(&b, line);
	}
	rv_redact_stream_write(&st, b.data, b.len);
	rv_redact_stream_finish(&st);
	rv_redact_stream_release(&st);
	close(fd);
	text = stream_text(dir);
	ck_assert_msg(strstr(text, "the last 2048 follow]\nL001792\n"), "%s",
		      strstr(text, "were dropped"));
	free(text);
	rv_buf_release(&b);
	rv_buf_release(&got);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/*
 * Just past the cap, an error message's tail is the file's end before
 * the note, then what was dropped: never the note.  An app that prints
 * notes of its own, or NUL bytes, does not shorten it (hostile: the
 * real note is the file's last).
 */
START_TEST(test_redact_stream_read_tail_across_the_cap)
{
	static const char fake[] = RV_REDACT_STREAM_CAP_NOTE "1 bytes]\n";
	char *dir = tu_tmpdir(), *path = rv_xasprintf("%s/log", dir);
	struct rv_redact_stream st;
	struct rv_buf out = RV_BUF_INIT;
	char line[32];

	for (int hostile = 0; hostile <= 1; hostile++) {
		unsigned n = 0;
		int fd = stream_open(&st, dir, 1 << 20);

		while (!st.dropped) {
			if (hostile && n % 40 == 1)
				rv_redact_stream_write(&st, fake,
						       sizeof(fake) - 1);
			if (hostile && n % 40 == 21)
				rv_redact_stream_write(&st, "\0\n", 2);
			snprintf(line, sizeof(line), "line %09u\n", n++);
			rv_redact_stream_write(&st, line, strlen(line));
		}
		rv_buf_reset(&out);
		ck_assert_int_eq(rv_redact_stream_read_tail(&st, path, 2048,
							    &out), 2048);
		ck_assert_uint_eq(out.len, 2048);
		ck_assert_ptr_null(memmem(out.data, out.len, "reached its cap "
					  "of 1048576", 26));
		ck_assert(!memcmp(out.data + 2048 - 15, line, 15));
		snprintf(line, sizeof(line), "line %09u\n", n - 2);
		ck_assert_ptr_nonnull(memmem(out.data, out.len, line, 15));
		ck_assert(!hostile || memmem(out.data, out.len, fake,
					      sizeof(fake) - 1));
		rv_redact_stream_finish(&st);
		rv_redact_stream_release(&st);
		close(fd);
	}
	rv_buf_release(&out);
	free(path);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* A secret with newlines in it (a PEM key), written a line at a time. */
START_TEST(test_redact_stream_multiline_secret)
{
	static const char *const pieces[] = {
		"key: -----BEGIN KEY-----\n", "MIIEvQIBADANBgkqhkiG9w0B\n",
		"-----END KEY-----\nafter\n", NULL,
	};
	char *text;

	rv_redact_reset();
	rv_redact_add("-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0B\n"
		      "-----END KEY-----");
	text = stream_through(pieces, false, 0);
	ck_assert_str_eq(text, "key: [REDACTED]\nafter\n");
	free(text);
	text = stream_through(pieces, true, 0);
	ck_assert_str_eq(text, "key: [REDACTED]\nafter\n");
	free(text);
	rv_redact_reset();
}
END_TEST

START_TEST(test_redact_json_tree)
{
	json_t *v = json_loads("{\"env\":{\"" KEY "\":\"k\",\"ENVIRONMENT_API_KEY\":"
			       "\"" KEY "\",\"n\":[1,\"pre sk_env_4f2a9c1 post\"],"
			       "\"ok\":true,\"x\":null}}", 0, NULL);
	json_t *r;
	char *text;

	rv_redact_reset();
	rv_redact_add(KEY);
	ck_assert_ptr_nonnull(v);
	r = rv_json_redact(v);
	text = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
	ck_assert_str_eq(text, "{\"env\":{\"ENVIRONMENT_API_KEY\":\"[REDACTED]\","
			 "\"[REDACTED]\":\"k\",\"n\":[1,\"pre [REDACTED] post\"],"
			 "\"ok\":true,\"x\":null}}");
	free(text);
	json_decref(r);
	/* a secret only in a nested array's string is still found */
	json_decref(v);
	v = json_loads("{\"a\":[{\"b\":[\"x\",\"" KEY "\"]}]}", 0, NULL);
	r = rv_json_redact(v);
	ck_assert_ptr_ne(r, v);
	text = json_dumps(r, JSON_COMPACT);
	ck_assert_str_eq(text, "{\"a\":[{\"b\":[\"x\",\"[REDACTED]\"]}]}");
	free(text);
	json_decref(r);
	json_decref(v);
	/* nothing to redact: v itself, not a copy of every node */
	v = json_loads("{\"a\":[1,\"sk_env_\",{\"k\":null}]}", 0, NULL);
	r = rv_json_redact(v);
	ck_assert_ptr_eq(r, v);
	ck_assert_int_eq(v->refcount, 2);
	json_decref(r);
	json_decref(v);
	rv_redact_reset();
}
END_TEST

/* rollout_judge: details echoing the environment are redacted. */
START_TEST(test_redact_rollout_details)
{
	static const char body[] =
		"{\"reward_info\":{\"outcome_reward\":1,\"details\":{\"environ\":"
		"{\"KEY\":\"" KEY "\"},\"log\":\"auth sk_env_4f2a9c1...\"}},"
		"\"status_detail\":\"key " KEY "\"}";
	static const char digits[] =
		"{\"reward_info\":{\"outcome_reward\":1,\"details\":"
		"{\"pin\":98765432101234}}}";
	struct rollout r;

	rv_redact_reset();
	rv_redact_add(KEY);
	rv_redact_add("98765432101234");
	memset(&r, 0, sizeof(r));
	rollout_judge(&r, 200, body, strlen(body));
	ck_assert(r.ok);
	ck_assert_str_eq(r.details, "{\"environ\":{\"KEY\":\"[REDACTED]\"},"
			 "\"log\":\"auth [REDACTED]...\"}");
	ck_assert_str_eq(rollout_status_detail(&r), "key [REDACTED]");
	rollout_release(&r);
	/* a secret where no string can be redacted: the whole object goes */
	memset(&r, 0, sizeof(r));
	rollout_judge(&r, 200, digits, strlen(digits));
	ck_assert(r.ok);
	ck_assert_str_eq(r.details, "{\"redacted\":true}");
	rollout_release(&r);
	rv_redact_reset();
}
END_TEST

/* An error status's body: redacted, then cut, so that markers longer
   than the secret prefixes they hide keep the error line in bounds
   (found by fuzz_rollout). */
START_TEST(test_redact_error_snippet_bounded)
{
	struct rv_buf body = RV_BUF_INIT;
	struct rollout r;

	rv_redact_reset();
	rv_redact_add(KEY);
	for (int i = 0; i < 30; i++)
		rv_buf_addf(&body, "%.8s ", KEY);
	memset(&r, 0, sizeof(r));
	rollout_judge(&r, 502, body.data, body.len);
	ck_assert(!r.ok);
	ck_assert_msg(strlen(r.error) <= 5 + 4 + 2 + 160 + 3, "%s", r.error);
	ck_assert_ptr_nonnull(strstr(r.error, "[REDACTED]"));
	ck_assert_ptr_null(strstr(r.error, KEY));
	rollout_release(&r);
	rv_buf_release(&body);
	rv_redact_reset();
}
END_TEST

/* A secret that starts just before an error line's cut: none of it
   shows (the cut used to leave up to RV_REDACT_PREFIX_MIN - 1 of its
   first characters, too few for the prefix rule). */
START_TEST(test_redact_error_snippet_edge)
{
	struct rv_buf body = RV_BUF_INIT;
	struct rollout r;
	const char *last_x;

	rv_redact_reset();
	rv_redact_add(KEY);
	for (size_t at = 160 - RV_REDACT_PREFIX_MIN; at < 160; at++) {
		rv_buf_reset(&body);
		for (size_t i = 0; i < at; i++)
			rv_buf_addch(&body, 'x');
		rv_buf_adds(&body, KEY);
		rv_buf_adds(&body, " and more text after it");
		memset(&r, 0, sizeof(r));
		rollout_judge(&r, 500, body.data, body.len);
		ck_assert(!r.ok);
		/* the line ends at the cut: x..x, then the marker's start,
		   never the key's first characters */
		last_x = strrchr(r.error, 'x');
		ck_assert_ptr_nonnull(last_x);
		ck_assert_msg(last_x[1] == '[', "at %zu: %s", at, r.error);
		ck_assert_msg(strlen(r.error) <= 5 + 4 + 2 + 160 + 3,
			      "at %zu: %s", at, r.error);
		rollout_release(&r);
	}
	/* the key twice: the first one's marker is shorter than the key,
	   which pulls the second one's start back inside the cut */
	for (size_t at = 150; at < 200; at++) {
		rv_buf_reset(&body);
		rv_buf_adds(&body, KEY);
		while (body.len < at)
			rv_buf_addch(&body, 'x');
		rv_buf_adds(&body, KEY);
		rv_buf_adds(&body, " and more text after it");
		memset(&r, 0, sizeof(r));
		rollout_judge(&r, 500, body.data, body.len);
		last_x = strrchr(r.error, 'x');
		ck_assert_ptr_nonnull(last_x);
		ck_assert_msg(last_x[1] == '[' || !strncmp(last_x, "xt", 2) ||
			      !strcmp(last_x + 1, "..."), "at %zu: %s", at,
			      r.error);
		ck_assert_msg(!strstr(r.error, "xs"), "at %zu: %s", at,
			      r.error);
		ck_assert_msg(strlen(r.error) <= 5 + 4 + 2 + 160 + 3,
			      "at %zu: %s", at, r.error);
		rollout_release(&r);
	}
	rv_buf_release(&body);
	rv_redact_reset();
}
END_TEST

/*
 * An error message longer than rv_err holds is redacted before its cut:
 * a key that starts just before the cut shows none of its characters,
 * from rv_errf and from rv_err_prefix.
 */
START_TEST(test_redact_error_message_cut)
{
	struct rv_buf text = RV_BUF_INIT;
	struct rv_err err = RV_ERR_INIT;
	const size_t max = RV_ERR_MSG_MAX - 1;

	rv_redact_reset();
	rv_redact_add(KEY);
	for (size_t at = max - RV_REDACT_PREFIX_MIN - 2; at < max; at++) {
		rv_buf_reset(&text);
		while (text.len < at)
			rv_buf_addch(&text, 'x');
		rv_buf_adds(&text, KEY);
		rv_buf_adds(&text, " after");
		rv_errf(&err, RV_ERR_PROVIDER, "%s", text.data);
		ck_assert_uint_eq(strlen(err.msg), max);
		ck_assert_msg(!strstr(err.msg, "xs"), "at %zu: ...%s", at,
			      err.msg + at - 4);
		/* the same through a prefix that pushes it to the cut */
		rv_errf(&err, RV_ERR_PROVIDER, "%s", text.data + 40);
		rv_err_prefix(&err, "%.38s", text.data);
		ck_assert_uint_eq(strlen(err.msg), max);
		ck_assert_msg(!strstr(err.msg, "xs"), "prefixed, at %zu: ...%s",
			      at, err.msg + at - 4);
	}
	/* a message that fits is left for the output's redaction */
	rv_errf(&err, RV_ERR_PROVIDER, "key %s", KEY);
	ck_assert_str_eq(err.msg, "key " KEY);
	rv_buf_release(&text);
	rv_redact_reset();
}
END_TEST

/* An echoed trace id is cut at 80 characters: after the redaction. */
START_TEST(test_redact_echoed_tcid_edge)
{
	struct rollout r;
	char body[512];

	rv_redact_reset();
	rv_redact_add(KEY);
	for (int at = 80 - RV_REDACT_PREFIX_MIN; at < 80; at++) {
		snprintf(body, sizeof(body), "{\"trace_correlation_id\":"
			 "\"%0*d%s tail\",\"reward_info\":{\"outcome_reward"
			 "\":1}}", at, 0, KEY);
		memset(&r, 0, sizeof(r));
		rollout_judge(&r, 200, body, strlen(body));
		ck_assert(!r.ok);
		ck_assert_msg(strstr(r.error, "0[") && !strstr(r.error, "0s"),
			      "at %d: %s", at, r.error);
		rollout_release(&r);
	}
	rv_redact_reset();
}
END_TEST

/* The rule, written plainly: at each place the longest match of any
   secret (whole, or a prefix of RV_REDACT_PREFIX_MIN or more), earliest
   first. */
static char *plain_redact(const char *s, const char *const *sec, size_t ns)
{
	struct rv_buf out = RV_BUF_INIT;
	size_t n = strlen(s), i = 0;

	while (i < n) {
		size_t best = 0;

		for (size_t j = 0; j < ns; j++) {
			size_t sl = strlen(sec[j]), m = 0;
			size_t k = sl < RV_REDACT_PREFIX_MIN ? sl :
				RV_REDACT_PREFIX_MIN;

			while (m < sl && i + m < n && s[i + m] == sec[j][m])
				m++;
			if (m >= k && m > best)
				best = m;
		}
		if (best) {
			rv_buf_adds(&out, RV_REDACT_MARK);
			i += best;
		} else {
			rv_buf_addch(&out, s[i++]);
		}
	}
	return rv_buf_detach(&out, NULL);
}

/*
 * The scan remembers where each secret is next instead of looking for
 * every secret after every hit (a megabyte of key prefixes took 9 s):
 * on texts made of pieces of three secrets (two share a start) and
 * noise, it redacts exactly as the plain rule does.
 */
START_TEST(test_redact_scan_matches_the_rule)
{
	static const char *const sec[] = { KEY, "sk_env_4f2a-other-secret-99",
					    "absent-secret-0123456789" };
	static const char *const bits[] = { "sk_env_4", "sk_env_4f2a9c",
					     "sk_env_4f2a-o", "x", " ", KEY,
					     "sk_env_4f2a-other-secret-99",
					     "sk_", "4f2a", "\n" };
	unsigned seed = 17;

	rv_redact_reset();
	for (size_t j = 0; j < 3; j++)
		rv_redact_add(sec[j]);
	for (int round = 0; round < 2000; round++) {
		struct rv_buf text = RV_BUF_INIT;
		char *want, *got;
		int pieces = (int)(rand_r(&seed) % 40);

		for (int k = 0; k < pieces; k++)
			rv_buf_adds(&text, bits[rand_r(&seed) %
						(sizeof(bits) / sizeof(*bits))]);
		want = plain_redact(text.data ? text.data : "", sec, 3);
		got = rv_redact(text.data ? text.data : "");
		ck_assert_msg(!strcmp(want, got), "'%s': '%s', not '%s'",
			      text.data, got, want);
		free(want);
		free(got);
		rv_buf_release(&text);
	}
	rv_redact_reset();
}
END_TEST

static Suite *redact_suite(void)
{
	Suite *s = suite_create("redact");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_redact_prefixes_of_a_secret);
	tcase_add_test(tc, test_redact_stream_catches_split_secrets);
	tcase_add_test(tc, test_redact_stream_cap_keeps_head_and_tail);
	tcase_add_test(tc, test_redact_stream_cap_edges);
	tcase_add_test(tc, test_redact_stream_cap_tail_bounded_and_live);
	tcase_add_test(tc, test_redact_stream_read_tail_across_the_cap);
	tcase_add_test(tc, test_redact_stream_multiline_secret);
	tcase_add_test(tc, test_redact_json_tree);
	tcase_add_test(tc, test_redact_rollout_details);
	tcase_add_test(tc, test_redact_error_snippet_bounded);
	tcase_add_test(tc, test_redact_error_snippet_edge);
	tcase_add_test(tc, test_redact_echoed_tcid_edge);
	tcase_add_test(tc, test_redact_error_message_cut);
	tcase_add_test(tc, test_redact_scan_matches_the_rule);
	/* the floods are slow under the sanitizers and valgrind */
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(redact_suite()) ? 1 : 0;
}
