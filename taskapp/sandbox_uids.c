/* sandbox_uids: a uid range of the host's own per task app (sandbox_int.h). */
#include "sandbox_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int uids_fd = -1;	/* the claimed range's locked file */
static unsigned uids_base = SBX_UID_BASE_DEFAULT;

/* The directory of the ranges' files, opened, when only we may write it. */
static int uids_dir(char *why, size_t size)
{
	struct stat st;
	int fd;

	if (mkdir(SBX_UIDS_DIR, 0700) < 0 && errno != EEXIST) {
		snprintf(why, size, "cannot make %s: %s", SBX_UIDS_DIR,
			 strerror(errno));
		return -1;
	}
	fd = open(SBX_UIDS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		  O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, size, "cannot open %s: %s", SBX_UIDS_DIR,
			 strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || st.st_uid != geteuid() ||
	    (st.st_mode & 022)) {
		snprintf(why, size, "%s is not a directory only this user "
			 "may write", SBX_UIDS_DIR);
		close(fd);
		return -1;
	}
	return fd;
}

unsigned sbx_uids_claim(char *why, size_t why_size)
{
	char name[16];
	int dir;

	if (why_size)
		why[0] = '\0';
	if (uids_fd >= 0)
		return uids_base;
	dir = uids_dir(why, why_size);
	for (unsigned k = 0; dir >= 0 && k < SBX_UID_RANGES; k++) {
		unsigned base = k ? SBX_UID_BASE_MORE + (k - 1) * SBX_UID_SLOTS :
			SBX_UID_BASE_DEFAULT;
		int fd, e;

		snprintf(name, sizeof(name), "%u", base);
		fd = openat(dir, name, O_RDWR | O_CREAT | O_NOFOLLOW |
			    O_CLOEXEC, 0600);
		if (fd < 0) {
			snprintf(why, why_size, "cannot open %s/%s: %s",
				 SBX_UIDS_DIR, name, strerror(errno));
			break;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			close(dir);
			uids_fd = fd;
			uids_base = base;
			return base;
		}
		e = errno;
		close(fd);
		if (e != EWOULDBLOCK) {
			snprintf(why, why_size, "cannot lock %s/%s: %s",
				 SBX_UIDS_DIR, name, strerror(e));
			break;
		}
		if (k + 1 == SBX_UID_RANGES)
			snprintf(why, why_size, "other task apps hold all %d "
				 "uid ranges", SBX_UID_RANGES);
	}
	if (dir >= 0)
		close(dir);
	return SBX_UID_BASE_DEFAULT;
}

void sbx_uids_release(void)
{
	if (uids_fd >= 0)
		close(uids_fd);
	uids_fd = -1;
	uids_base = SBX_UID_BASE_DEFAULT;
}
