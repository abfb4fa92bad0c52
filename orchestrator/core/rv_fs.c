#include "rv_fs.h"

#include "rv_alloc.h"
#include "rv_buf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

enum rv_code rv_mkdirs(const char *path, mode_t mode, struct rv_err *err)
{
	char *p = rv_xstrdup(path);
	enum rv_code rc = RV_OK;

	for (char *s = p + 1;; s++) {
		char c = *s;

		if (c != '/' && c != '\0')
			continue;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST) {
			rc = rv_errf(err, RV_ERR_IO, "cannot create '%s': %s",
				     p, strerror(errno));
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return rc;
}

int rv_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	bool socket = true;

	while (len > 0) {
		ssize_t n = socket ? send(fd, p, len, MSG_NOSIGNAL) :
			    write(fd, p, len);

		if (n < 0 && errno == ENOTSOCK && socket) {
			socket = false;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

enum rv_code rv_read_fd(int fd, const char *name, size_t max,
			struct rv_buf *out, struct rv_err *err)
{
	struct stat st;
	size_t want = max + 1, got = 0;	/* a stream: one byte past max
					   says it is too large */
	ssize_t n;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		if ((uintmax_t)st.st_size > max)
			goto large;
		want = (size_t)st.st_size;
		rv_buf_grow_max(out, want, out->len + want + 1);
	}
	while (got < want) {
		size_t room;

		rv_buf_grow_max(out, want - got < 65536 ? want - got : 65536,
				out->len + (want - got) + 1);
		room = out->cap - out->len - 1;
		if (room > want - got)
			room = want - got;
		n = read(fd, out->data + out->len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return rv_errf(err, RV_ERR_IO, "cannot read '%s': %s",
				       name, strerror(errno));
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		got += (size_t)n;
		if (got > max)
			goto large;
	}
	return RV_OK;
large:
	return rv_errf(err, RV_ERR_LIMIT, "'%s' is larger than %zu MiB: not a "
		       "file runeval writes", name, max >> 20);
}

enum rv_code rv_read_file(const char *path, size_t max, struct rv_buf *out,
			  struct rv_err *err)
{
	/* no wait on a FIFO planted in its place: not opened for reading
	   until a writer comes, nor read until it closes */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct stat st;
	enum rv_code rc;

	if (fd < 0 || fstat(fd, &st) < 0)
		rc = rv_errf(err, RV_ERR_IO, "cannot read '%s': %s", path,
			     strerror(errno));
	else if (!S_ISREG(st.st_mode))
		rc = rv_errf(err, RV_ERR_IO, "cannot read '%s': not a regular "
			     "file", path);
	else
		rc = rv_read_fd(fd, path, max, out, err);
	if (fd >= 0)
		close(fd);
	return rc;
}

enum rv_code rv_read_input(const char *path, const char *what, size_t max,
			   const volatile int *cancel, struct rv_buf *out,
			   struct rv_err *err)
{
	/*
	 * Opened without waiting (a FIFO that no one writes reads as empty
	 * at once: a signal cannot end a wait in open, SA_RESTART) and read
	 * without blocking, polling between reads: a pipe's writer may
	 * still be writing, and a signal must still end the wait.  Every
	 * file is read to its end, not to its size (/proc says 0).
	 */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	size_t got = 0;
	struct stat st;
	enum rv_code rc = RV_OK;

	if (fd < 0 || fstat(fd, &st) < 0)
		rc = rv_errf(err, RV_ERR_IO, "cannot read %s '%s': %s", what,
			     path, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		rc = rv_errf(err, RV_ERR_IO, "cannot read %s '%s': it is a "
			     "directory", what, path);
	while (rc == RV_OK) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		rv_buf_grow_max(out, 65536, out->len + (max - got) + 2);
		n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n > 0) {
			out->len += (size_t)n;
			out->data[out->len] = '\0';
			got += (size_t)n;
			if (got > max)
				rc = rv_errf(err, RV_ERR_LIMIT, "%s '%s' is "
					     "larger than %zu kB", what, path,
					     max >> 10);
			continue;
		}
		if (n == 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			rc = rv_errf(err, RV_ERR_IO, "cannot read %s '%s': %s",
				     what, path, strerror(errno));
		else if (cancel && *cancel)
			rc = rv_errf(err, RV_ERR_INTR, "interrupted while "
				     "reading %s '%s'", what, path);
		else
			poll(&pfd, 1, 200);
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

off_t rv_read_tail(const char *path, size_t max, struct rv_buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char buf[8192];
	ssize_t n;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0)
		st.st_size = 0;
	if (st.st_size > (off_t)max)
		(void)lseek(fd, st.st_size - (off_t)max, SEEK_SET);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		rv_buf_add(out, buf, (size_t)n);
	close(fd);
	return st.st_size;
}

enum rv_code rv_replace_file(const char *path,
			     bool (*fill)(FILE *f, void *arg), void *arg,
			     bool sync, struct rv_err *err)
{
	char *tmp = rv_xasprintf("%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "we");
	char *buf = NULL;
	enum rv_code rc = RV_OK;
	bool ok;

	if (!f) {	/* the file asked for, not its temporary twin */
		rc = rv_errf(err, RV_ERR_IO, "cannot write '%s': %s", path,
			     strerror(errno));
		goto out;
	}
	/* stdio's 4 KiB would be a write(2) per 4 KiB of a 60 MB result */
	buf = rv_xmalloc(RV_FS_WRITE_BUF);
	setvbuf(f, buf, _IOFBF, RV_FS_WRITE_BUF);
	ok = fill(f, arg) && fflush(f) == 0 && (!sync || fsync(fileno(f)) == 0);
	if (fclose(f) != 0 || !ok) {
		rc = rv_errf(err, RV_ERR_IO, "cannot write '%s': %s", path,
			     strerror(errno));
		unlink(tmp);
	} else if (rename(tmp, path) < 0) {
		rc = rv_errf(err, RV_ERR_IO, "cannot rename '%s' to '%s': %s",
			     tmp, path, strerror(errno));
		unlink(tmp);
	}
out:
	free(buf);
	free(tmp);
	return rc;
}

/* Remove everything inside the directory dfd (which is closed). */
static int rv_remove_inside(int dfd, int depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		close(dfd);
		return -1;
	}
	while ((de = readdir(d))) {
		int sub;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) == 0 || errno == ENOENT)
			continue;
		if (errno != EISDIR || depth > 4096) {
			rc = -1;
			continue;
		}
		sub = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY |
			     O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 && errno == EACCES &&
		    fchmodat(dirfd(d), de->d_name, 0700, 0) == 0)
			sub = openat(dirfd(d), de->d_name, O_RDONLY |
				     O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0 || rv_remove_inside(sub, depth + 1) < 0 ||
		    unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) < 0)
			rc = -1;
	}
	closedir(d);
	return rc;
}

enum rv_code rv_remove_tree(const char *path, struct rv_err *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return RV_OK;
		/* a file, or a link: the name goes, never what it points to */
		if ((errno == ENOTDIR || errno == ELOOP) && unlink(path) == 0)
			return RV_OK;
		return rv_errf(err, RV_ERR_IO, "cannot remove '%s': %s", path,
			       strerror(errno));
	}
	if (rv_remove_inside(fd, 0) < 0 || rmdir(path) < 0)
		return rv_errf(err, RV_ERR_IO, "cannot remove '%s' entirely: "
			       "%s", path, strerror(errno));
	return RV_OK;
}

char *rv_state_dir(void)
{
	const char *e = getenv("RUNEVAL_STATE_DIR");

	if (e && *e)
		return rv_xstrdup(e);
	e = getenv("XDG_STATE_HOME");
	if (e && *e == '/')
		return rv_xasprintf("%s/runeval", e);
	e = getenv("HOME");
	if (e && *e == '/')
		return rv_xasprintf("%s/.local/state/runeval", e);
	return rv_xasprintf("/tmp/runeval-state-%ld", (long)getuid());
}

char *rv_find_program(const char *name)
{
	char exe[PATH_MAX], *path;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *dirs = getenv("PATH");

	if (n > 0) {
		exe[n] = '\0';
		path = rv_xasprintf("%s/%s", dirname(exe), name);
		if (access(path, X_OK) == 0)
			return path;
		free(path);
	}
	while (dirs && *dirs) {
		size_t len = strcspn(dirs, ":");

		path = rv_xasprintf("%.*s/%s", (int)len, dirs, name);
		if (len && path[0] == '/' && access(path, X_OK) == 0)
			return path;
		free(path);
		dirs += len + (dirs[len] == ':');
	}
	return rv_xstrdup(name);
}

long rv_self_status_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	size_t n = strlen(field);
	char line[128];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':' &&
		    sscanf(line + n + 1, "%ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

enum rv_code rv_lock_dir(const char *path, int *fd, struct rv_err *err)
{
	int e;

	*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0 || flock(*fd, LOCK_EX | LOCK_NB) == 0)
		return RV_OK;
	e = errno;
	close(*fd);
	*fd = -1;
	if (e != EWOULDBLOCK)
		return RV_OK;	/* no flock here: nothing guards it */
	return rv_errf(err, RV_ERR_USAGE, "results directory '%s' is in use "
		       "by another runeval (a job, a resume or several "
		       "providers running there): wait for it to end, or use "
		       "another results directory", path);
}
