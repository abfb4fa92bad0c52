#include "toolbox_forward.h"

#include "rv_alloc.h"
#include "rv_fs.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define TB_FWD_LINE_MAX 64
#define TB_FWD_LINE_TIMEOUT_MS 10000
#define TB_FWD_BUF (64 * 1024)

/* One direction of a spliced connection. */
struct tb_pipe {
	int from, to;
	char buf[TB_FWD_BUF];
	size_t len, off;
	bool eof;		/* from is done; to was shut down for writing */
};

/* Connect to port on loopback, IPv4 first; -errno on failure. */
static int tb_forward_dial(int port)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	int fd, e = ECONNREFUSED, one = 1;

	a4.sin_port = htons((uint16_t)port);
	a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a6.sin6_port = htons((uint16_t)port);
	a6.sin6_addr = in6addr_loopback;
	for (int i = 0; i < 2; i++) {
		struct sockaddr *sa = i ? (struct sockaddr *)&a6 :
			(struct sockaddr *)&a4;
		socklen_t len = i ? sizeof(a6) : sizeof(a4);

		fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, sa, len) == 0) {
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
				   sizeof(one));
			return fd;
		}
		if (i == 0 || errno != EAFNOSUPPORT)
			e = errno;
		close(fd);
	}
	return -e;
}

const char *tb_forward_connect(const char *line, int *fd)
{
	char *end;
	long port;

	*fd = -1;
	if (strncmp(line, "CONNECT ", 8))
		return "ERR bad request\n";
	port = strtol(line + 8, &end, 10);
	if (end == line + 8 || (*end && *end != '\n' && *end != '\r') ||
	    port < 1 || port > 65535)
		return "ERR bad port\n";
	*fd = tb_forward_dial((int)port);
	if (*fd >= 0)
		return "OK\n";
	switch (-*fd) {
	case ECONNREFUSED:
		*fd = -1;
		return "ERR refused\n";
	case ETIMEDOUT:
		*fd = -1;
		return "ERR timeout\n";
	default:
		*fd = -1;
		return "ERR unreachable\n";
	}
}

/* Read the CONNECT line byte by byte (nothing past it is consumed). */
static bool tb_forward_read_line(int fd, char *line, size_t size)
{
	size_t n = 0;

	while (n + 1 < size) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t r;

		if (poll(&p, 1, TB_FWD_LINE_TIMEOUT_MS) <= 0)
			return false;
		r = read(fd, line + n, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		if (line[n++] == '\n') {
			line[n] = '\0';
			return true;
		}
	}
	return false;
}

/* Move what is readable from p->from into p->to; false on a hard error. */
static bool tb_pipe_step(struct tb_pipe *p)
{
	ssize_t n;

	if (p->len == p->off) {
		n = recv(p->from, p->buf, sizeof(p->buf), MSG_DONTWAIT);
		if (n < 0)
			return errno == EINTR || errno == EAGAIN;
		if (n == 0) {
			p->eof = true;
			shutdown(p->to, SHUT_WR);
			return true;
		}
		p->len = (size_t)n;
		p->off = 0;
	}
	n = send(p->to, p->buf + p->off, p->len - p->off,
		 MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	p->off += (size_t)n;
	return true;
}

static void tb_splice(int a, int b)
{
	struct tb_pipe *up = rv_xcalloc(1, sizeof(*up));
	struct tb_pipe *down = rv_xcalloc(1, sizeof(*down));

	up->from = a;
	up->to = b;
	down->from = b;
	down->to = a;
	while (!up->eof || !down->eof) {
		struct tb_pipe *pp[2] = { up, down };
		struct pollfd pfd[2];
		int k = 0, map[2];

		for (int i = 0; i < 2; i++) {
			struct tb_pipe *p = pp[i];

			if (p->eof)
				continue;
			pfd[k].fd = p->len > p->off ? p->to : p->from;
			pfd[k].events = p->len > p->off ? POLLOUT : POLLIN;
			map[k++] = i;
		}
		if (poll(pfd, (nfds_t)k, -1) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < k; i++)
			if (pfd[i].revents && !tb_pipe_step(pp[map[i]]))
				goto out;
	}
out:
	free(up);
	free(down);
}

static void *tb_forward_conn(void *arg)
{
	int client = (int)(intptr_t)arg, target = -1;
	char line[TB_FWD_LINE_MAX];
	const char *reply = "ERR bad request\n";

	if (tb_forward_read_line(client, line, sizeof(line)))
		reply = tb_forward_connect(line, &target);
	if (rv_write_all(client, reply, strlen(reply)) == 0 && target >= 0)
		tb_splice(client, target);
	if (target >= 0)
		close(target);
	close(client);
	return NULL;
}

static void *tb_forward_accept(void *arg)
{
	int lfd = (int)(intptr_t)arg;

	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		pthread_t t;
		pthread_attr_t attr;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EMFILE || errno == ENFILE) {
				if (errno == EMFILE || errno == ENFILE)
					usleep(10000);
				continue;
			}
			return NULL;
		}
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 256 * 1024);
		if (pthread_create(&t, &attr, tb_forward_conn,
				   (void *)(intptr_t)fd))
			close(fd);
		pthread_attr_destroy(&attr);
	}
}

enum rv_code tb_forward_start(int fd, struct rv_err *err)
{
	pthread_t t;

	if (pthread_create(&t, NULL, tb_forward_accept, (void *)(intptr_t)fd))
		return rv_errf(err, RV_ERR_IO, "cannot start the forwarder");
	pthread_detach(t);
	return RV_OK;
}
