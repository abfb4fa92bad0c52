/* Unit tests of the shared core: errors, buffers, redaction, JSON, HTTP. */
#include "testutil.h"
#include "stub_http.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_dl.h"
#include "rv_err.h"
#include "rv_fs.h"
#include "rv_http.h"
#include "rv_intern.h"
#include "rv_json.h"
#include "rv_log.h"
#include "rv_num.h"
#include "rv_random.h"
#include "rv_redact.h"
#include "rv_slab.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

START_TEST(test_err_fill_and_prefix)
{
	struct rv_err err = RV_ERR_INIT;

	ck_assert_int_eq(rv_errf(&err, RV_ERR_IO, "cannot open '%s'", "x"),
			 RV_ERR_IO);
	ck_assert_int_eq(err.code, RV_ERR_IO);
	ck_assert_str_eq(err.msg, "cannot open 'x'");
	rv_err_prefix(&err, "loading %s", "config");
	ck_assert_str_eq(err.msg, "loading config: cannot open 'x'");
	ck_assert_int_eq(rv_errf(NULL, RV_ERR_HTTP, "ignored"), RV_ERR_HTTP);
	ck_assert_str_eq(rv_strerror(RV_ERR_TIMEOUT), "timed out");
	ck_assert_str_eq(rv_code_name(RV_ERR_TIMEOUT), "timeout");
	ck_assert_str_eq(rv_code_name(RV_OK), "ok");
	ck_assert_str_eq(rv_strerror((enum rv_code)999), "unknown error");
	rv_err_clear(&err);
	ck_assert_int_eq(err.code, RV_OK);
	ck_assert_str_eq(err.msg, "");
}
END_TEST

START_TEST(test_err_truncates_long_messages)
{
	struct rv_err err = RV_ERR_INIT;
	char big[2000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	rv_errf(&err, RV_ERR_IO, "%s", big);
	ck_assert_uint_eq(strlen(err.msg), RV_ERR_MSG_MAX - 1);
	rv_err_prefix(&err, "%s", big);
	ck_assert_uint_eq(strlen(err.msg), RV_ERR_MSG_MAX - 1);
}
END_TEST

START_TEST(test_buf_grows_and_detaches)
{
	struct rv_buf b = RV_BUF_INIT;
	char *s;
	size_t len;

	ck_assert_str_eq(b.data, "");
	for (int i = 0; i < 1000; i++)
		rv_buf_addf(&b, "%d,", i);
	ck_assert(b.len > 3000);
	ck_assert_uint_eq(strlen(b.data), b.len);
	rv_buf_truncate(&b, 4);
	ck_assert_str_eq(b.data, "0,1,");
	s = rv_buf_detach(&b, &len);
	ck_assert_str_eq(s, "0,1,");
	ck_assert_uint_eq(len, 4);
	ck_assert_uint_eq(b.len, 0);
	free(s);
	rv_buf_release(&b);
	/* a text longer than the room left: formatted again, whole */
	rv_buf_adds(&b, "ab");
	rv_buf_addf(&b, "%s|%0300d|%s", "x", 7, "end");
	ck_assert_uint_eq(b.len, 2 + 2 + 300 + 4);
	ck_assert_uint_eq(strlen(b.data), b.len);
	ck_assert(!strncmp(b.data, "abx|000", 7));
	ck_assert_str_eq(b.data + b.len - 6, "07|end");
	rv_buf_addf(&b, "%s", "");	/* nothing: still terminated */
	ck_assert_uint_eq(strlen(b.data), b.len);
	rv_buf_release(&b);
	/* a limit: doubling stops there, and a need past it is met exactly */
	rv_buf_grow_max(&b, 100, 150);
	ck_assert_uint_eq(b.cap, 128);
	ck_assert_str_eq(b.data, "");
	rv_buf_adds(&b, "abc");
	rv_buf_grow_max(&b, 130, 150);
	ck_assert_uint_eq(b.cap, 150);
	rv_buf_grow_max(&b, 200, 150);
	ck_assert_uint_eq(b.cap, 204);
	ck_assert_str_eq(b.data, "abc");
	rv_buf_grow_max(&b, 10, 150);	/* room enough: unchanged */
	ck_assert_uint_eq(b.cap, 204);
	rv_buf_release(&b);
}
END_TEST

START_TEST(test_buf_shell_word_and_hex)
{
	struct rv_buf b = RV_BUF_INIT;
	unsigned char bytes[] = { 0x00, 0x9f, 0xff, 0x10 };
	char hex[9];

	rv_buf_add_shell_word(&b, "it's a 'test'");
	ck_assert_str_eq(b.data, "'it'\\''s a '\\''test'\\'''");
	rv_buf_reset(&b);
	rv_buf_add_shell_word(&b, "");
	ck_assert_str_eq(b.data, "''");
	ck_assert_str_eq(rv_hex(bytes, sizeof(bytes), hex), "009fff10");
	ck_assert_str_eq(rv_hex(bytes, 0, hex), "");
	rv_buf_release(&b);
}
END_TEST

/* RFC 4648's vectors, every byte value, base64url; bad text changes nothing. */
START_TEST(test_buf_base64)
{
	static const char *const vec[][2] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	static const char *const bad[] = { "Z", "Zm9vY", "Zm9v!", "Zg==Zg==",
					   "Zm 9v", "\xc3\xa9" "AA" };
	struct rv_buf b = RV_BUF_INIT, d = RV_BUF_INIT;
	unsigned char all[256];

	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		rv_buf_reset(&b);
		rv_buf_reset(&d);
		rv_buf_add_base64(&b, vec[i][0], strlen(vec[i][0]));
		ck_assert_str_eq(b.data ? b.data : "", vec[i][1]);
		ck_assert(rv_buf_add_unbase64(&d, vec[i][1], strlen(vec[i][1])));
		ck_assert_uint_eq(d.len, strlen(vec[i][0]));
		ck_assert(!memcmp(d.data ? d.data : "", vec[i][0], d.len));
	}
	/* unpadded, as some encoders send */
	rv_buf_reset(&d);
	ck_assert(rv_buf_add_unbase64(&d, "Zm8", 3));
	ck_assert_uint_eq(d.len, 2);
	ck_assert(!memcmp(d.data, "fo", 2));
	for (int i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	rv_buf_reset(&b);
	rv_buf_reset(&d);
	rv_buf_add_base64(&b, all, sizeof(all));
	ck_assert(rv_buf_add_unbase64(&d, b.data, b.len));
	ck_assert_uint_eq(d.len, 256);
	ck_assert(!memcmp(d.data, all, 256));
	/* base64url: - and _ for + and / */
	rv_buf_reset(&d);
	ck_assert(rv_buf_add_unbase64(&d, "-_8=", 4));
	ck_assert_uint_eq(d.len, 2);
	ck_assert_int_eq((unsigned char)d.data[0], 0xfb);
	ck_assert_int_eq((unsigned char)d.data[1], 0xff);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rv_buf_reset(&d);
		rv_buf_add(&d, "kept", 4);
		ck_assert_msg(!rv_buf_add_unbase64(&d, bad[i], strlen(bad[i])),
			      "'%s' decoded", bad[i]);
		ck_assert_uint_eq(d.len, 4);
	}
	rv_buf_release(&b);
	rv_buf_release(&d);
}
END_TEST

START_TEST(test_redact_replaces_every_secret)
{
	char *s;

	rv_redact_reset();
	rv_redact_add("sk-secret-123456");
	rv_redact_add("short");	/* too short: ignored */
	rv_redact_add("tok_abcdef");
	s = rv_redact("key=sk-secret-123456 again sk-secret-123456 tok_abcdef short");
	ck_assert_str_eq(s, "key=[REDACTED] again [REDACTED] [REDACTED] short");
	free(s);
	ck_assert(rv_redact_contains("xx tok_abcdef"));
	ck_assert(!rv_redact_contains("nothing here"));
	rv_redact_reset();
	ck_assert(!rv_redact_contains("tok_abcdef"));
}
END_TEST

START_TEST(test_log_never_prints_a_secret)
{
	int fds[2], saved;
	char out[512] = "";
	ssize_t n;

	rv_redact_reset();
	rv_redact_add("supersecretvalue");
	ck_assert_int_eq(pipe(fds), 0);
	saved = dup(2);
	dup2(fds[1], 2);
	rv_log_set_prog("testprog");
	rv_warn("token is %s", "supersecretvalue");
	dup2(saved, 2);
	close(fds[1]);
	n = read(fds[0], out, sizeof(out) - 1);
	ck_assert(n > 0);
	out[n] = '\0';
	ck_assert_str_eq(out, "testprog: warning: token is [REDACTED]\n");
	close(fds[0]);
	rv_redact_reset();
}
END_TEST

START_TEST(test_json_paths_and_errors)
{
	struct rv_err err = RV_ERR_INIT;
	const char *doc = "{\"reward_info\":{\"outcome_reward\":0.5,"
		"\"n\":3,\"ok\":true,\"s\":\"x\"}}";
	json_t *v = rv_json_parse(doc, strlen(doc), "body", &err);
	double d = -1;

	ck_assert_ptr_nonnull(v);
	ck_assert(rv_json_num(v, "reward_info.outcome_reward", &d));
	ck_assert(d == 0.5);
	ck_assert(rv_json_num(v, "reward_info.n", &d));
	ck_assert(d == 3);
	ck_assert(!rv_json_num(v, "reward_info.s", &d));
	ck_assert(!rv_json_num(v, "reward_info.missing.deeper", &d));
	ck_assert_int_eq(rv_json_int(v, "reward_info.n", -1), 3);
	ck_assert(rv_json_bool(v, "reward_info.ok", false));
	ck_assert_str_eq(rv_json_str(v, "reward_info.s"), "x");
	ck_assert_ptr_null(rv_json_str(v, "reward_info.n"));
	ck_assert_str_eq(rv_json_type_name(rv_json_path(v, "reward_info")),
			 "object");
	ck_assert_str_eq(rv_json_type_name(NULL), "missing");
	json_decref(v);

	v = rv_json_parse("{\"a\":", 5, "response body", &err);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(err.code, RV_ERR_PROTO);
	ck_assert(strstr(err.msg, "invalid JSON in response body at line 1"));

	/* jansson quotes the input near the error: one printable line */
	doc = "{\"s\":\"\\ud83\n\"}";
	ck_assert_ptr_null(rv_json_parse(doc, strlen(doc), "body", &err));
	ck_assert_msg(strstr(err.msg, "near '\"\\ud83\\n'"), "message: %s",
		      err.msg);
	doc = "[\"\\\033[2J\"]";
	ck_assert_ptr_null(rv_json_parse(doc, strlen(doc), "body", &err));
	ck_assert_msg(strstr(err.msg, "near '\"\\\\x1b'"), "message: %s",
		      err.msg);
}
END_TEST

/* Interned: one pointer per string, cut at max, "" for NULL; stable
   while the table grows. */
START_TEST(test_intern_one_copy_each)
{
	const char *a = rv_intern("sb-1", 63), *b;
	char name[32];

	ck_assert_str_eq(a, "sb-1");
	ck_assert_ptr_eq(rv_intern("sb-1xyz", 4), a);
	ck_assert_str_eq(rv_intern(NULL, 63), "");
	ck_assert_ptr_eq(rv_intern("", 63), rv_intern(NULL, 0));
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "sandbox-%d", i);
		b = rv_intern(name, 63);
		ck_assert_str_eq(b, name);
		ck_assert_ptr_eq(rv_intern(name, 63), b);
	}
	ck_assert_ptr_eq(rv_intern("sb-1", 63), a);
	ck_assert_ptr_ne(rv_intern("sb-2", 63), a);
}
END_TEST

/* A slab's objects: zeroed (also when given back and handed out again),
   aligned, apart from each other across many blocks, and handed out
   safely from many threads. */
#define SLAB_OBJECTS 3000
struct slab_obj {
	long long n;
	char text[93];
};

static struct rv_slab test_slab = RV_SLAB_INIT(sizeof(struct slab_obj));

static char slab_churn_failed;

static void *slab_churn(void *arg)
{
	struct slab_obj *o[64];

	(void)arg;
	for (int round = 0; round < 200; round++) {
		for (int i = 0; i < 64; i++) {
			o[i] = rv_slab_zalloc(&test_slab);
			if (o[i]->n || o[i]->text[92])
				return &slab_churn_failed;	/* not zeroed */
			o[i]->n = round * 64 + i;
			memset(o[i]->text, 'x', sizeof(o[i]->text));
		}
		for (int i = 0; i < 64; i++) {
			if (o[i]->n != round * 64 + i)
				return &slab_churn_failed;	/* shared */
			rv_slab_free(&test_slab, o[i]);
		}
	}
	return NULL;
}

START_TEST(test_slab_objects)
{
	static struct slab_obj *o[SLAB_OBJECTS];
	pthread_t th[4];
	void *bad;

	for (int i = 0; i < SLAB_OBJECTS; i++) {
		o[i] = rv_slab_zalloc(&test_slab);
		ck_assert_uint_eq((uintptr_t)o[i] % _Alignof(max_align_t), 0);
		ck_assert(o[i]->n == 0 && o[i]->text[0] == 0 &&
			  o[i]->text[92] == 0);
		o[i]->n = i;
		memset(o[i]->text, 'a' + i % 26, sizeof(o[i]->text));
	}
	for (int i = 0; i < SLAB_OBJECTS; i++) {
		ck_assert_int_eq(o[i]->n, i);
		ck_assert_int_eq(o[i]->text[92], 'a' + i % 26);
	}
	for (int i = 0; i < SLAB_OBJECTS; i += 2) {
		rv_slab_free(&test_slab, o[i]);
		o[i] = NULL;
	}
	rv_slab_free(&test_slab, NULL);
	for (int i = 0; i < SLAB_OBJECTS; i += 2) {
		o[i] = rv_slab_zalloc(&test_slab);
		ck_assert(o[i]->n == 0 && o[i]->text[0] == 0 &&
			  o[i]->text[92] == 0);
		o[i]->n = i;
	}
	for (int i = 1; i < SLAB_OBJECTS; i += 2)
		ck_assert_int_eq(o[i]->n, i);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, slab_churn,
						NULL), 0);
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(pthread_join(th[i], &bad), 0);
		ck_assert_ptr_null(bad);
	}
	for (int i = 0; i < SLAB_OBJECTS; i++) {
		ck_assert_int_eq(o[i]->n, i);
		rv_slab_free(&test_slab, o[i]);
	}
}
END_TEST

/* rv_buf_add_int is "%lld", to the extremes. */
START_TEST(test_buf_add_int_is_printf)
{
	static const long long v[] = { 0, 7, -7, 10, 1234567890123LL,
				       LLONG_MAX, LLONG_MIN };

	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++) {
		struct rv_buf b = RV_BUF_INIT;
		char want[32];

		snprintf(want, sizeof(want), "%lld", v[i]);
		rv_buf_adds(&b, "x");
		rv_buf_add_int(&b, v[i]);
		ck_assert_str_eq(b.data + 1, want);
		rv_buf_release(&b);
	}
	{	/* rv_digits, what it builds on: "%0*llu" */
		static const unsigned long long u[] = { 0, 5, 123, 1234567 };
		char d[32], want[32];

		for (size_t i = 0; i < sizeof(u) / sizeof(*u); i++)
			for (int min = 1; min <= 7; min += 3) {
				char *p;

				d[sizeof(d) - 1] = '\0';
				p = rv_digits(d + sizeof(d) - 1, u[i], min);
				snprintf(want, sizeof(want), "%0*llu", min, u[i]);
				ck_assert_str_eq(p, want);
			}
	}
}
END_TEST

/* rv_buf_add_g is "%.*g", whole numbers (its shortcut) and others. */
START_TEST(test_buf_add_g_is_printf)
{
	static const double v[] = { 0, -0.0, 1, -1, 7, 0.5, -2.5, 999999,
				    1e6, -1e6, 1000001, 123456789012.0,
				    999999999999.0, 1e12, -1e12, 1e15, 3e20,
				    1.0 / 3, 2e-6, 1e300, -4503599627370496.0,
				    NAN, INFINITY, -INFINITY };
	static const int prec[] = { 1, 6, 12, 17 };

	for (size_t i = 0; i < sizeof(v) / sizeof(*v); i++)
		for (size_t k = 0; k < sizeof(prec) / sizeof(*prec); k++) {
			struct rv_buf b = RV_BUF_INIT;
			char want[64];

			snprintf(want, sizeof(want), "%.*g", prec[k], v[i]);
			rv_buf_adds(&b, "x");
			rv_buf_add_g(&b, v[i], prec[k]);
			ck_assert_msg(!strcmp(b.data + 1, want),
				      "%.17g at %d: '%s', printf '%s'", v[i],
				      prec[k], b.data + 1, want);
			rv_buf_release(&b);
		}
}
END_TEST

/* Numbers written as text are jansson's, byte for byte (hyperfine.json
   was jansson's and is now text: "2e-6", not "2e-06"). */
START_TEST(test_json_add_num_is_janssons)
{
	static const double v[] = { 0, 1, -2.5, 2e-6, 1e20, 1.5e-300, 123456.789,
				    1e-5 / 3, 42e100, -7e-10, 0.001, -0.05, 0.105,
				    999999999.999, 1e9, 0.1 + 0.2, 1.0 / 3,
				    0.0005, -0.0015, 4.9999999999999996e-4,
				    -999999999.9995, 0.49999999999999994 };
	unsigned seed = 17;

	/* the listed ones, then durations rounded to the microsecond as
	   result.json writes them (the fast path), then any doubles */
	for (size_t i = 0; i < sizeof(v) / sizeof(*v) + 20000; i++) {
		struct rv_buf b = RV_BUF_INIT;
		size_t k = i - sizeof(v) / sizeof(*v);
		double x = i < sizeof(v) / sizeof(*v) ? v[i] : k < 10000 ?
			round((double)rand_r(&seed) / 1000.0 *
			      (k % 2 ? -1 : 1)) / 1000.0 :
			(double)rand_r(&seed) / (double)(rand_r(&seed) + 1);
		json_t *j = json_real(x);
		char *want = json_dumps(j, JSON_ENCODE_ANY |
					JSON_REAL_PRECISION(12));

		rv_json_add_num(&b, x);
		ck_assert_str_eq(b.data, want);
		free(want);
		json_decref(j);
		rv_buf_release(&b);
	}
}
END_TEST

/* rv_json_add_value() writes what rv_json_dumps() does, byte for byte. */
static void assert_add_value_is_dumps(const json_t *v)
{
	struct rv_buf b = RV_BUF_INIT;
	char *want = rv_json_dumps(v);

	rv_json_add_value(&b, v);
	ck_assert_str_eq(b.data, want);
	free(want);
	rv_buf_release(&b);
}

START_TEST(test_json_add_value_is_dumps)
{
	static const char *const texts[] = {
		"{}", "[]", "\"\"", "null", "true", "false", "0", "-0", "-0.0",
		"123456789012345678", "-9223372036854775808", "1.5e300",
		"[1e-7,0.1,2.5,1e20,-3.25e-5,100.0,0.30000000000000004]",
		"{\"a\":{\"b\":[1,2.5,\"x\",null,true,{}]},\"c\":[[],{}]}",
		"\"tab\\there\\nnew\\r\\b\\f\\u0001\\u001f\\u007f\\\"q\\\\ /\"",
		"{\"\\u00e9t\\u00e9\":\"\\ud83d\\ude00 caf\\u00e9 \\u2028\"}",
		"{\"dup\":1,\"other\":2,\"dup\":3}",
		"{\"k\\n\\u0002\":\"v\"}",
	};
	unsigned seed = 23;

	for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
		json_t *v = json_loads(texts[i], JSON_DECODE_ANY, NULL);

		ck_assert_msg(v, "%s", texts[i]);
		assert_add_value_is_dumps(v);
		json_decref(v);
	}
	/* random strings of every byte below 0x80, and random reals */
	for (int i = 0; i < 2000; i++) {
		char s[16];
		json_t *v;

		for (size_t k = 0; k + 1 < sizeof(s); k++)
			s[k] = (char)(1 + rand_r(&seed) % 127);
		s[sizeof(s) - 1] = '\0';
		v = json_pack("{s:s,s:f,s:I}", s, s, "r",
			      (double)rand_r(&seed) / (rand_r(&seed) + 1) *
			      (i % 2 ? 1e-9 : 1e9), "i",
			      (json_int_t)rand_r(&seed) * (i % 3 ? 1 : -1));
		assert_add_value_is_dumps(v);
		json_decref(v);
	}
}
END_TEST

START_TEST(test_json_write_file_roundtrip)
{
	struct rv_err err = RV_ERR_INIT;
	char *dir = tu_tmpdir();
	char *path = rv_xasprintf("%s/r.json", dir);
	json_t *v = json_pack("{s:i,s:s}", "a", 1, "b", "two");
	json_t *back;

	ck_assert_int_eq(rv_json_write_file(path, v, &err), RV_OK);
	back = rv_json_load_file(path, &err);
	ck_assert_ptr_nonnull(back);
	ck_assert(json_equal(v, back));
	json_decref(back);
	json_decref(v);
	ck_assert_ptr_null(rv_json_load_file("/nonexistent/x.json", &err));
	ck_assert_int_eq(err.code, RV_ERR_IO);
	ck_assert(strstr(err.msg, "'/nonexistent/x.json'"));
	free(path);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

/* A one-shot HTTP server on 127.0.0.1 answering with a canned response. */
struct canned {
	int listen_fd;
	const char *response;
	char request[4096];
};

static void *canned_serve(void *arg)
{
	struct canned *c = arg;
	int fd = accept(c->listen_fd, NULL, NULL);
	size_t n = 0;

	if (fd < 0)
		return NULL;
	/* read until the end of the headers (and a small body, if any) */
	while (n < sizeof(c->request) - 1) {
		ssize_t r = read(fd, c->request + n, sizeof(c->request) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		c->request[n] = '\0';
		char *end = strstr(c->request, "\r\n\r\n");
		if (end) {
			char *cl = strcasestr(c->request, "content-length:");
			size_t want = cl ? (size_t)atoi(cl + 15) : 0;
			if (n >= (size_t)(end + 4 - c->request) + want)
				break;
		}
	}
	if (write(fd, c->response, strlen(c->response)) < 0)
		n = 0;
	close(fd);
	return NULL;
}

static int canned_start(struct canned *c, pthread_t *th)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(c->listen_fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(c->listen_fd, 4), 0);
	getsockname(c->listen_fd, (struct sockaddr *)&a, &len);
	pthread_create(th, NULL, canned_serve, c);
	return ntohs(a.sin_port);
}

START_TEST(test_http_post_and_headers)
{
	struct canned c = { .response = "HTTP/1.1 429 Too Many Requests\r\n"
		"Content-Type: application/json\r\n"
		"Retry-After-sandbox-create: 3\r\n"
		"Retry-After: 1\r\n"
		"Content-Length: 11\r\nConnection: close\r\n\r\n{\"ok\":false}" };
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct rv_err err = RV_ERR_INIT;
	const char *hdrs[] = { "X-API-Key: k123456", "Content-Type: application/json", NULL };
	pthread_t th;
	int port = canned_start(&c, &th);
	char *url = rv_xasprintf("http://127.0.0.1:%d/rollout", port);
	struct rv_http_request req = {
		.url = url, .headers = hdrs, .body = "{\"a\":1}", .body_len = 7,
		.timeout_ms = 5000,
	};
	char *ct;

	ck_assert_int_eq(rv_http_do(&req, &resp, &err), RV_OK);
	pthread_join(th, NULL);
	close(c.listen_fd);
	ck_assert_int_eq(resp.status, 429);
	/* the canned body is one byte longer than its Content-Length */
	ck_assert_str_eq(resp.body.data, "{\"ok\":false");
	ct = rv_http_header(&resp, "content-type");
	ck_assert_str_eq(ct, "application/json");
	free(ct);
	ck_assert_int_eq(rv_http_retry_after_ms(&resp), 3000);
	ck_assert(rv_http_is_transient(RV_OK, resp.status));
	ck_assert(strstr(c.request, "POST /rollout HTTP/1.1"));
	ck_assert(strstr(c.request, "X-API-Key: k123456"));
	ck_assert(strstr(c.request, "{\"a\":1}"));
	ck_assert(resp.elapsed_ns > 0);
	rv_http_response_release(&resp);
	free(url);
}
END_TEST

/* Answers every request on a connection, keep-alive; counts both. */
struct ka_stub {
	unsigned conns, reqs;
};

static void ka_serve(int fd, void *arg)
{
	struct ka_stub *k = arg;
	struct rv_buf req = RV_BUF_INIT;
	size_t at;
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
		"\r\nok";

	k->conns++;
	while (stub_http_read(fd, &req, &at)) {
		k->reqs++;
		if (!stub_http_send(fd, ok, sizeof(ok) - 1))
			break;
		rv_buf_reset(&req);
	}
	rv_buf_release(&req);
}

/*
 * Requests that name a pool reuse its kept-alive connection, also from
 * another thread (one at a time here: the stub serves one connection at
 * a time); without a pool each opens its own.  rv_http_counts() tells.
 */
START_TEST(test_http_pool_reuses_connections)
{
	struct ka_stub k = { 0 };
	struct stub_http h = { .serve = ka_serve, .arg = &k };
	struct rv_http_pool *pool = rv_http_pool_new();
	struct rv_http_counts c0, c1;
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", stub_http_start(&h));
	rv_http_counts(&c0);
	for (int i = 0; i < 5; i++) {
		struct rv_http_request req = { .url = url, .pool = pool };
		struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
		struct rv_err err = RV_ERR_INIT;

		ck_assert_int_eq(rv_http_do(&req, &resp, &err), RV_OK);
		ck_assert_int_eq(resp.status, 200);
		rv_http_response_release(&resp);
	}
	rv_http_counts(&c1);
	ck_assert_uint_eq(c1.requests - c0.requests, 5);
	ck_assert_uint_eq(c1.connects - c0.connects, 1);
	rv_http_pool_free(pool);	/* closes it: the stub moves on */
	{
		struct rv_http_request req = { .url = url };
		struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;

		ck_assert_int_eq(rv_http_do(&req, &resp, NULL), RV_OK);
		rv_http_response_release(&resp);
	}
	rv_http_counts(&c0);
	ck_assert_uint_eq(c0.connects - c1.connects, 1);
	stub_http_stop(&h);
	ck_assert_uint_eq(k.conns, 2);
	ck_assert_uint_eq(k.reqs, 6);
}
END_TEST

START_TEST(test_http_refused_is_connect_error)
{
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct rv_err err = RV_ERR_INIT;
	int port = tu_free_port();
	char *url = rv_xasprintf("http://127.0.0.1:%d/health", port);
	struct rv_http_request req = { .url = url, .timeout_ms = 2000 };

	ck_assert_int_eq(rv_http_do(&req, &resp, &err), RV_ERR_CONNECT);
	ck_assert_int_eq(resp.status, 0);
	ck_assert(strstr(err.msg, "GET http://127.0.0.1:"));
	ck_assert(rv_http_is_transient(RV_ERR_CONNECT, 0));
	ck_assert(!rv_http_is_transient(RV_OK, 500));
	ck_assert(!rv_http_is_transient(RV_OK, 200));
	rv_http_response_release(&resp);
	free(url);
}
END_TEST

START_TEST(test_http_response_limit)
{
	struct canned c = { .response = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n"
		"Connection: close\r\n\r\n"
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"012345678901234567890123456789" };
	struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;
	struct rv_err err = RV_ERR_INIT;
	pthread_t th;
	int port = canned_start(&c, &th);
	char *url = rv_xasprintf("http://127.0.0.1:%d/", port);
	struct rv_http_request req = { .url = url, .max_response = 10,
		.timeout_ms = 5000 };

	ck_assert_int_eq(rv_http_do(&req, &resp, &err), RV_ERR_LIMIT);
	ck_assert(strstr(err.msg, "too large"));
	pthread_join(th, NULL);
	close(c.listen_fd);
	rv_http_response_release(&resp);
	free(url);
}
END_TEST

START_TEST(test_backoff_is_bounded)
{
	for (unsigned a = 0; a < 20; a++) {
		long ms = rv_backoff_ms(a, 10, 1000);
		long ceiling = 10L << (a < 7 ? a : 7);

		ck_assert(ms >= 0);
		ck_assert(ms <= (ceiling < 1000 ? ceiling : 1000));
	}
}
END_TEST

START_TEST(test_clock_monotonic_and_iso)
{
	uint64_t a = rv_now_ns(), b;
	char buf[32];

	rv_sleep_ns(2 * RV_NS_PER_MS, NULL);
	b = rv_now_ns();
	ck_assert(b - a >= 2 * RV_NS_PER_MS);
	rv_wall_iso8601(1700000000123ULL * RV_NS_PER_MS, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2023-11-14T22:13:20.123Z");
}
END_TEST

/* rv_dl: a real library's functions resolve; a missing one says what to do */
static double (*sym_cos)(double);
static double (*sym_no_such)(double);

START_TEST(test_dl_loads_and_explains)
{
	static const struct rv_dl_sym good[] = { { "cos", (void **)&sym_cos } };
	static const struct rv_dl_sym bad_sym[] = {
		{ "cos", (void **)&sym_cos },
		{ "rv_no_such_function", (void **)&sym_no_such },
	};
	struct rv_dl_lib libm = RV_DL_LIB("libm.so.6", "libc6", good);
	struct rv_dl_lib nolib = RV_DL_LIB("librv-missing.so.9",
					   "librv-missing9", good);
	struct rv_dl_lib nosym = RV_DL_LIB("libm.so.6", "libc6", bad_sym);
	struct rv_err err = RV_ERR_INIT;

	ck_assert_int_eq(rv_dl_load(&libm, "a test", &err), RV_OK);
	ck_assert(libm.loaded);
	ck_assert(sym_cos(0.0) == 1.0);
	ck_assert_int_eq(rv_dl_load(&libm, "a test", &err), RV_OK);

	ck_assert_int_eq(rv_dl_load(&nolib, "uploading", &err), RV_ERR_CONFIG);
	ck_assert(!nolib.loaded);
	ck_assert_msg(strstr(err.msg, "cannot load 'librv-missing.so.9', needed for uploading"),
		      "%s", err.msg);
	ck_assert_msg(strstr(err.msg, "install the Debian package 'librv-missing9'"),
		      "%s", err.msg);

	rv_err_clear(&err);
	ck_assert_int_eq(rv_dl_load(&nosym, "a test", &err), RV_ERR_CONFIG);
	ck_assert(!nosym.loaded);
	ck_assert_msg(strstr(err.msg, "rv_no_such_function"), "%s", err.msg);
}
END_TEST

/* rv_strtod: decimal text only (no hexadecimal, inf, nan or blanks) */
START_TEST(test_strtod_is_decimal_only)
{
	static const struct {
		const char *text;
		double v;
		size_t used;	/* bytes converted; 0: none */
	} cases[] = {
		{ "1.5", 1.5, 3 }, { "-2", -2, 2 }, { "+.5", 0.5, 3 },
		{ "5.", 5, 2 }, { "1e3ms", 1000, 3 }, { "0", 0, 1 },
		{ "0.5x", 0.5, 3 }, { "0x10", 0, 0 }, { "-0X1p3", 0, 0 },
		{ "inf", 0, 0 }, { "-nan", 0, 0 }, { " 5", 0, 0 },
		{ "", 0, 0 }, { ".", 0, 0 }, { "+", 0, 0 }, { "e5", 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *end;
		double v = rv_strtod(cases[i].text, &end);

		ck_assert_msg(v == cases[i].v, "'%s' read as %g",
			      cases[i].text, v);
		ck_assert_msg((size_t)(end - cases[i].text) == cases[i].used,
			      "'%s': %zu bytes used", cases[i].text,
			      (size_t)(end - cases[i].text));
	}
}
END_TEST

START_TEST(test_random_fills_every_byte)
{
	unsigned char a[64], b[64], zero[64] = { 0 };

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	rv_random(a, sizeof(a));
	rv_random(b, sizeof(b));
	rv_random(NULL, 0);
	/* 2^-512 odds of a false failure each */
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
	ck_assert(memcmp(a, zero, sizeof(a)) != 0);
	ck_assert(memcmp(a + 56, zero, 8) != 0 || memcmp(b + 56, zero, 8) != 0);
}
END_TEST

/* rv_write_all: files and pipes whole; a closed socket peer is EPIPE */
START_TEST(test_write_all_pipe_and_closed_socket)
{
	int p[2], sv[2];
	char buf[8] = { 0 };

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(rv_write_all(p[1], "abcdef", 6), 0);
	ck_assert_int_eq(read(p[0], buf, sizeof(buf)), 6);
	ck_assert_str_eq(buf, "abcdef");
	close(p[0]);
	close(p[1]);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	errno = 0;
	ck_assert_int_eq(rv_write_all(sv[0], "x", 1), -1);	/* no SIGPIPE */
	ck_assert_int_eq(errno, EPIPE);
	close(sv[0]);
}
END_TEST

/* rv_read_tail: the last max bytes, the size back; a missing file is -1 */
/*
 * rv_read_fd: all of a file or pipe, up to a limit that is an error, not
 * an allocation without end; rv_json_load_file refuses a FIFO at once
 * (a planted one made `runeval ls` wait forever) and what is too large.
 */
START_TEST(test_read_fd_bounded_and_fifo_refused)
{
	char *dir = tu_tmpdir();
	char *file = rv_xasprintf("%s/f.json", dir);
	char *fifo = rv_xasprintf("%s/p.json", dir);
	struct rv_buf b = RV_BUF_INIT;
	struct rv_err e = RV_ERR_INIT;
	char chunk[4096];
	int fd, p[2];
	json_t *v;

	tu_write_file(file, "{\"a\": [1, 2, 3]}");
	fd = open(file, O_RDONLY);
	ck_assert_int_eq(rv_read_fd(fd, file, 1024, &b, &e), RV_OK);
	ck_assert_str_eq(b.data, "{\"a\": [1, 2, 3]}");
	rv_buf_reset(&b);
	lseek(fd, 0, SEEK_SET);
	ck_assert_int_eq(rv_read_fd(fd, file, 8, &b, &e), RV_ERR_LIMIT);
	ck_assert_msg(strstr(e.msg, "is larger than"), "%s", e.msg);
	close(fd);
	/* a pipe that writes more than the limit */
	ck_assert_int_eq(pipe(p), 0);
	memset(chunk, 'x', sizeof(chunk));
	ck_assert_int_eq(write(p[1], chunk, sizeof(chunk)), sizeof(chunk));
	close(p[1]);
	rv_buf_reset(&b);
	e = (struct rv_err)RV_ERR_INIT;
	ck_assert_int_eq(rv_read_fd(p[0], "pipe", 1000, &b, &e),
			 RV_ERR_LIMIT);
	/* its buffer never grew past the limit (a doubling would have
	   reached 2 GiB for 1 GiB) */
	ck_assert_uint_le(b.cap, 1002);
	close(p[0]);
	/* a FIFO with no writer: refused, not waited on */
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	e = (struct rv_err)RV_ERR_INIT;
	ck_assert_ptr_null(rv_json_load_file(fifo, &e));
	ck_assert_msg(strstr(e.msg, "not a regular file"), "%s", e.msg);
	v = rv_json_load_file(file, &e);
	ck_assert_int_eq(json_array_size(json_object_get(v, "a")), 3);
	json_decref(v);
	rv_buf_release(&b);
	free(fifo);
	free(file);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

START_TEST(test_read_tail_keeps_the_end)
{
	struct rv_buf b = RV_BUF_INIT;
	char *dir = tu_tmpdir();
	char *path = rv_xasprintf("%s/log", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	ck_assert_int_eq(rv_write_all(fd, "0123456789", 10), 0);
	close(fd);
	ck_assert_int_eq(rv_read_tail(path, 4, &b), 10);
	ck_assert_str_eq(b.data, "6789");
	rv_buf_reset(&b);
	ck_assert_int_eq(rv_read_tail(path, 100, &b), 10);
	ck_assert_str_eq(b.data, "0123456789");
	rv_buf_reset(&b);
	errno = 0;
	ck_assert_int_eq(rv_read_tail("/nonexistent/log", 4, &b), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_uint_eq(b.len, 0);
	rv_buf_release(&b);
	free(path);
	tu_rmrf(dir);
	free(dir);
}
END_TEST

static Suite *core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_err_fill_and_prefix);
	tcase_add_test(tc, test_err_truncates_long_messages);
	tcase_add_test(tc, test_buf_grows_and_detaches);
	tcase_add_test(tc, test_buf_shell_word_and_hex);
	tcase_add_test(tc, test_buf_base64);
	tcase_add_test(tc, test_redact_replaces_every_secret);
	tcase_add_test(tc, test_log_never_prints_a_secret);
	tcase_add_test(tc, test_json_paths_and_errors);
	tcase_add_test(tc, test_json_write_file_roundtrip);
	tcase_add_test(tc, test_json_add_num_is_janssons);
	tcase_add_test(tc, test_json_add_value_is_dumps);
	tcase_add_test(tc, test_buf_add_int_is_printf);
	tcase_add_test(tc, test_buf_add_g_is_printf);
	tcase_add_test(tc, test_intern_one_copy_each);
	tcase_add_test(tc, test_slab_objects);
	tcase_add_test(tc, test_backoff_is_bounded);
	tcase_add_test(tc, test_clock_monotonic_and_iso);
	tcase_add_test(tc, test_dl_loads_and_explains);
	tcase_add_test(tc, test_write_all_pipe_and_closed_socket);
	tcase_add_test(tc, test_strtod_is_decimal_only);
	tcase_add_test(tc, test_random_fills_every_byte);
	tcase_add_test(tc, test_read_tail_keeps_the_end);
	tcase_add_test(tc, test_read_fd_bounded_and_fifo_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("http");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_http_post_and_headers);
	tcase_add_test(tc, test_http_refused_is_connect_error);
	tcase_add_test(tc, test_http_pool_reuses_connections);
	tcase_add_test(tc, test_http_response_limit);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(core_suite()) ? 1 : 0;
}
