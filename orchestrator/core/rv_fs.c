#include "rv_fs.h"

#include "rv_alloc.h"
#include "rv_buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
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
	enum rv_code rc = RV_OK;
	bool ok;

	if (!f) {
		rc = rv_errf(err, RV_ERR_IO, "cannot write '%s': %s", tmp,
			     strerror(errno));
		goto out;
	}
	ok = fill(f, arg) && fflush(f) == 0 && (!sync || fsync(fileno(f)) == 0);
	if (fclose(f) != 0 || !ok) {
		rc = rv_errf(err, RV_ERR_IO, "cannot write '%s': %s", tmp,
			     strerror(errno));
		unlink(tmp);
	} else if (rename(tmp, path) < 0) {
		rc = rv_errf(err, RV_ERR_IO, "cannot rename '%s' to '%s': %s",
			     tmp, path, strerror(errno));
		unlink(tmp);
	}
out:
	free(tmp);
	return rc;
}
