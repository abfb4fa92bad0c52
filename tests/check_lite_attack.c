/*
 * daytona-lite against hostile sandboxes and clients (issue 10): a
 * sandbox that rewires its toolbox socket, credentials that must not
 * reach a sandboxed app, loose Authorization headers.  Real daytona-lite,
 * real bubblewrap sandboxes.
 */
#include "testutil.h"
#include "lite_util.h"

#include "rv_alloc.h"
#include "rv_json.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * A unix socket on the host that answers every connection as a toolbox
 * would, with a result no sandbox could produce; it counts connections.
 */
struct host_sock {
	char *path;
	int fd;
	atomic_int hits;
	atomic_bool stop;
	pthread_t thread;
};

static void *host_sock_serve(void *arg)
{
	static const char ans[] = "HTTP/1.1 200 OK\r\nContent-Type: "
		"application/json\r\nContent-Length: 37\r\nConnection: close"
		"\r\n\r\n{\"exitCode\":0,\"result\":\"HOST-SOCKET\"}";
	struct host_sock *h = arg;

	while (!atomic_load(&h->stop)) {
		struct pollfd p = { .fd = h->fd, .events = POLLIN };
		char buf[4096];
		int c;

		if (poll(&p, 1, 50) <= 0)
			continue;
		c = accept(h->fd, NULL, NULL);
		if (c < 0)
			continue;
		atomic_fetch_add(&h->hits, 1);
		(void)!read(c, buf, sizeof(buf));
		(void)!write(c, ans, sizeof(ans) - 1);
		close(c);
	}
	return NULL;
}

static void host_sock_start(struct host_sock *h, const char *dir)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	memset(h, 0, sizeof(*h));
	h->path = rv_xasprintf("%s/host.sock", dir);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", h->path);
	h->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(h->fd, 0);
	ck_assert_int_eq(bind(h->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(h->fd, 16), 0);
	ck_assert_int_eq(pthread_create(&h->thread, NULL, host_sock_serve, h),
			 0);
}

static int host_sock_stop(struct host_sock *h)
{
	atomic_store(&h->stop, true);
	pthread_join(h->thread, NULL);
	close(h->fd);
	unlink(h->path);
	free(h->path);
	return atomic_load(&h->hits);
}

/* The shell lines a sandbox runs to point its sockets at target. */
static char *relink(const char *target)
{
	return rv_xasprintf("for s in toolbox forward; do "
			    "rm -f /run/daytona-lite/$s.sock; "
			    "ln -s %s /run/daytona-lite/$s.sock; done; "
			    "ls -la /run/daytona-lite 2>&1", target);
}

/* A toolbox request with only the sandbox's preview token. */
static long exec_with_token(const char *id, const char *cmd,
			    struct rv_http_response *r)
{
	json_t *pl = tl_preview_link(&tl_srv, id, 1);
	char *tok = rv_xasprintf("X-Daytona-Preview-Token: %s",
				 rv_json_str(pl, "token"));
	char *url = rv_xasprintf("/toolbox/%s/process/execute", id);
	char *body = rv_xasprintf("{\"command\":\"%s\"}", cmd);
	const char *hdrs[] = { tok, "Content-Type: application/json", NULL };
	long st = tl_req(&tl_srv, "POST", url, hdrs, body, r);

	json_decref(pl);
	free(tok);
	free(url);
	free(body);
	return st;
}

/*
 * Issue 10: a sandbox replaced its toolbox.sock (and forward.sock) by a
 * symlink to a host socket; root followed it.  Now the next toolbox and
 * preview requests reach the sandbox's own toolbox, and the host socket
 * gets no connection at all.
 */
START_TEST(test_lite_socket_symlink_to_host)
{
	char *a = tl_create(&tl_srv, NULL);
	struct rv_http_response r = RV_HTTP_RESPONSE_INIT;
	struct host_sock h;
	char *cmd, *out;

	host_sock_start(&h, tl_srv.tmp);
	cmd = relink(h.path);
	free(tl_exec(&tl_srv, a, cmd, NULL));
	free(cmd);

	out = tl_exec(&tl_srv, a, "echo still-here", NULL);
	ck_assert_str_eq(out, "still-here\n");
	free(out);
	ck_assert_int_eq(exec_with_token(a, "echo token-here", &r), 200);
	ck_assert_msg(strstr(r.body.data, "token-here"), "%s", r.body.data);
	rv_http_response_release(&r);
	/* the port forwarder: nothing listens on 8000, so a 502 from it */
	ck_assert_int_eq(tl_preview(&tl_srv, a, 8000, "/", true, &r), 502);
	ck_assert_ptr_null(strstr(r.body.data, "HOST-SOCKET"));
	rv_http_response_release(&r);
	ck_assert_int_eq(host_sock_stop(&h), 0);
	free(a);
}
END_TEST

/* Where sandbox id's toolbox listens on the host (old layout or new). */
static char *toolbox_sock_of(const char *id)
{
	static const char *const leaves[] = { "sock", "run" };

	for (size_t i = 0; i < 2; i++) {
		char *p = rv_xasprintf("%s/sandboxes/%s/%s/toolbox.sock",
				       tl_srv.state_dir, id, leaves[i]);

		if (access(p, F_OK) == 0)
			return p;
		free(p);
	}
	ck_abort_msg("no toolbox socket for sandbox %s", id);
	return NULL;
}

/* The same with another sandbox's toolbox.sock: it runs nothing. */
START_TEST(test_lite_socket_symlink_to_other_sandbox)
{
	char *a = tl_create(&tl_srv, NULL), *b = tl_create(&tl_srv, NULL);
	char *b_sock = toolbox_sock_of(b);
	char *cmd = relink(b_sock);
	char *who_a = rv_xasprintf("%s/sandboxes/%s/tmp/who-ran",
				   tl_srv.state_dir, a);
	char *who_b = rv_xasprintf("%s/sandboxes/%s/tmp/who-ran",
				   tl_srv.state_dir, b);
	char *want = rv_xasprintf("%s\n", a);
	char *out;

	free(tl_exec(&tl_srv, a, cmd, NULL));
	free(tl_exec(&tl_srv, a, "hostname > /tmp/who-ran", NULL));
	ck_assert_msg(access(who_b, F_OK) != 0, "sandbox %s ran a command "
		      "sent to sandbox %s", b, a);
	out = tu_read_file(who_a, NULL);
	ck_assert_ptr_nonnull(out);
	ck_assert_str_eq(out, want);
	free(out);
	free(want);
	free(who_a);
	free(who_b);
	free(cmd);
	free(b_sock);
	free(a);
	free(b);
}
END_TEST

static Suite *lite_attack_suite(void)
{
	Suite *s = suite_create("lite_attack");
	TCase *tc = tl_tcase("sockets");

	tcase_add_test(tc, test_lite_socket_symlink_to_host);
	tcase_add_test(tc, test_lite_socket_symlink_to_other_sandbox);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	rv_http_global_init();
	return tu_run_suite(lite_attack_suite()) ? 1 : 0;
}
