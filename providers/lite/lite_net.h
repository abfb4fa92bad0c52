/*
 * lite_net: a sandbox's egress.
 *
 * Every sandbox has a network namespace of its own with a loopback
 * device only: it reaches nothing but itself.  When its create request
 * allow-lists addresses (Daytona's networkAllowList: IPv4 CIDRs, without
 * networkBlockAll), lite_net_open() gives it a user-mode network:
 * slirp4netns (Debian package slirp4netns) on a tap device "tap0" in its
 * namespace.  The tap device gets LITE_NET_ADDR/32 and one route per
 * allowed CIDR through slirp's gateway LITE_NET_HOST, and nothing else:
 * an address outside the list has no route (ENETUNREACH), so nothing
 * sent to it reaches slirp.  The sandbox cannot change its routes (it
 * has no capability in its namespace).  LITE_NET_HOST is this host's
 * loopback (slirp connects to 127.0.0.1 here); other allowed addresses
 * are reached as themselves, unless host_only: then slirp's connections
 * leave from 127.0.0.1, which the kernel lets reach this host only.
 *
 * The server runs as root and never opens a path a sandbox can rewrite:
 * slirp4netns joins the sandbox's namespaces through descriptors the
 * server opened on /proc/<pid 1>/ns/net (checked against pid 1's start
 * time after the open) and the user namespace that owns it
 * (NS_GET_USERNS); it runs with --enable-sandbox (an empty mount
 * namespace, no capability but CAP_NET_BIND_SERVICE) and
 * --enable-seccomp, in the sandbox's cgroups when it has them.  The
 * routes are set over rtnetlink by a forked child of the server that
 * joins the namespace the same way.
 */
#ifndef RUNEVAL_PROVIDERS_LITE_LITE_NET_H
#define RUNEVAL_PROVIDERS_LITE_LITE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lite_cgroup.h"
#include "rv_err.h"

#define LITE_NET_HOST "10.0.2.2"	/* this host's loopback, seen inside */
#define LITE_NET_ADDR "10.0.2.100"	/* the sandbox's own address */
#define LITE_NET_TAP "tap0"
#define LITE_NET_MAX_CIDRS 16

struct lite_net_cidr {
	uint32_t addr;			/* host byte order, host bits 0 */
	unsigned prefix;		/* 0..32 */
};

/* What a sandbox may reach; n == 0: nothing. */
struct lite_net_allow {
	size_t n;
	struct lite_net_cidr v[LITE_NET_MAX_CIDRS];
};

/*
 * Parse a networkAllowList: IPv4 CIDRs separated by commas (spaces
 * around them ignored); a bare address is /32.  false with why (a
 * one-line message naming the bad item) for anything else: IPv6, host
 * bits set ("10.0.2.2/24"), an empty item, more than LITE_NET_MAX_CIDRS.
 * "" is an empty list.
 */
bool lite_net_parse(const char *s, struct lite_net_allow *out, char *why,
		    size_t size);

/* The list as "10.0.2.2/32,192.168.0.0/16" (malloc'ed; "" when empty). */
char *lite_net_format(const struct lite_net_allow *a);

/* A sandbox's user-mode network process. */
struct lite_net_proc {
	pid_t pid;			/* slirp4netns, 0 = none */
	uint64_t start;			/* its start time */
};

/*
 * Give the sandbox whose pid 1 is init_pid (started at init_start) the
 * network a allows, with slirp (the slirp4netns binary), joining the
 * cgroups cg_fd (entries -1: none).  Waits until the routes are set
 * (at most timeout_ms).  On failure nothing is left running.
 */
enum rv_code lite_net_open(const char *slirp, bool host_only,
			   pid_t init_pid, uint64_t init_start,
			   const struct lite_net_allow *a,
			   const int cg_fd[LITE_CG_N], long timeout_ms,
			   struct lite_net_proc *out, struct rv_err *err);

/* End it (SIGKILL, if it is still the process started) and reap it when
   it is our child.  NULL or pid 0: nothing. */
void lite_net_kill(const struct lite_net_proc *p);

#endif
