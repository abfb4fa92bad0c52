/*
 * Unit tests of the offline servers' configuration, fault generator,
 * sandbox host names and query strings.
 */
#include "testutil.h"

#include "lite.h"
#include "lite_api.h"
#include "lite_conf.h"
#include "lite_srv.h"
#include "lite_tls.h"

#include <stdlib.h>
#include <string.h>

static enum rv_code parse(struct lite_conf *c, const char *const *args,
			  struct rv_err *err)
{
	char *argv[32] = { "daytona-lite" };
	enum lite_conf_info info;
	int n = 1;

	for (; *args; args++)
		argv[n++] = (char *)*args;
	return lite_conf_parse(c, &lite_daytona_spec, n, argv, &info, err);
}

START_TEST(test_lite_conf_flags_and_env)
{
	static const char *const args[] = {
		"--listen", "[::1]:0", "--fault-latency-ms", "10-20",
		"--sandbox-uid", "1234:567", "--max-body", "10", NULL,
	};
	struct rv_err err = RV_ERR_INIT;
	struct lite_conf c;

	setenv("DAYTONA_LITE_FAULT_429_RATE", "0.25", 1);
	setenv("DAYTONA_LITE_API_KEY", "from-env", 1);
	setenv("DAYTONA_LITE_MAX_BODY", "99", 1);
	ck_assert_int_eq(parse(&c, args, &err), RV_OK);
	ck_assert_str_eq(c.host, "::1");
	ck_assert_int_eq(c.port, 0);
	ck_assert_int_eq(c.faults.latency_min_ms, 10);
	ck_assert_int_eq(c.faults.latency_max_ms, 20);
	ck_assert_int_eq(c.sandbox_uid, 1234);
	ck_assert_int_eq(c.sandbox_gid, 567);
	ck_assert(c.faults.create_429_rate == 0.25);
	ck_assert_str_eq(c.api_key, "from-env");
	ck_assert_uint_eq(c.max_body, 10);	/* the flag wins */
	lite_conf_release(&c);
	unsetenv("DAYTONA_LITE_FAULT_429_RATE");
	unsetenv("DAYTONA_LITE_API_KEY");
	unsetenv("DAYTONA_LITE_MAX_BODY");
}
END_TEST

START_TEST(test_lite_conf_rejects_bad_values)
{
	static const char *const bad[][3] = {
		{ "--fault-5xx-rate", "1.5", NULL },
		{ "--listen", "nowhere", NULL },
		{ "--listen", "127.0.0.1:70000", NULL },
		{ "--fault-latency-ms", "20-10", NULL },
		{ "--sandbox-uid", "0", NULL },
		{ "--interval-unit-ms", "0", NULL },
		{ "--seed", "x", NULL },
		{ "--domain", "a/b", NULL },
		{ "--nope", NULL, NULL },
		{ "--api-key", "", NULL },	/* no client could send it */
		{ "--api-key", "two words", NULL },
	};
	struct rv_err err = RV_ERR_INIT;
	struct lite_conf c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(parse(&c, bad[i], &err) == RV_ERR_USAGE,
			      "accepted %s %s", bad[i][0], bad[i][1]);
		ck_assert(strstr(err.msg, bad[i][0]) ||
			  strstr(err.msg, "interval"));
		lite_conf_release(&c);
	}
}
END_TEST

/* The same seed makes the same decisions. */
START_TEST(test_lite_fault_seed_repeats)
{
	struct lite_faults a = { .seed = 42, .rng = 42 };
	struct lite_faults b = { .seed = 42, .rng = 42 };
	int hits = 0;

	for (int i = 0; i < 1000; i++) {
		bool x = lite_fault_hit(&a, 0.3);

		ck_assert_int_eq(x, lite_fault_hit(&b, 0.3));
		hits += x;
	}
	ck_assert_int_gt(hits, 200);	/* about 300 */
	ck_assert_int_lt(hits, 400);
	ck_assert(!lite_fault_hit(&a, 0.0));
	a.latency_min_ms = 5;
	a.latency_max_ms = 9;
	for (int i = 0; i < 100; i++) {
		long ms = lite_fault_latency_ms(&a);

		ck_assert(ms >= 5 && ms <= 9);
	}
}
END_TEST

static bool host(const char *h, const char *domain, int *port, char *id)
{
	return lite_preview_host(h, domain, port, id, 64);
}

START_TEST(test_lite_preview_hosts)
{
	char id[64];
	int port = 0;

	ck_assert(host("8000-ab-12.localhost:3986", "localhost", &port, id));
	ck_assert_int_eq(port, 8000);
	ck_assert_str_eq(id, "ab-12");
	ck_assert(host("1-X.LOCALHOST", "localhost", &port, id));
	ck_assert_str_eq(id, "x");
	ck_assert(!host("127.0.0.1:3986", "localhost", &port, id));
	ck_assert(!host("localhost", "localhost", &port, id));
	ck_assert(!host("0-x.localhost", "localhost", &port, id));
	ck_assert(!host("70000-x.localhost", "localhost", &port, id));
	ck_assert(!host("80-a.b.localhost", "localhost", &port, id));
	ck_assert(!host("80-.localhost", "localhost", &port, id));
	/* another domain: only hosts right below it */
	ck_assert(host("49983-i1.sb.e2b.test:80", "sb.e2b.test", &port, id));
	ck_assert_int_eq(port, 49983);
	ck_assert_str_eq(id, "i1");
	ck_assert(!host("49983-i1.localhost", "sb.e2b.test", &port, id));
	ck_assert(!host("49983-i1.xsb.e2b.test", "sb.e2b.test", &port, id));
	ck_assert(!host("sb.e2b.test", "sb.e2b.test", &port, id));
}
END_TEST

/*
 * A server's sandbox hosts: its domain; with a default domain both
 * default forms (plain and TLS), which is also what --tls-cert picks.
 */
START_TEST(test_lite_sandbox_hosts)
{
	static const char *const tls[] = { "--tls-cert", "c.pem", NULL };
	struct lite_conf c = { .domain = (char *)"localhost" };
	struct lite l = { .conf = &c };
	char id[64];
	int port = 0;

	ck_assert(lite_sandbox_host(&l, "80-a.localhost:1", &port, id, 64));
	ck_assert(lite_sandbox_host(&l, "80-b.preview.localhost", &port, id,
				    64));
	ck_assert_str_eq(id, "b");
	c.domain = (char *)LITE_TLS_PREVIEW_DOMAIN;
	ck_assert(lite_sandbox_host(&l, "80-a.localhost:1", &port, id, 64));
	ck_assert(lite_sandbox_host(&l, "80-b.preview.localhost", &port, id,
				    64));
	c.domain = (char *)"sb.e2b.test";
	ck_assert(lite_sandbox_host(&l, "80-a.sb.e2b.test", &port, id, 64));
	ck_assert(!lite_sandbox_host(&l, "80-a.localhost", &port, id, 64));
	ck_assert(!lite_sandbox_host(&l, "80-a.preview.localhost", &port, id,
				     64));
	/* the defaults as parsed: localhost, or under TLS one level deeper
	   (the check of the certificate fails later, after the domain) */
	{
		struct rv_err err = RV_ERR_INIT;
		struct lite_conf p;

		ck_assert_int_eq(parse(&p, (const char *[]){ NULL }, &err),
				 RV_OK);
		ck_assert_str_eq(p.domain, "localhost");
		lite_conf_release(&p);
		ck_assert_int_eq(parse(&p, tls, &err), RV_ERR_USAGE);
		ck_assert_str_eq(p.domain, LITE_TLS_PREVIEW_DOMAIN);
		lite_conf_release(&p);
	}
}
END_TEST

START_TEST(test_lite_query_strings)
{
	char *v;

	v = lite_query_get("limit=5&labels=%7B%22a%22%3A%22b+c%22%7D",
			   "labels");
	ck_assert_str_eq(v, "{\"a\":\"b c\"}");
	free(v);
	v = lite_query_get("xlimit=1&limit=7", "limit");
	ck_assert_str_eq(v, "7");
	free(v);
	ck_assert_ptr_null(lite_query_get("a=1", "b"));
	v = lite_query_get("flag&b=2", "flag");
	ck_assert_str_eq(v, "");
	free(v);
	v = lite_pct_decode("%2x%41+", 7, false);
	ck_assert_str_eq(v, "%2xA+");
	free(v);
}
END_TEST

static Suite *lite_conf_suite(void)
{
	Suite *s = suite_create("lite_conf");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_lite_conf_flags_and_env);
	tcase_add_test(tc, test_lite_fault_seed_repeats);
	tcase_add_test(tc, test_lite_preview_hosts);
	tcase_add_test(tc, test_lite_sandbox_hosts);
	tcase_add_test(tc, test_lite_query_strings);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_test(tc, test_lite_conf_rejects_bad_values);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(lite_conf_suite()) ? 1 : 0;
}
