/* lite_unix: unix stream sockets by path. */
#include "lite_unix.h"

#include <stdbool.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static bool lite_unix_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path)) {
		errno = ENAMETOOLONG;
		return false;
	}
	strcpy(a->sun_path, path);
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

int lite_unix_listen(const char *path, int backlog)
{
	struct sockaddr_un a;
	int fd;

	if (!lite_unix_addr(&a, path))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (unlink(path) < 0 && errno != ENOENT)
		return lite_unix_fail(fd);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, backlog) < 0)
		return lite_unix_fail(fd);
	return fd;
}

int lite_unix_connect(const char *path)
{
	struct sockaddr_un a;
	int fd;

	if (!lite_unix_addr(&a, path))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	/* a unix stream connect never goes "in progress": done or failed */
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return lite_unix_fail(fd);
	return fd;
}
