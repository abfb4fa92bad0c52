/*
 * The task app against connection floods (issue 10): idle and slow
 * connections must not keep a request from being served.  The real
 * build/taskapp on 127.0.0.1.
 */
#include "testutil.h"

#include "flood.h"
#include "rv_clock.h"
#include "taskapp_harness.h"

#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define KEY_HDR "X-API-Key: " TH_KEY "\r\n"

/*
 * Issue 10: the task app stopped answering under idle connections once
 * they reached its descriptor limit.  Started with the common soft limit
 * of 1024 descriptors, it now serves requests at once while 1,100 idle
 * connections are open, and right after they close.
 */
START_TEST(test_taskapp_idle_flood)
{
	struct rlimit saved, low;
	struct th_app app;
	struct flood f;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	if (low.rlim_cur > 1024)
		low.rlim_cur = 1024;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	th_start(&app, NULL, NULL);		/* inherits 1024 */
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &saved), 0);

	flood_open(&f, app.port, 1100);
	ck_assert_msg(f.n >= 1100, "only %zu connections opened", f.n);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(flood_get(app.port, "/", "", 3000), 200);
		ck_assert_int_eq(flood_get(app.port, "/health", KEY_HDR, 3000),
				 200);
	}
	flood_close(&f);
	ck_assert_int_eq(flood_get(app.port, "/health", KEY_HDR, 3000), 200);
	th_stop(&app);
}
END_TEST

/* At --max-connections, new connections displace the idle ones. */
START_TEST(test_taskapp_connection_bound)
{
	char *const args[] = { "--max-connections", "64", NULL };
	struct th_app app;
	struct flood f;

	th_start(&app, NULL, args);
	flood_open(&f, app.port, 300);
	ck_assert_int_eq(flood_get(app.port, "/health", KEY_HDR, 3000), 200);
	/* all but the newest 64 or so were shed */
	ck_assert_uint_ge(flood_closed(&f, 5000), 300 - 64 - 1);
	flood_close(&f);
	th_stop(&app);
}
END_TEST

/* --head-timeout: idle and trickling heads are closed when it is up. */
START_TEST(test_taskapp_slow_heads_dropped)
{
	char *const args[] = { "--head-timeout", "2", NULL };
	struct th_app app;
	struct flood idle, slow;
	uint64_t t0;
	size_t closed = 0;

	th_start(&app, NULL, args);
	flood_open(&idle, app.port, 30);
	flood_open(&slow, app.port, 30);
	t0 = rv_now_ns();
	flood_send(&slow, "GET /health HTTP/1.1\r\nX-Slow: ");
	while (rv_now_ns() - t0 < 20 * RV_NS_PER_SEC) {
		flood_send(&slow, "a");
		ck_assert_int_eq(flood_get(app.port, "/", "", 3000), 200);
		closed = flood_closed(&idle, 0) + flood_closed(&slow, 0);
		if (closed == idle.n + slow.n)
			break;
		usleep(300000);
	}
	ck_assert_msg(closed == idle.n + slow.n, "%zu of %zu still open",
		      idle.n + slow.n - closed, idle.n + slow.n);
	ck_assert_msg(rv_now_ns() - t0 >= 15 * RV_NS_PER_SEC / 10,
		      "closed before their 2 s were up");
	flood_close(&idle);
	flood_close(&slow);
	th_stop(&app);
}
END_TEST

static Suite *taskapp_flood_suite(void)
{
	Suite *s = suite_create("taskapp_flood");
	TCase *tc = tcase_create("floods");

	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_taskapp_idle_flood);
	tcase_add_test(tc, test_taskapp_connection_bound);
	tcase_add_test(tc, test_taskapp_slow_heads_dropped);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(taskapp_flood_suite()) ? 1 : 0;
}
