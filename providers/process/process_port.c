/*
 * process_port: whether the socket listening on a TCP port of this host
 * belongs to a process group (see process.h).
 */
#include "process.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * Inodes of the TCP sockets of family listening on port, asked of the
 * kernel through sock_diag (reading /proc/net/tcp walks every socket of
 * the host and can take milliseconds).  false when netlink is refused.
 */
static bool process_diag_listen(int family, int port, unsigned long *ino,
				size_t max, size_t *n)
{
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req = {
		.nlh = { .nlmsg_len = sizeof(req),
			 .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP },
		.r = { .sdiag_family = (unsigned char)family,
		       .sdiag_protocol = IPPROTO_TCP,
		       .idiag_states = 1u << TCP_LISTEN },
	};
	long buf[2048];
	bool ok = false, done = false;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
			NETLINK_SOCK_DIAG);

	if (fd < 0)
		return false;
	if (send(fd, &req, sizeof(req), 0) < 0)
		goto out;
	while (!done) {
		ssize_t len = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		if (len <= 0)
			goto out;
		for (; NLMSG_OK(h, (size_t)len); h = NLMSG_NEXT(h, len)) {
			struct inet_diag_msg *m = NLMSG_DATA(h);

			if (h->nlmsg_type == NLMSG_ERROR)
				goto out;
			if (h->nlmsg_type == NLMSG_DONE) {
				done = true;
				break;
			}
			if (ntohs(m->id.idiag_sport) == port && *n < max)
				ino[(*n)++] = m->idiag_inode;
		}
	}
	ok = true;
out:
	close(fd);
	return ok;
}

/* The same from /proc/net/tcp{,6}, where netlink is not allowed. */
static bool process_proc_listen(int port, unsigned long *ino, size_t max,
				size_t *n)
{
	static const char *const files[] = { "/proc/net/tcp",
					     "/proc/net/tcp6" };
	bool readable = false;
	char line[512];

	for (size_t i = 0; i < 2; i++) {
		FILE *f = fopen(files[i], "r");

		if (!f)
			continue;
		readable = true;
		while (fgets(line, sizeof(line), f) && *n < max) {
			char local[64];
			unsigned st, lport;
			unsigned long inode;
			char *colon;

			if (sscanf(line, " %*s %63s %*s %x %*s %*s %*s %*s %*s "
				   "%lu", local, &st, &inode) != 3 || st != 0x0A)
				continue;
			colon = strrchr(local, ':');
			if (!colon || sscanf(colon + 1, "%x", &lport) != 1 ||
			    (int)lport != port)
				continue;
			ino[(*n)++] = inode;
		}
		fclose(f);
	}
	return readable;
}

/* Inodes of the sockets listening on port; false when it cannot tell. */
static bool process_listen_inodes(int port, unsigned long *ino, size_t max,
				  size_t *n)
{
	*n = 0;
	if (process_diag_listen(AF_INET, port, ino, max, n) &&
	    process_diag_listen(AF_INET6, port, ino, max, n))
		return true;
	*n = 0;
	return process_proc_listen(port, ino, max, n);
}

/* Does process pid hold one of the n socket inodes? */
static bool process_holds(long pid, const unsigned long *ino, size_t n)
{
	char path[64], link[64];
	struct dirent *de;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
	d = opendir(path);
	while (d && !found && (de = readdir(d))) {
		char fdpath[384];
		ssize_t len;
		unsigned long v;

		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, de->d_name);
		len = readlink(fdpath, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%lu]", &v) != 1)
			continue;
		for (size_t i = 0; i < n && !found; i++)
			found = ino[i] == v;
	}
	if (d)
		closedir(d);
	return found;
}

/* Process group of pid from /proc/PID/stat, or -1. */
static long process_pgrp(long pid)
{
	char path[64], buf[512];
	const char *paren;
	long pgrp = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f)) {
		paren = strrchr(buf, ')');	/* the name may hold spaces */
		if (!paren || sscanf(paren + 1, " %*c %*d %ld", &pgrp) != 1)
			pgrp = -1;
	}
	fclose(f);
	return pgrp;
}

/*
 * Does pid or one of its descendants hold one of the inodes?  Walks
 * /proc/PID/task/TID/children (a few files, where a scan of every
 * process reads hundreds).
 */
static bool process_tree_holds(long pid, const unsigned long *ino, size_t n)
{
	long stack[256];
	size_t top = 0, seen = 0;

	stack[top++] = pid;
	while (top && seen++ < 1024) {
		long cur = stack[--top];
		char path[96];
		struct dirent *de;
		DIR *d;

		if (process_holds(cur, ino, n))
			return true;
		snprintf(path, sizeof(path), "/proc/%ld/task", cur);
		d = opendir(path);
		while (d && (de = readdir(d))) {
			char cpath[384];
			long child;
			FILE *f;

			if (de->d_name[0] == '.')
				continue;
			snprintf(cpath, sizeof(cpath), "%s/%s/children", path,
				 de->d_name);
			f = fopen(cpath, "r");
			if (!f)
				continue;
			while (fscanf(f, "%ld", &child) == 1 &&
			       top < sizeof(stack) / sizeof(stack[0]))
				stack[top++] = child;
			fclose(f);
		}
		if (d)
			closedir(d);
	}
	return false;
}

bool process_group_owns_port(pid_t pgid, int port)
{
	unsigned long ino[16];
	bool found;
	struct dirent *de;
	size_t n;
	DIR *d;

	if (!process_listen_inodes(port, ino, 16, &n))
		return true;
	if (!n)
		return false;
	/* the leader or a descendant, usually; else anything in the group
	   (orphans re-parented to us) */
	found = process_tree_holds(pgid, ino, n);
	d = found ? NULL : opendir("/proc");
	while (d && !found && (de = readdir(d))) {
		long pid = strtol(de->d_name, NULL, 10);

		if (pid > 0 && pid != pgid && process_pgrp(pid) == pgid)
			found = process_holds(pid, ino, n);
	}
	if (d)
		closedir(d);
	return found;
}
