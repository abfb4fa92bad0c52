/*
 * daytona-lite's network controls: a sandbox reaches nothing, unless its
 * create request allow-lists addresses (networkAllowList, and no
 * networkBlockAll); then exactly those, through slirp4netns, where
 * 10.0.2.2 is this host's loopback.  Every server here runs with
 * --network-host-only, so that even a broken rule could not send a
 * packet off this machine; the only address a sandbox is let through to
 * is 10.0.2.2, that is a listener of this test on 127.0.0.1.
 */
#include "testutil.h"
#include "lite_util.h"

#include "lite_net.h"
#include "rv_alloc.h"
#include "rv_json.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A listener on 127.0.0.1 that greets and counts who connects. */
struct greeter {
	int fd, port;
	volatile int accepted;
	pthread_t thread;
};

static void *greeter_run(void *arg)
{
	struct greeter *g = arg;

	for (;;) {
		int c = accept(g->fd, NULL, NULL);
		ssize_t w;

		if (c < 0)
			return NULL;

		g->accepted++;
		w = write(c, "hello from the host\n", 20);
		(void)w;
		close(c);
	}
}

static void greeter_start(struct greeter *g)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);

	memset(g, 0, sizeof(*g));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	g->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert(g->fd >= 0);
	ck_assert(bind(g->fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	ck_assert(listen(g->fd, 16) == 0);
	getsockname(g->fd, (struct sockaddr *)&a, &len);
	g->port = ntohs(a.sin_port);
	ck_assert(pthread_create(&g->thread, NULL, greeter_run, g) == 0);
}

static void greeter_stop(struct greeter *g)
{
	shutdown(g->fd, SHUT_RDWR);	/* accept() fails: the thread ends */
	pthread_join(g->thread, NULL);
	close(g->fd);
}

static void net_setup(void)
{
	tl_start(&tl_srv, (const char *const[]){ "--network-host-only",
						 NULL });
}

static void net_teardown(void)
{
	tl_free(&tl_srv);
}

/* Connect from inside sandbox id to addr:port; what it read, or why not. */
static char *sandbox_connect(const char *id, const char *addr, int port)
{
	char *cmd = rv_xasprintf("bash -c 'exec 3<>/dev/tcp/%s/%d && head -1 "
				 "<&3' 2>&1", addr, port);
	char *out = tl_exec(&tl_srv, id, cmd, NULL);

	free(cmd);
	return out;
}

/* Connecting from sandbox id to addr:port ends with want in the text. */
static void assert_connect(const char *id, const char *addr, int port,
			   const char *want)
{
	char *out = sandbox_connect(id, addr, port);

	ck_assert_msg(strstr(out, want), "%s:%d from %s: %s", addr, port, id,
		      out);
	free(out);
}

/* The sandbox's create body with its network fields, created. */
static char *create_net(const char *fields, json_t **dto)
{
	char *body = rv_xasprintf("{%s}", fields);
	char *id = tl_create(&tl_srv, body), *path;

	path = rv_xasprintf("/sandbox/%s", id);
	ck_assert_int_eq(tl_api(&tl_srv, "GET", path, NULL, dto), 200);
	free(path);
	free(body);
	return id;
}

START_TEST(test_lite_net_allow_list_opens_the_host)
{
	struct greeter g;
	json_t *dto = NULL;
	char *id, *out;

	greeter_start(&g);
	id = create_net("\"networkAllowList\": \"10.0.2.2/32\"", &dto);
	ck_assert_str_eq(json_string_value(json_object_get(dto,
			 "networkAllowList")), "10.0.2.2/32");
	ck_assert(json_is_false(json_object_get(dto, "networkBlockAll")));
	/* 10.0.2.2 is this host's 127.0.0.1 */
	assert_connect(id, LITE_NET_HOST, g.port, "hello from the host");
	ck_assert_int_eq(g.accepted, 1);
	/* the sandbox's own 127.0.0.1 is its own, not the host's */
	assert_connect(id, "127.0.0.1", g.port, "refused");
	/* one route, the allowed one, through slirp's gateway */
	out = tl_exec(&tl_srv, id, "tail -n +2 /proc/net/route | awk "
		      "'{print $1, $2, $3, $8}'", NULL);
	ck_assert_str_eq(out, "tap0 0202000A 0202000A FFFFFFFF\n");
	free(out);
	/* nothing else routes, and the sandbox cannot add a route */
	assert_connect(id, "10.0.2.3", g.port, "unreachable");
	out = tl_exec(&tl_srv, id, "ip route add 10.0.2.0/24 dev tap0 2>&1; "
		      "ip route del 10.0.2.2 2>&1", NULL);
	ck_assert_msg(strstr(out, "Operation not permitted"), "%s", out);
	free(out);
	ck_assert_int_eq(g.accepted, 1);
	greeter_stop(&g);
	json_decref(dto);
	free(id);
}
END_TEST

START_TEST(test_lite_net_closed_unless_allowed)
{
	static const char *const bodies[] = {
		"",				/* the default: closed */
		"\"networkBlockAll\": true, \"networkAllowList\": "
		"\"10.0.2.2/32\"",		/* blocking wins */
		"\"networkAllowList\": \"10.0.2.5/32\"",	/* not listed */
	};
	struct greeter g;

	greeter_start(&g);
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		json_t *dto = NULL;
		char *id = create_net(bodies[i], &dto), *out;

		assert_connect(id, LITE_NET_HOST, g.port, "unreachable");
		ck_assert_int_eq(json_is_true(json_object_get(dto,
			"networkBlockAll")), i < 2);
		if (i < 2) {
			/* no network device but the loopback */
			out = tl_exec(&tl_srv, id, "tail -n +3 /proc/net/dev "
				      "| cut -d: -f1 | tr -d ' '", NULL);
			ck_assert_str_eq(out, "lo\n");
			free(out);
		}
		json_decref(dto);
		free(id);
	}
	ck_assert_int_eq(g.accepted, 0);
	greeter_stop(&g);
}
END_TEST

/* The network process of sandbox id, from its record. */
static pid_t net_pid(const char *id)
{
	char *path = rv_xasprintf("%s/sandboxes/%s.json", tl_srv.state_dir, id);
	json_t *rec = json_load_file(path, 0, NULL);
	pid_t pid;

	ck_assert_ptr_nonnull(rec);
	pid = (pid_t)rv_json_int(rec, "process.netPid", 0);
	json_decref(rec);
	free(path);
	return pid;
}

/* The network outlives a restart of the server, and goes with its
   sandbox then too. */
START_TEST(test_lite_net_survives_restart_and_goes_with_sandbox)
{
	struct greeter g;
	char *id, *path;
	pid_t pid;

	greeter_start(&g);
	id = create_net("\"networkAllowList\": \"10.0.2.2\"", NULL);
	pid = net_pid(id);
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(kill(pid, 0), 0);
	tl_kill(&tl_srv);
	tl_start(&tl_srv, (const char *const[]){ "--network-host-only",
						 NULL });
	assert_connect(id, LITE_NET_HOST, g.port, "hello from the host");
	path = rv_xasprintf("/sandbox/%s", id);
	ck_assert_int_eq(tl_api(&tl_srv, "DELETE", path, NULL, NULL), 200);
	for (int i = 0; i < 500 && kill(pid, 0) == 0; i++)
		usleep(10000);
	ck_assert_msg(kill(pid, 0) < 0 && errno == ESRCH,
		      "slirp4netns %d outlived its sandbox", (int)pid);
	greeter_stop(&g);
	free(path);
	free(id);
}
END_TEST

START_TEST(test_lite_net_bad_requests)
{
	static const char *const bad[][2] = {
		{ "\"networkAllowList\": \"10.0.2.2/24\"", "host bits" },
		{ "\"networkAllowList\": \"::1/128\"", "not an IPv4 CIDR" },
		{ "\"networkAllowList\": \"10.0.2.2/33\"", "not an IPv4 CIDR" },
		{ "\"networkAllowList\": \"10.0.2.2,,10.0.2.3\"", "empty item" },
		{ "\"networkAllowList\": \"10.0.2.2/-1\"", "not an IPv4 CIDR" },
		{ "\"networkAllowList\": 10", "must be a string" },
		{ "\"networkBlockAll\": \"yes\"", "must be a boolean" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *body = rv_xasprintf("{%s}", bad[i][0]);
		json_t *o = NULL;

		ck_assert_int_eq(tl_api(&tl_srv, "POST", "/sandbox", body, &o),
				 400);
		ck_assert_msg(strstr(json_string_value(json_object_get(o,
			"message")), bad[i][1]), "%s", bad[i][0]);
		json_decref(o);
		free(body);
	}
	ck_assert_int_eq(tl_api(&tl_srv, "GET", "/sandbox", NULL, NULL), 200);
}
END_TEST

START_TEST(test_lite_net_parse_and_format)
{
	struct lite_net_allow a;
	char why[200], *s;
	char many[16 * 12 + 20] = "";

	ck_assert(lite_net_parse(" 10.0.2.2 , 192.168.0.0/16,0.0.0.0/0", &a,
				 why, sizeof(why)));
	ck_assert_uint_eq(a.n, 3);
	s = lite_net_format(&a);
	ck_assert_str_eq(s, "10.0.2.2/32,192.168.0.0/16,0.0.0.0/0");
	free(s);
	ck_assert(lite_net_parse("", &a, why, sizeof(why)));
	ck_assert_uint_eq(a.n, 0);
	for (int i = 0; i <= LITE_NET_MAX_CIDRS; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many),
			 "%s10.0.0.%d", i ? "," : "", i);
	ck_assert(!lite_net_parse(many, &a, why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "more than 16"));
	ck_assert(!lite_net_parse("10.0.2.2/", &a, why, sizeof(why)));
	ck_assert(!lite_net_parse("10.0.2.2/+8", &a, why, sizeof(why)));
	ck_assert(!lite_net_parse("10.0.2", &a, why, sizeof(why)));
	ck_assert(!lite_net_parse(",", &a, why, sizeof(why)));
}
END_TEST

static Suite *lite_net_suite(void)
{
	Suite *s = suite_create("lite_net");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, net_setup, net_teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_lite_net_allow_list_opens_the_host);
	tcase_add_test(tc, test_lite_net_closed_unless_allowed);
	tcase_add_test(tc, test_lite_net_survives_restart_and_goes_with_sandbox);
	suite_add_tcase(s, tc);
	tc = tcase_create("errors");
	tcase_add_checked_fixture(tc, net_setup, net_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_lite_net_bad_requests);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_lite_net_parse_and_format);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(lite_net_suite()) ? 1 : 0;
}
