/* lite_net: a sandbox's egress through slirp4netns (see lite_net.h). */
#include "lite_net.h"

#include "lite_box.h"
#include "lite_unix.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Descriptors in slirp4netns (and in the routing child). */
#define NET_FD_NETNS 3
#define NET_FD_USERNS 4
#define NET_FD_READY 5
#define LITE_NET_MTU 65520	/* slirp4netns' largest, and fewest packets */
#define NET_STR_(x) #x
#define NET_STR(x) NET_STR_(x)

/* One item of a list: "a.b.c.d" or "a.b.c.d/n". */
static bool lite_net_item(const char *item, struct lite_net_cidr *c,
			  char *why, size_t size)
{
	char net[INET_ADDRSTRLEN];
	int r = rv_net_cidr4(item, &c->addr, &c->prefix);
	struct in_addr in = { htonl(c->addr) };

	if (r == RV_NET_CIDR_HOST_BITS)
		snprintf(why, size, "networkAllowList: '%.60s' has host bits "
			 "set (the network is '%s/%u'?)", item,
			 inet_ntop(AF_INET, &in, net, sizeof(net)), c->prefix);
	else if (r != RV_NET_CIDR_OK)
		snprintf(why, size, "networkAllowList: '%.60s' is not an IPv4 "
			 "CIDR (such as 10.0.2.2/32)", item);
	return r == RV_NET_CIDR_OK;
}

bool lite_net_parse(const char *s, struct lite_net_allow *out, char *why,
		    size_t size)
{
	char *copy = rv_xstrdup(s), *p = copy;
	bool ok = true;

	memset(out, 0, sizeof(*out));
	while (ok && *copy) {
		char *comma = strchr(p, ','), *item = p, *e;

		if (comma)
			*comma = '\0';
		while (*item == ' ')
			item++;
		for (e = item + strlen(item); e > item && e[-1] == ' '; e--)
			*--e = '\0';
		if (!*item) {
			snprintf(why, size, "networkAllowList: empty item in "
				 "'%.80s'", s);
			ok = false;
		} else if (out->n == LITE_NET_MAX_CIDRS) {
			snprintf(why, size, "networkAllowList: more than %d "
				 "CIDRs", LITE_NET_MAX_CIDRS);
			ok = false;
		} else {
			ok = lite_net_item(item, &out->v[out->n++], why, size);
		}
		if (!comma)
			break;
		p = comma + 1;
	}
	free(copy);
	return ok;
}

char *lite_net_format(const struct lite_net_allow *a)
{
	struct rv_buf b = RV_BUF_INIT;
	char addr[INET_ADDRSTRLEN];

	rv_buf_adds(&b, "");
	for (size_t i = 0; i < a->n; i++) {
		struct in_addr in = { htonl(a->v[i].addr) };

		rv_buf_addf(&b, "%s%s/%u", i ? "," : "",
			    inet_ntop(AF_INET, &in, addr, sizeof(addr)),
			    a->v[i].prefix);
	}
	return rv_buf_detach(&b, NULL);
}

/* --- rtnetlink, in the child that joined the sandbox's namespace ----- */

struct nl_req {
	struct nlmsghdr h;
	union {
		struct ifinfomsg link;
		struct ifaddrmsg addr;
		struct rtmsg route;
	} u;
	char attrs[64];
};

static void nl_attr(struct nl_req *r, unsigned short type, const void *data,
		    unsigned short len)
{
	struct rtattr *a = (struct rtattr *)((char *)r +
					     NLMSG_ALIGN(r->h.nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static void nl_init(struct nl_req *r, unsigned short type, size_t body,
		    unsigned seq)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = (unsigned)NLMSG_LENGTH(body);
	r->h.nlmsg_type = type;
	r->h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE |
		NLM_F_EXCL;
	r->h.nlmsg_seq = seq;
}

/* Send r and read its acknowledgement: 0, or the errno it carries. */
static int nl_talk(int fd, struct nl_req *r)
{
	char buf[512];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	ssize_t n;

	if (send(fd, r, r->h.nlmsg_len, 0) < 0)
		return errno;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) ||
	    h->nlmsg_type != NLMSG_ERROR)
		return EPROTO;
	return -((struct nlmsgerr *)NLMSG_DATA(h))->error;
}

/* Up, one address, one route per CIDR: 0, or an errno. */
static int lite_net_routes(const struct lite_net_allow *a)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	unsigned idx = if_nametoindex(LITE_NET_TAP), seq = 1;
	uint32_t local = inet_addr(LITE_NET_ADDR), gw = inet_addr(LITE_NET_HOST);
	uint32_t mtu = LITE_NET_MTU;
	struct nl_req r;
	int e;

	if (fd < 0 || !idx)
		return errno ? errno : ENODEV;
	nl_init(&r, RTM_NEWLINK, sizeof(r.u.link), seq++);
	r.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	r.u.link.ifi_family = AF_UNSPEC;
	r.u.link.ifi_index = (int)idx;
	r.u.link.ifi_flags = r.u.link.ifi_change = IFF_UP;
	nl_attr(&r, IFLA_MTU, &mtu, 4);
	e = nl_talk(fd, &r);
	if (!e) {
		nl_init(&r, RTM_NEWADDR, sizeof(r.u.addr), seq++);
		r.u.addr.ifa_family = AF_INET;
		r.u.addr.ifa_prefixlen = 32;	/* no route to a subnet */
		r.u.addr.ifa_index = idx;
		nl_attr(&r, IFA_LOCAL, &local, 4);
		nl_attr(&r, IFA_ADDRESS, &local, 4);
		e = nl_talk(fd, &r);
	}
	for (size_t i = 0; !e && i < a->n; i++) {
		uint32_t dst = htonl(a->v[i].addr);

		nl_init(&r, RTM_NEWROUTE, sizeof(r.u.route), seq++);
		r.u.route.rtm_family = AF_INET;
		r.u.route.rtm_dst_len = (unsigned char)a->v[i].prefix;
		r.u.route.rtm_table = RT_TABLE_MAIN;
		r.u.route.rtm_protocol = RTPROT_STATIC;
		r.u.route.rtm_scope = RT_SCOPE_UNIVERSE;
		r.u.route.rtm_type = RTN_UNICAST;
		r.u.route.rtm_flags = RTNH_F_ONLINK;
		if (a->v[i].prefix)
			nl_attr(&r, RTA_DST, &dst, 4);
		nl_attr(&r, RTA_GATEWAY, &gw, 4);
		nl_attr(&r, RTA_OIF, &idx, 4);
		e = nl_talk(fd, &r);
	}
	close(fd);
	return e;
}

/*
 * Join the namespaces (as root the network one is enough; otherwise its
 * owner, whose ids we are, first) and set the routes.  Runs in a forked
 * child: exits with 0 or the errno.
 */
static _Noreturn void lite_net_route_child(int netns, int userns,
					   const struct lite_net_allow *a)
{
	int e = 0;

	if (geteuid() != 0 && setns(userns, CLONE_NEWUSER) < 0)
		e = errno;
	if (!e && setns(netns, CLONE_NEWNET) < 0)
		e = errno;
	if (!e)
		e = lite_net_routes(a);
	_exit(e > 0 && e < 256 ? e : e ? EIO : 0);
}

/* In the slirp4netns child: only async-signal-safe calls until execv. */
static _Noreturn void lite_net_slirp_child(const char *const *argv,
					   int netns, int userns, int ready,
					   const int cg_fd[LITE_CG_N])
{
	sigset_t none;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 ||
	    dup2(netns, NET_FD_NETNS) < 0 || dup2(userns, NET_FD_USERNS) < 0 ||
	    dup2(ready, NET_FD_READY) < 0 || lite_cgroups_join(cg_fd) < 0)
		_exit(126);
	closefrom(NET_FD_READY + 1);
	setsid();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execv(argv[0], (char *const *)argv);
	_exit(127);
}

/* Wait for slirp's "1" on ready (the tap device exists). */
static bool lite_net_wait_ready(int ready, long timeout_ms)
{
	struct pollfd p = { .fd = ready, .events = POLLIN };
	char c = 0;

	return poll(&p, 1, (int)timeout_ms) > 0 && read(ready, &c, 1) == 1 &&
		c == '1';
}

/* Run the routing child and wait for it (at most timeout_ms). */
static int lite_net_route(int netns, int userns,
			  const struct lite_net_allow *a, long timeout_ms)
{
	uint64_t deadline = rv_now_ns() + (uint64_t)timeout_ms * RV_NS_PER_MS;
	int st = 0;
	pid_t pid = fork(), r;

	if (pid < 0)
		return errno;
	if (pid == 0)
		lite_net_route_child(netns, userns, a);
	while ((r = waitpid(pid, &st, WNOHANG)) == 0 &&
	       rv_now_ns() < deadline)
		usleep(200);
	if (r != pid) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		return ETIMEDOUT;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : EINTR;
}

/* The sandbox's network namespace and its owner, opened race-free. */
static enum rv_code lite_net_ns(pid_t init_pid, uint64_t init_start,
				int *netns, int *userns, struct rv_err *err)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)init_pid);
	*netns = lite_fd_high(open(path, O_RDONLY | O_CLOEXEC));
	/* still the sandbox's pid 1 once open: the descriptor is its */
	if (*netns < 0 || lite_proc_start_time(init_pid) != init_start)
		return rv_errf(err, RV_ERR_CHILD, "cannot open the network "
			       "namespace of the sandbox: %s", *netns < 0 ?
			       strerror(errno) : "its pid 1 is gone");
	*userns = lite_fd_high(ioctl(*netns, NS_GET_USERNS));
	if (*userns < 0)
		return rv_errf(err, RV_ERR_CHILD, "cannot find the owner of the "
			       "sandbox's network namespace: %s",
			       strerror(errno));
	return RV_OK;
}

enum rv_code lite_net_open(const char *slirp, bool host_only,
			   pid_t init_pid, uint64_t init_start,
			   const struct lite_net_allow *a,
			   const int cg_fd[LITE_CG_N], long timeout_ms,
			   struct lite_net_proc *out, struct rv_err *err)
{
	const char *argv[16];
	int netns = -1, userns = -1, pfd[2] = { -1, -1 }, n = 0, e;
	enum rv_code rc;

	memset(out, 0, sizeof(*out));
	if (!slirp)
		return rv_errf(err, RV_ERR_CONFIG, "cannot open the sandbox's "
			       "network: slirp4netns is not installed (Debian "
			       "package 'slirp4netns')");
	rc = lite_net_ns(init_pid, init_start, &netns, &userns, err);
	if (rc == RV_OK && pipe2(pfd, O_CLOEXEC) < 0)
		rc = rv_errf(err, RV_ERR_IO, "pipe: %s", strerror(errno));
	pfd[1] = lite_fd_high(pfd[1]);
	if (rc != RV_OK)
		goto out;
	argv[n++] = slirp;
	argv[n++] = "--enable-sandbox";
	argv[n++] = "--enable-seccomp";
	argv[n++] = "--disable-dns";
	argv[n++] = "--mtu=" NET_STR(LITE_NET_MTU);
	argv[n++] = "--ready-fd=" NET_STR(NET_FD_READY);
	argv[n++] = "--userns-path=/proc/self/fd/" NET_STR(NET_FD_USERNS);
	argv[n++] = "--netns-type=path";
	if (host_only)
		argv[n++] = "--outbound-addr=127.0.0.1";
	argv[n++] = "/proc/self/fd/" NET_STR(NET_FD_NETNS);
	argv[n++] = LITE_NET_TAP;
	argv[n] = NULL;
	rc = lite_fork(&out->pid, &out->start, err);
	if (rc != RV_OK)
		goto out;
	if (!out->pid)
		lite_net_slirp_child(argv, netns, userns, pfd[1], cg_fd);
	close(pfd[1]);
	pfd[1] = -1;
	if (!lite_net_wait_ready(pfd[0], timeout_ms)) {
		rc = rv_errf(err, RV_ERR_CHILD, "slirp4netns did not set up the "
			     "sandbox's network within %ld ms", timeout_ms);
	} else if ((e = lite_net_route(netns, userns, a, timeout_ms))) {
		rc = rv_errf(err, RV_ERR_CHILD, "cannot set the sandbox's "
			     "routes: %s", strerror(e));
	}
	if (rc != RV_OK) {
		lite_net_kill(out);
		memset(out, 0, sizeof(*out));
	}
out:
	for (int i = 0; i < 2; i++)
		if (pfd[i] >= 0)
			close(pfd[i]);
	if (netns >= 0)
		close(netns);
	if (userns >= 0)
		close(userns);
	return rc;
}

void lite_net_kill(const struct lite_net_proc *p)
{
	uint64_t deadline = rv_now_ns() + 5 * RV_NS_PER_SEC;

	if (!p || p->pid <= 0)
		return;
	if (p->start && lite_proc_start_time(p->pid) == p->start)
		kill(p->pid, SIGKILL);
	/* our child: reap it; another's (after a restart): wait it out */
	while (rv_now_ns() < deadline) {
		pid_t r = waitpid(p->pid, NULL, WNOHANG);

		if (r == p->pid || (r < 0 && errno == ECHILD &&
				    lite_proc_start_time(p->pid) != p->start))
			break;
		usleep(500);
	}
}
