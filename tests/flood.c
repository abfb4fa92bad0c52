#include "flood.h"

#include "rv_alloc.h"
#include "rv_clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static int flood_connect(int port, bool nonblock)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC |
			(nonblock ? SOCK_NONBLOCK : 0), 0);

	if (fd < 0)
		return -1;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	return fd;
}

void flood_open(struct flood *f, int port, size_t n)
{
	struct rlimit r;

	if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < n + 256) {
		r.rlim_cur = r.rlim_max < n + 256 ? r.rlim_max : n + 256;
		setrlimit(RLIMIT_NOFILE, &r);
	}
	f->fds = rv_xcalloc(n, sizeof(*f->fds));
	for (f->n = 0; f->n < n; f->n++) {
		f->fds[f->n] = flood_connect(port, true);
		if (f->fds[f->n] < 0)
			break;
	}
}

void flood_send(struct flood *f, const char *s)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->fds[i] >= 0)
			(void)!send(f->fds[i], s, strlen(s), MSG_NOSIGNAL);
}

size_t flood_closed(struct flood *f, int timeout_ms)
{
	uint64_t end = rv_now_ns() + (uint64_t)timeout_ms * RV_NS_PER_MS;
	bool *gone = rv_xcalloc(f->n ? f->n : 1, sizeof(*gone));
	size_t closed = 0;

	while (closed < f->n) {
		for (size_t i = 0; i < f->n; i++) {
			char buf[512];
			ssize_t r;

			if (gone[i] || f->fds[i] < 0)
				continue;
			r = recv(f->fds[i], buf, sizeof(buf), MSG_DONTWAIT);
			if (r == 0 || (r < 0 && errno != EAGAIN &&
				       errno != EWOULDBLOCK &&
				       errno != EINTR)) {
				gone[i] = true;
				closed++;
			}
		}
		if (closed == f->n || rv_now_ns() >= end)
			break;
		usleep(20000);
	}
	free(gone);
	return closed;
}

void flood_close(struct flood *f)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->fds[i] >= 0)
			close(f->fds[i]);
	free(f->fds);
	f->fds = NULL;
	f->n = 0;
}

/* Wait for events on fd until end; false on timeout. */
static bool flood_poll(int fd, short events, uint64_t end)
{
	struct pollfd p = { .fd = fd, .events = events };
	uint64_t now = rv_now_ns();

	return now < end && poll(&p, 1, (int)((end - now) / RV_NS_PER_MS) +
				 1) > 0;
}

int flood_get(int port, const char *path, const char *headers,
	      int timeout_ms)
{
	uint64_t end = rv_now_ns() + (uint64_t)timeout_ms * RV_NS_PER_MS;
	char *req = rv_xasprintf("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
				 "%sConnection: close\r\n\r\n", path, port,
				 headers);
	int fd = flood_connect(port, true), status = 0;
	char buf[64];
	size_t got = 0;

	/* the whole exchange within the deadline: connect, send, answer */
	if (fd >= 0 && flood_poll(fd, POLLOUT, end) &&
	    send(fd, req, strlen(req), MSG_NOSIGNAL) == (ssize_t)strlen(req)) {
		while (got < 12 && flood_poll(fd, POLLIN, end)) {
			ssize_t r = recv(fd, buf + got, sizeof(buf) - 1 - got,
					 0);

			if (r <= 0)
				break;
			got += (size_t)r;
		}
		buf[got] = '\0';
		if (got >= 12 && !strncmp(buf, "HTTP/1.", 7))
			status = atoi(buf + 9);
	}
	if (fd >= 0)
		close(fd);
	free(req);
	return status;
}
