/* rv_net: TCP ports of this host (see rv_net.h). */
#include "rv_net.h"

#include "rv_clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

/* poll() for up to timeout_ms in all, through signals (EINTR). */
static int rv_net_poll(struct pollfd *p, int timeout_ms)
{
	uint64_t end = rv_now_ns() + (uint64_t)timeout_ms * RV_NS_PER_MS;
	int n;

	while ((n = poll(p, 1, timeout_ms)) < 0 && errno == EINTR) {
		uint64_t now = rv_now_ns();

		if (now >= end)
			return 0;
		timeout_ms = (int)((end - now + RV_NS_PER_MS - 1) /
				   RV_NS_PER_MS);
	}
	return n;
}

int rv_net_connect_probe(const struct sockaddr *a, unsigned len,
			 int timeout_ms)
{
	int fd = socket(a->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			0);
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int rc = RV_NET_UNKNOWN, e = 0, n;
	socklen_t elen = sizeof(e);

	if (fd < 0)
		return RV_NET_UNKNOWN;
	if (connect(fd, a, (socklen_t)len) == 0)
		rc = RV_NET_CONNECTS;
	else if (errno == ECONNREFUSED)
		rc = RV_NET_REFUSED;
	else if (errno != EINPROGRESS)
		rc = RV_NET_UNKNOWN;
	else if ((n = rv_net_poll(&p, timeout_ms)) == 0)
		rc = RV_NET_TIMEOUT;
	else if (n > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) == 0)
		rc = !e ? RV_NET_CONNECTS : e == ECONNREFUSED ?
			RV_NET_REFUSED : RV_NET_UNKNOWN;
	close(fd);
	return rc;
}

/* Does a TCP connect to a succeed, or go unanswered (a port held by a
   listener that does not accept)? */
static bool rv_net_connects(const struct sockaddr *a, socklen_t len)
{
	int r = rv_net_connect_probe(a, len, 1000);

	return r == RV_NET_CONNECTS || r == RV_NET_TIMEOUT;
}

bool rv_net_port_in_use(int port)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };

	a4.sin_port = htons((unsigned short)port);
	a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a6.sin6_port = htons((unsigned short)port);
	a6.sin6_addr = in6addr_loopback;
	return rv_net_connects((struct sockaddr *)&a4, sizeof(a4)) ||
	       rv_net_connects((struct sockaddr *)&a6, sizeof(a6));
}

int rv_net_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int port = -1;

	if (fd < 0)
		return -1;
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

int rv_net_cidr4(const char *s, uint32_t *addr, unsigned *prefix)
{
	char text[INET_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct in_addr in;
	uint32_t mask;
	long n = 32;
	char *end;

	if (alen >= sizeof(text))
		return RV_NET_CIDR_SYNTAX;
	memcpy(text, s, alen);
	text[alen] = '\0';
	if (inet_pton(AF_INET, text, &in) != 1)
		return RV_NET_CIDR_SYNTAX;
	if (slash) {
		errno = 0;
		n = strtol(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end || errno ||
		    n > 32)
			return RV_NET_CIDR_SYNTAX;
	}
	mask = n ? ~0u << (32 - n) : 0;
	*addr = ntohl(in.s_addr);
	*prefix = (unsigned)n;
	if (*addr & ~mask) {
		*addr &= mask;
		return RV_NET_CIDR_HOST_BITS;
	}
	return RV_NET_CIDR_OK;
}
