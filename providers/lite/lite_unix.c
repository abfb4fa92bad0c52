/* lite_unix: unix stream sockets by path. */
#include "lite_unix.h"

#include <stdbool.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/*
 * The address of path.  A path longer than a socket address holds (a deep
 * state directory) is reached through its directory, held open in *dirfd
 * (close it after the call): "/proc/self/fd/N/name" names the same file
 * and never follows anything but our own descriptor.
 */
static bool lite_unix_addr(struct sockaddr_un *a, const char *path,
			   int *dirfd)
{
	const char *slash = strrchr(path, '/');
	char *dir;

	*dirfd = -1;
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) < sizeof(a->sun_path)) {
		strcpy(a->sun_path, path);
		return true;
	}
	if (!slash || strlen(slash) > sizeof(a->sun_path) - 32) {
		errno = ENAMETOOLONG;
		return false;
	}
	dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
	if (!dir)
		return false;
	*dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (*dirfd < 0)
		return false;
	snprintf(a->sun_path, sizeof(a->sun_path), "/proc/self/fd/%d%s",
		 *dirfd, slash);
	return true;
}

/* Close fd keeping errno, and return -1. */
static int lite_unix_fail(int fd)
{
	int e = errno;

	close(fd);
	errno = e;
	return -1;
}

/* Close a directory descriptor of lite_unix_addr(), keeping errno. */
static void lite_unix_dir_close(int dirfd)
{
	int e = errno;

	if (dirfd >= 0)
		close(dirfd);
	errno = e;
}

int lite_unix_listen(const char *path, int backlog)
{
	struct sockaddr_un a;
	int fd, dirfd;

	if (!lite_unix_addr(&a, path, &dirfd))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && ((unlink(path) < 0 && errno != ENOENT) ||
			bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
			listen(fd, backlog) < 0))
		fd = lite_unix_fail(fd);
	lite_unix_dir_close(dirfd);
	return fd;
}

int lite_unix_connect(const char *path)
{
	struct sockaddr_un a;
	int fd, dirfd;

	if (!lite_unix_addr(&a, path, &dirfd))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	/* a unix stream connect never goes "in progress": done or failed */
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		fd = lite_unix_fail(fd);
	lite_unix_dir_close(dirfd);
	return fd;
}

int lite_fd_high(int fd)
{
	int hi;

	if (fd < 0)
		return -1;
	hi = fcntl(fd, F_DUPFD_CLOEXEC, 16);
	close(fd);
	return hi;
}
