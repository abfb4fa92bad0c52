/*
 * toolbox: a minimal stand-in for the in-sandbox daemon, until the full
 * one lands (branch 'toolbox'): process/execute, version, user-home-dir,
 * work-dir, and the forward.sock port forwarder.  One thread per
 * connection; every HTTP answer closes its connection.
 */
#include "toolbox.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_json.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

struct tb_conf {
	const char *sock_dir;
	const char *home;
	const char *workdir;
};

static struct tb_conf tb;

static int tb_listen(const char *dir, const char *name)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s", dir, name);
	unlink(a.sun_path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, 128) < 0) {
		fprintf(stderr, "toolbox: cannot listen on '%s': %s\n",
			a.sun_path, strerror(errno));
		exit(1);
	}
	return fd;
}

static void tb_send(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void tb_reply(int fd, int status, json_t *body)
{
	char *s = rv_json_dumps(body);
	char *h = rv_xasprintf("HTTP/1.1 %d X\r\nContent-Type: application/"
			       "json\r\nContent-Length: %zu\r\nConnection: "
			       "close\r\n\r\n", status, strlen(s));

	tb_send(fd, h, strlen(h));
	tb_send(fd, s, strlen(s));
	free(h);
	free(s);
	json_decref(body);
}

/* Run cmd with sh, output merged; -2 on timeout. */
static int tb_run(const char *cmd, const char *cwd, json_t *envs,
		  long timeout_s, struct rv_buf *out)
{
	int p[2], status = 0;
	uint64_t deadline = timeout_s > 0 ? rv_now_ns() +
		(uint64_t)timeout_s * RV_NS_PER_SEC : 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		const char *k;
		json_t *v;

		setpgid(0, 0);
		dup2(p[1], 1);
		dup2(p[1], 2);
		if (cwd && chdir(cwd) < 0)
			_exit(126);
		json_object_foreach(envs, k, v)
			if (json_is_string(v))
				setenv(k, json_string_value(v), 1);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		int ms = -1;
		char buf[4096];
		ssize_t n;

		if (deadline) {
			uint64_t now = rv_now_ns();

			if (now >= deadline) {
				kill(-pid, SIGKILL);
				status = -2;
				break;
			}
			ms = (int)((deadline - now) / RV_NS_PER_MS) + 1;
		}
		if (poll(&pfd, 1, ms) <= 0)
			continue;
		n = read(p[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		rv_buf_add(out, buf, (size_t)n);
	}
	close(p[0]);
	if (status == -2) {
		waitpid(pid, NULL, 0);
		return -2;
	}
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void tb_execute(int fd, const char *body, size_t len)
{
	json_t *req = rv_json_parse(body, len, "body", NULL);
	const char *cmd = rv_json_str(req, "command");
	struct rv_buf out = RV_BUF_INIT;
	int rc;

	if (!cmd || !*cmd) {
		tb_reply(fd, 400, json_pack("{s:i, s:s, s:s}", "statusCode",
					    400, "message", "empty command",
					    "code", "BAD_REQUEST"));
		json_decref(req);
		return;
	}
	rc = tb_run(cmd, rv_json_str(req, "cwd") ? rv_json_str(req, "cwd") :
		    tb.workdir, json_object_get(req, "envs"),
		    (long)rv_json_int(req, "timeout", 0), &out);
	if (rc == -2)
		tb_reply(fd, 408, json_pack("{s:i, s:s, s:s}", "statusCode",
					    408, "message", "command timed out",
					    "code", "REQUEST_TIMEOUT"));
	else
		tb_reply(fd, 200, json_pack("{s:i, s:s%}", "exitCode", rc,
					    "result", out.data, out.len));
	rv_buf_release(&out);
	json_decref(req);
}

/* Read one request (head + Content-Length body) into b. */
static bool tb_read_request(int fd, struct rv_buf *b, size_t *head_len,
			    size_t *body_len)
{
	char buf[8192];
	const char *end, *cl;

	for (;;) {
		ssize_t n;

		end = strstr(b->data, "\r\n\r\n");
		if (end) {
			*head_len = (size_t)(end - b->data) + 4;
			cl = strcasestr(b->data, "\r\ncontent-length:");
			*body_len = cl && cl < end ? strtoul(cl + 17, NULL, 10) :
				0;
			if (b->len >= *head_len + *body_len)
				return true;
		}
		if (b->len > (64u << 20))
			return false;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return false;
		rv_buf_add(b, buf, (size_t)n);
	}
}

static void *tb_http(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct rv_buf b = RV_BUF_INIT;
	size_t hl, bl;

	if (tb_read_request(fd, &b, &hl, &bl)) {
		if (!strncmp(b.data, "POST /process/execute ", 22))
			tb_execute(fd, b.data + hl, bl);
		else if (!strncmp(b.data, "GET /version ", 13))
			tb_reply(fd, 200, json_pack("{s:s}", "version",
						    "stub"));
		else if (!strncmp(b.data, "GET /user-home-dir ", 19))
			tb_reply(fd, 200, json_pack("{s:s}", "dir", tb.home));
		else if (!strncmp(b.data, "GET /work-dir ", 14))
			tb_reply(fd, 200, json_pack("{s:s}", "dir",
						    tb.workdir));
		else
			tb_reply(fd, 404, json_pack("{s:i, s:s, s:s}",
						    "statusCode", 404,
						    "message", "not found",
						    "code", "NOT_FOUND"));
	}
	rv_buf_release(&b);
	close(fd);
	return NULL;
}

static void tb_splice(int a, int b)
{
	struct pollfd p[2] = { { .fd = a, .events = POLLIN },
			       { .fd = b, .events = POLLIN } };
	char buf[16384];

	for (;;) {
		if (poll(p, 2, -1) < 0)
			return;
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n <= 0)
				return;
			tb_send(p[1 - i].fd, buf, (size_t)n);
		}
	}
}

static void *tb_forward(void *arg)
{
	int fd = (int)(intptr_t)arg, up = -1;
	char line[64];
	size_t n = 0;
	struct sockaddr_in a = { .sin_family = AF_INET };

	while (n < sizeof(line) - 1 && read(fd, line + n, 1) == 1 &&
	       line[n] != '\n')
		n++;
	line[n] = '\0';
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (strncmp(line, "CONNECT ", 8) || atoi(line + 8) < 1 ||
	    atoi(line + 8) > 65535) {
		tb_send(fd, "ERR bad request\n", 16);
		goto out;
	}
	a.sin_port = htons((unsigned short)atoi(line + 8));
	up = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (up < 0 || connect(up, (struct sockaddr *)&a, sizeof(a)) < 0) {
		tb_send(fd, "ERR refused\n", 12);
		goto out;
	}
	tb_send(fd, "OK\n", 3);
	tb_splice(fd, up);
out:
	if (up >= 0)
		close(up);
	close(fd);
	return NULL;
}

int toolbox_main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "socket-dir", required_argument, NULL, 's' },
		{ "home", required_argument, NULL, 'h' },
		{ "workdir", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct pollfd p[2];
	char *ready;
	int o, fd;

	tb.home = "/home/daytona";
	while ((o = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (o == 's')
			tb.sock_dir = optarg;
		else if (o == 'h')
			tb.home = optarg;
		else if (o == 'w')
			tb.workdir = optarg;
		else
			return 2;
	}
	if (!tb.sock_dir)
		return 2;
	if (!tb.workdir)
		tb.workdir = tb.home;
	signal(SIGPIPE, SIG_IGN);
	p[0] = (struct pollfd){ .fd = tb_listen(tb.sock_dir, "toolbox.sock"),
				.events = POLLIN };
	p[1] = (struct pollfd){ .fd = tb_listen(tb.sock_dir, "forward.sock"),
				.events = POLLIN };
	ready = rv_xasprintf("%s/ready", tb.sock_dir);
	fd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	free(ready);
	for (;;) {
		if (poll(p, 2, -1) < 0)
			continue;
		for (int i = 0; i < 2; i++) {
			pthread_t t;
			int c;

			if (!(p[i].revents & POLLIN))
				continue;
			c = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (c < 0)
				continue;
			if (pthread_create(&t, NULL, i ? tb_forward : tb_http,
					   (void *)(intptr_t)c) == 0)
				pthread_detach(t);
			else
				close(c);
		}
	}
}
