/*
 * null_app: a task app that does no work, for benchmarks.
 *
 * One thread, poll(), HTTP/1.1 keep-alive.  GET /health answers 200 and
 * POST /rollout answers reward 1.0 at once (echoing the request's
 * trace_correlation_id, details.latency_ms 0), both after checking
 * X-API-Key against $ENVIRONMENT_API_KEY.  With it, the rollouts phase of
 * a job is all orchestration and loopback HTTP: what remains is runeval's
 * own overhead.  Listens on 127.0.0.1:$PORT (or --port N).
 *
 * --usage FILE: on SIGTERM (how runeval stops an app), write the app's
 * own CPU and peak RSS to FILE as "user_s sys_s maxrss_kb", then exit.
 * A bench subtracts them from what the runeval process and its reaped
 * children used, to get runeval's own figures.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_CONN 256
#define BUF 65536

struct conn {
	int fd;
	size_t len;
	char buf[BUF];
};

static struct conn *conns[MAX_CONN];
static const char *key;
static const char *usage_path;

static void on_term(int sig)
{
	struct rusage ru;
	char out[128];
	int fd, n;

	(void)sig;
	if (usage_path && getrusage(RUSAGE_SELF, &ru) == 0) {
		n = snprintf(out, sizeof(out), "%ld.%06ld %ld.%06ld %ld\n",
			     (long)ru.ru_utime.tv_sec, (long)ru.ru_utime.tv_usec,
			     (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec,
			     ru.ru_maxrss);
		fd = open(usage_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			if (write(fd, out, (size_t)n) < 0)
				n = 0;
			close(fd);
		}
	}
	_exit(0);
}

static void reply(int fd, int status, const char *body)
{
	char out[1024];
	int n = snprintf(out, sizeof(out), "HTTP/1.1 %d %s\r\nContent-Type: "
			 "application/json\r\nContent-Length: %zu\r\n\r\n%s",
			 status, status == 200 ? "OK" : "Bad Request",
			 strlen(body), body);

	if (write(fd, out, (size_t)n) < 0)
		perror("write");
}

/* Handle every complete request in c; false to close. */
static int serve(struct conn *c)
{
	for (;;) {
		char *end, *cl, *k, *tc;
		size_t hlen, blen = 0, total;
		char body[512], id[128] = "";

		c->buf[c->len] = '\0';
		end = strstr(c->buf, "\r\n\r\n");
		if (!end)
			return c->len < BUF - 1;
		hlen = (size_t)(end - c->buf) + 4;
		cl = strcasestr(c->buf, "\r\nContent-Length:");
		if (cl && cl < end)
			blen = strtoul(cl + 17, NULL, 10);
		total = hlen + blen;
		if (c->len < total)
			return total < BUF - 1;
		k = strcasestr(c->buf, "\r\nX-API-Key: ");
		if (!k || k > end || strncmp(k + 13, key, strlen(key)) ||
		    k[13 + strlen(key)] != '\r') {
			reply(c->fd, 400, "{\"detail\":{\"error\":{\"code\":"
			      "\"unauthorised\"}}}");
		} else if (!strncmp(c->buf, "GET /health ", 12)) {
			reply(c->fd, 200, "{\"healthy\":true}");
		} else {
			tc = strstr(c->buf + hlen, "\"trace_correlation_id\":\"");
			if (tc)
				sscanf(tc + 24, "%127[^\"]", id);
			snprintf(body, sizeof(body), "{\"trace_correlation_id\":"
				 "\"%s\",\"reward_info\":{\"outcome_reward\":1.0,"
				 "\"details\":{\"latency_ms\":0.0}}}", id);
			reply(c->fd, 200, body);
		}
		memmove(c->buf, c->buf + total, c->len - total);
		c->len -= total;
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	const char *port = getenv("PORT");
	int one = 1, lfd = socket(AF_INET, SOCK_STREAM, 0);

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--port"))
			port = argv[i + 1];
		else if (!strcmp(argv[i], "--usage"))
			usage_path = argv[i + 1];
	}
	signal(SIGTERM, on_term);
	key = getenv("ENVIRONMENT_API_KEY");
	if (!key || !port)
		return 2;
	a.sin_port = htons((unsigned short)atoi(port));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(lfd, 512) < 0)
		return 1;
	printf("null_app: listening on http://127.0.0.1:%s\n", port);
	fflush(stdout);
	for (;;) {
		struct pollfd p[MAX_CONN + 1];
		int n = 0, idx[MAX_CONN + 1];

		p[n].fd = lfd;
		p[n++].events = POLLIN;
		for (int i = 0; i < MAX_CONN; i++)
			if (conns[i]) {
				idx[n] = i;
				p[n].fd = conns[i]->fd;
				p[n++].events = POLLIN;
			}
		if (poll(p, (nfds_t)n, -1) < 0)
			continue;
		if (p[0].revents & POLLIN) {
			int fd = accept(lfd, NULL, NULL);

			for (int i = 0; fd >= 0 && i < MAX_CONN; i++)
				if (!conns[i]) {
					conns[i] = calloc(1, sizeof(*conns[i]));
					conns[i]->fd = fd;
					setsockopt(fd, IPPROTO_TCP, TCP_NODELAY,
						   &one, sizeof(one));
					fd = -1;
				}
			if (fd >= 0)
				close(fd);
		}
		for (int j = 1; j < n; j++) {
			struct conn *c = conns[idx[j]];
			ssize_t r;

			if (!p[j].revents)
				continue;
			r = read(c->fd, c->buf + c->len, BUF - 1 - c->len);
			if (r > 0)
				c->len += (size_t)r;
			if (r <= 0 || !serve(c)) {
				close(c->fd);
				free(c);
				conns[idx[j]] = NULL;
			}
		}
	}
}
