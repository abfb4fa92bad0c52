/*
 * check_health: the shared health wait's pace.  Through a remote
 * preview it backs off (a dozen probes while an app takes 300 ms to come
 * up, over one keep-alive connection); on this host it keeps its
 * millisecond probes.
 */
#include "health.h"
#include "mode.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_http.h"
#include "stub_http.h"
#include "testutil.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Answers 502 until ready_ms after its first request, then 200. */
struct slow_app {
	long ready_ms;
	bool close_each;	/* one request per connection: the stub serves
				   one connection at a time, and local mode's
				   connect probes must not fill its backlog */
	uint64_t first_ns;
	unsigned requests, connections;
};

static void slow_serve(int fd, void *arg)
{
	struct slow_app *a = arg;
	struct rv_buf req = RV_BUF_INIT;
	size_t body_at;

	a->connections++;
	while (stub_http_read(fd, &req, &body_at)) {
		uint64_t now = rv_now_ns();
		bool ready;
		const char *r;

		if (!a->first_ns)
			a->first_ns = now;
		a->requests++;
		ready = now - a->first_ns >=
			(uint64_t)a->ready_ms * RV_NS_PER_MS;
		r = ready ? "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}" :
			"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n";
		if (!stub_http_send(fd, r, strlen(r)) || a->close_each)
			break;
		rv_buf_reset(&req);
	}
	rv_buf_release(&req);
}

/* Wait for the stub through http://host:port; returns the attempts. */
static unsigned wait_through(const char *host, struct slow_app *a)
{
	struct stub_http h = { .serve = slow_serve, .arg = a };
	struct health_wait hw = { .timeout_ms = 20000, .wake_fd = -1 };
	struct mode_app app = { 0 };
	struct rv_err err = RV_ERR_INIT;
	int port = stub_http_start(&h);
	enum rv_code rc;

	app.preview.url = rv_xasprintf("http://%s:%d", host, port);
	rc = health_wait(&app, &hw, &err);
	ck_assert_msg(rc == RV_OK, "health: %s", err.msg);
	ck_assert_uint_eq(app.attempts, hw.attempts);
	free(app.preview.url);
	health_wait_release(&hw);
	stub_http_stop(&h);
	return hw.attempts;
}

START_TEST(test_health_remote_preview_backs_off)
{
	struct slow_app a = { .ready_ms = 300 };
	unsigned n = wait_through("localhost", &a);

	/* half the time waited, from 5 ms: about 11 probes in 300 ms (the
	   old pace, 1 ms + 2%, made 73); none is wasted on a new
	   connection */
	ck_assert_uint_ge(n, 2);
	ck_assert_uint_le(n, 16);
	ck_assert_uint_eq(a.requests, n);
	ck_assert_uint_eq(a.connections, 1);
}
END_TEST

START_TEST(test_health_local_keeps_millisecond_probes)
{
	struct slow_app a = { .ready_ms = 100, .close_each = true };
	unsigned n = wait_through("127.0.0.1", &a);

	/* 1 ms + 2% of the time waited: dozens of looks in 100 ms (a
	   loaded machine makes fewer, but never as few as a remote one;
	   under valgrind every request is slow, so only the bound holds) */
	ck_assert_uint_ge(n, getenv("RUNEVAL_VALGRIND") ? 2 : 20);
}
END_TEST

static Suite *health_suite(void)
{
	Suite *s = suite_create("health");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_health_remote_preview_backs_off);
	tcase_add_test(tc, test_health_local_keeps_millisecond_probes);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(health_suite()) ? 1 : 0;
}
