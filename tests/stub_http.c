#include "stub_http.h"

#include "rv_alloc.h"
#include "rv_buf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

bool stub_http_read(int fd, struct rv_buf *req, size_t *body_at)
{
	char buf[4096];

	for (;;) {
		char *end = strstr(req->data, "\r\n\r\n");
		ssize_t n;

		if (end) {
			char *cl = strcasestr(req->data, "\r\ncontent-length:");
			size_t want = cl ? (size_t)atol(cl + 17) : 0;

			*body_at = (size_t)(end + 4 - req->data);
			if (req->len >= *body_at + want)
				return true;
		}
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return false;
		rv_buf_add(req, buf, (size_t)n);
	}
}

char *stub_http_header(const char *head, const char *name)
{
	char *pat = rv_xasprintf("\r\n%s:", name);
	char *hit = strcasestr(head, pat);
	char *v = NULL;

	if (hit) {
		const char *p = hit + strlen(pat);

		while (*p == ' ')
			p++;
		v = rv_xstrndup(p, strcspn(p, "\r\n"));
	}
	free(pat);
	return v;
}

bool stub_http_send(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n <= 0)
			return false;
		s += n;
		len -= (size_t)n;
	}
	return true;
}

static void *stub_http_main(void *arg)
{
	struct stub_http *h = arg;

	while (!h->stop) {
		struct pollfd p = { h->fd, POLLIN, 0 };
		int fd;

		if (poll(&p, 1, 50) <= 0)
			continue;
		fd = accept(h->fd, NULL, NULL);
		if (fd < 0)
			continue;
		h->serve(fd, h->arg);
		close(fd);
	}
	return NULL;
}

int stub_http_start(struct stub_http *h)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	h->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (h->fd < 0 || bind(h->fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(h->fd, 16) < 0 ||
	    getsockname(h->fd, (struct sockaddr *)&a, &len) < 0)
		abort();
	h->port = ntohs(a.sin_port);
	h->stop = 0;
	if (pthread_create(&h->th, NULL, stub_http_main, h))
		abort();
	return h->port;
}

void stub_http_stop(struct stub_http *h)
{
	h->stop = 1;
	pthread_join(h->th, NULL);
	close(h->fd);
	h->fd = -1;
}
