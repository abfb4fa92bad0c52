/* Unit tests of daytona-lite's HTTP framing (lite_http). */
#include "testutil.h"

#include "lite_api.h"
#include "lite_creds.h"
#include "lite_http.h"
#include "rv_buf.h"

#include <stdlib.h>
#include <string.h>

START_TEST(test_lite_http_request_head)
{
	static const char req[] =
		"\r\nPOST /api/sandbox?x=1 HTTP/1.1\r\nHost: a:1\r\n"
		"X-Api-Key:  k \r\nConnection: keep-alive, Upgrade\r\n"
		"Content-Length: 4\r\n\r\nbody";
	struct lite_head h;
	size_t used = 0;

	ck_assert_int_eq(lite_head_parse_request(&h, req, sizeof(req) - 1,
						 &used), LITE_PARSE_OK);
	ck_assert_uint_eq(used, sizeof(req) - 1 - 4);
	ck_assert_str_eq(h.method, "POST");
	ck_assert_str_eq(h.target, "/api/sandbox?x=1");
	ck_assert_int_eq(h.minor, 1);
	ck_assert_str_eq(lite_head_get(&h, "x-api-key"), "k");
	ck_assert(lite_head_has_token(&h, "connection", "upgrade"));
	ck_assert(!lite_head_has_token(&h, "connection", "close"));
	ck_assert_ptr_null(lite_head_get(&h, "missing"));
	lite_head_release(&h);

	/* incomplete, then too big */
	ck_assert_int_eq(lite_head_parse_request(&h, "GET / HTTP/1.1\r\n", 16,
						 &used), LITE_PARSE_MORE);
	{
		static char big[LITE_HEAD_MAX + 10];

		memset(big, 'a', sizeof(big));
		memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
		ck_assert_int_eq(lite_head_parse_request(&h, big, sizeof(big),
							 &used),
				 LITE_PARSE_TOO_BIG);
	}
}
END_TEST

START_TEST(test_lite_http_rejects_bad_heads)
{
	static const char *const bad[] = {
		"GET /\r\n\r\n",			/* no version */
		"GET / HTTP/2.0\r\n\r\n",
		"GET x HTTP/1.1\r\n\r\n",		/* not origin-form */
		"GET / HTTP/1.1\r\nNo colon\r\n\r\n",
		"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
		"G(T / HTTP/1.1\r\n\r\n",
		"GET /a b HTTP/1.1\r\n\r\n",
	};
	struct lite_head h;
	size_t used;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(lite_head_parse_request(&h, bad[i], strlen(bad[i]),
						      &used) == LITE_PARSE_BAD,
			      "accepted: %s", bad[i]);
}
END_TEST

START_TEST(test_lite_http_response_framing)
{
	static const char resp[] = "HTTP/1.0 200 OK\r\nServer: x\r\n\r\nabc";
	struct lite_head h;
	struct lite_body b;
	size_t used;

	ck_assert_int_eq(lite_head_parse_response(&h, resp, sizeof(resp) - 1,
						  &used), LITE_PARSE_OK);
	ck_assert_int_eq(h.status, 200);
	ck_assert_int_eq(h.minor, 0);
	ck_assert_str_eq(h.reason, "OK");
	ck_assert_int_eq(lite_body_init_response(&b, &h, false), 0);
	ck_assert_int_eq(b.kind, LITE_BODY_EOF);
	ck_assert_int_eq(lite_body_feed(&b, "abc", 3, NULL), 3);
	ck_assert(!b.done);
	ck_assert_int_eq(lite_body_init_response(&b, &h, true), 0);
	ck_assert(b.done);	/* HEAD: no body */
	lite_head_release(&h);

	ck_assert_int_eq(lite_head_parse_response(&h, "HTTP/1.1 204\r\n\r\n",
						  16, &used), LITE_PARSE_OK);
	ck_assert_int_eq(lite_body_init_response(&b, &h, false), 0);
	ck_assert(b.done);
	lite_head_release(&h);
	ck_assert_int_eq(lite_head_parse_response(&h, "HTTP/1.1 20 x\r\n\r\n",
						  17, &used), LITE_PARSE_BAD);
}
END_TEST

static int lite_framing_of(const char *head)
{
	struct lite_head h;
	struct lite_body b;
	size_t used;
	int rc;

	ck_assert_int_eq(lite_head_parse_request(&h, head, strlen(head), &used),
			 LITE_PARSE_OK);
	rc = lite_body_init_request(&b, &h);
	lite_head_release(&h);
	return rc;
}

START_TEST(test_lite_http_framing_headers)
{
	ck_assert_int_eq(lite_framing_of("POST / HTTP/1.1\r\n"
					 "Content-Length: 5\r\n\r\n"), 0);
	/* both framings at once: a request smuggling vector */
	ck_assert_int_eq(lite_framing_of("POST / HTTP/1.1\r\nContent-Length: 5"
					 "\r\nTransfer-Encoding: chunked\r\n\r\n"),
			 -1);
	ck_assert_int_eq(lite_framing_of("POST / HTTP/1.1\r\nContent-Length: 5"
					 "\r\nContent-Length: 6\r\n\r\n"), -1);
	ck_assert_int_eq(lite_framing_of("POST / HTTP/1.1\r\n"
					 "Content-Length: -1\r\n\r\n"), -1);
	ck_assert_int_eq(lite_framing_of("POST / HTTP/1.1\r\n"
					 "Transfer-Encoding: gzip\r\n\r\n"), -2);
}
END_TEST

/* Chunked bodies decode the same however they are split. */
START_TEST(test_lite_http_chunked_any_split)
{
	static const char body[] = "5;ext=1\r\nhello\r\n7\r\n, world\r\n"
		"0\r\nTrailer: x\r\n\r\nNEXT";
	size_t len = sizeof(body) - 1 - 4;

	for (size_t cut = 0; cut <= len; cut++) {
		struct lite_body b = { .kind = LITE_BODY_CHUNKED };
		struct rv_buf out = RV_BUF_INIT;
		ssize_t a = lite_body_feed(&b, body, cut, &out);
		ssize_t rest;

		ck_assert_int_eq(a, (ssize_t)cut);
		rest = lite_body_feed(&b, body + cut, sizeof(body) - 1 - cut,
				      &out);
		ck_assert_int_eq((size_t)a + (size_t)rest, len);
		ck_assert(b.done);
		ck_assert_str_eq(out.data, "hello, world");
		rv_buf_release(&out);
	}
}
END_TEST

START_TEST(test_lite_http_chunked_errors)
{
	static const char *const bad[] = {
		"x\r\n", "5\r\nhelloXX", "\r\n",
		"fffffffffffffffffff\r\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct lite_body b = { .kind = LITE_BODY_CHUNKED };

		ck_assert_msg(lite_body_feed(&b, bad[i], strlen(bad[i]),
					     NULL) < 0, "accepted: %s", bad[i]);
	}
}
END_TEST

START_TEST(test_lite_http_length_body_stops_at_end)
{
	struct lite_body b = { .kind = LITE_BODY_LENGTH, .left = 3 };

	ck_assert_int_eq(lite_body_feed(&b, "ab", 2, NULL), 2);
	ck_assert(!b.done);
	ck_assert_int_eq(lite_body_feed(&b, "cGET", 4, NULL), 1);
	ck_assert(b.done);
	ck_assert_int_eq(lite_body_feed(&b, "GET", 3, NULL), 0);
}
END_TEST

/* Authorization: one scheme, one space, one token; nothing else. */
START_TEST(test_lite_creds_bearer_strict)
{
	static const char *const bad[] = {
		"Bearer  key-0123", "Bearer key-0123 extra", "Bearer\tkey-0123",
		"Bearer key-0123\t", "Bearer", "Bearer ", "Basic key-0123",
		"Bearerkey-0123", " Bearer key-0123", "Bearer key\x7f",
		"Bearer k\xc3\xa9y",
	};
	size_t n = 0;
	const char *t = lite_bearer_token("bEaReR key-0123", &n);

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(n, 8);
	ck_assert(!strncmp(t, "key-0123", n));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!lite_bearer_token(bad[i], &n), "accepted '%s'",
			      bad[i]);
	ck_assert_ptr_null(lite_bearer_token(NULL, &n));
}
END_TEST

/* What the relay takes out of a request: cookies, query parameters. */
START_TEST(test_lite_creds_scrub)
{
	size_t n = 0;
	const char *v;
	char *s;

	v = lite_cookie_get("a=1; daytona-sandbox-auth-x=tok ;b=2", "daytona-"
			    "sandbox-auth-x", &n);
	ck_assert_ptr_nonnull(v);
	ck_assert_uint_eq(n, 3);
	ck_assert_ptr_null(lite_cookie_get("xdaytona-sandbox-auth-x=tok",
					   "daytona-sandbox-auth-x", &n));
	s = lite_cookie_without("a=1; daytona-sandbox-auth-x=tok ;b=2;"
				"Daytona-Sandbox-Auth-y=2", LITE_TOKEN_COOKIE);
	ck_assert_str_eq(s, "a=1; b=2");
	free(s);
	ck_assert_ptr_null(lite_cookie_without("daytona-sandbox-auth-x=t",
					       LITE_TOKEN_COOKIE));

	s = lite_target_without_param("/p?x=1&DAYTONA_SANDBOX_AUTH_KEY=t&"
				      "daytona%5Fsandbox_auth_key=t&y=2&"
				      "DAYTONA_SANDBOX_AUTH_KEY",
				      LITE_TOKEN_PARAM);
	ck_assert_str_eq(s, "/p?x=1&y=2");
	free(s);
	s = lite_target_without_param("/p?DAYTONA_SANDBOX_AUTH_KEY=t",
				      LITE_TOKEN_PARAM);
	ck_assert_str_eq(s, "/p");
	free(s);
	s = lite_target_without_param("/p?a&&b=", LITE_TOKEN_PARAM);
	ck_assert_str_eq(s, "/p?a&&b=");
	free(s);
	ck_assert(lite_has_secret("Bearer  key-0123", "key-0123"));
	ck_assert(!lite_has_secret("k", "k"));	/* too short to seek */
}
END_TEST

static Suite *lite_http_suite(void)
{
	Suite *s = suite_create("lite_http");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_lite_http_request_head);
	tcase_add_test(tc, test_lite_http_response_framing);
	tcase_add_test(tc, test_lite_http_length_body_stops_at_end);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_lite_http_rejects_bad_heads);
	tcase_add_test(tc, test_lite_http_framing_headers);
	tcase_add_test(tc, test_lite_http_chunked_errors);
	tcase_add_test(tc, test_lite_creds_bearer_strict);
	tcase_add_test(tc, test_lite_creds_scrub);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_lite_http_chunked_any_split);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(lite_http_suite()) ? 1 : 0;
}
