/*
 * listen_shim: an LD_PRELOAD library for benchmarks.  It appends two
 * lines to $RV_LISTEN_LOG: "exec <epoch us>" when the process starts and
 * "listen <epoch us>" when listen() returns, so a benchmark knows when
 * the task app started and when it could accept connections, whatever
 * language it is written in.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static void shim_note(const char *what)
{
	const char *path = getenv("RV_LISTEN_LOG");
	struct timespec ts;
	char line[96];
	int fd, n;

	if (!path)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	n = snprintf(line, sizeof(line), "%s %lld %ld\n", what,
		     (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000,
		     (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, line, (size_t)n) < 0)
			n = 0;
		close(fd);
	}
}

__attribute__((constructor)) static void shim_init(void)
{
	shim_note("exec");
}

int listen(int fd, int backlog)
{
	static int (*real)(int, int);
	int rc;

	if (!real)
		real = (int (*)(int, int))dlsym(RTLD_NEXT, "listen");
	rc = real(fd, backlog);
	if (rc == 0)
		shim_note("listen");
	return rc;
}
