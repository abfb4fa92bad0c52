/* lite_box's files: host set-up, per-sandbox directories, removal. */
#include "lite_box.h"

#include "rv_alloc.h"
#include "rv_fs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>


bool lite_env_name_ok(const char *name)
{
	if (!name[0] || isdigit((unsigned char)name[0]))
		return false;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

char *lite_box_path(const struct lite_box_host *h, const char *id,
		    const char *leaf)
{
	return rv_xasprintf("%s/%s%s%s", h->dir, id, leaf ? "/" : "",
			    leaf ? leaf : "");
}

static char *lite_find_in_path(const char *name)
{
	const char *path = getenv("PATH");
	const char *p;

	if (strchr(name, '/'))
		return access(name, X_OK) ? NULL : rv_xstrdup(name);
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p;) {
		size_t n = strcspn(p, ":");
		char *cand = rv_xasprintf("%.*s/%s", (int)n, p, name);

		if (n && access(cand, X_OK) == 0)
			return cand;
		free(cand);
		p += n;
		if (*p == ':')
			p++;
	}
	return NULL;
}

static enum rv_code lite_write_text(const char *path, const char *text,
				    struct rv_err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(text);
	enum rv_code rc = RV_OK;

	if (fd < 0 || rv_write_all(fd, text, len) < 0)
		rc = rv_errf(err, RV_ERR_IO, "cannot write '%s': %s", path,
			     strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

/*
 * Copy the running program next to the passwd file: sandboxes run that
 * copy, which a rebuild of the server (a new file where the old one
 * was) cannot pull away from under a running server.
 */
static enum rv_code lite_copy_self(const char *dst, struct rv_err *err)
{
	char *tmp = rv_xasprintf("%s.tmp", dst);
	int in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	enum rv_code rc = RV_OK;
	struct stat st;
	off_t off = 0;

	if (in < 0 || out < 0 || fstat(in, &st) < 0) {
		rc = rv_errf(err, RV_ERR_IO, "cannot copy this program to "
			     "'%s': %s", dst, strerror(errno));
		goto out;
	}
	while (off < st.st_size) {
		ssize_t n = sendfile(out, in, &off, (size_t)(st.st_size - off));

		if (n <= 0) {
			rc = rv_errf(err, RV_ERR_IO, "cannot copy this program "
				     "to '%s': %s", dst, n < 0 ?
				     strerror(errno) : "short copy");
			goto out;
		}
	}
	if (fchmod(out, 0755) < 0 || rename(tmp, dst) < 0)
		rc = rv_errf(err, RV_ERR_IO, "cannot install '%s': %s", dst,
			     strerror(errno));
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

enum rv_code lite_box_host_init(struct lite_box_host *h,
				const struct lite_box_daemon *d,
				const char *dir, const char *etc_dir,
				const struct lite_box_opts *o,
				struct rv_err *err)
{
	enum rv_code rc = RV_OK;
	char *passwd = rv_xasprintf(
		"root:x:0:0:root:/root:/bin/bash\n"
		"%s:x:1000:1000:%s:%s:/bin/bash\n"
		"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
		d->user, d->user, d->home);
	char *group = rv_xasprintf("root:x:0:\n%s:x:1000:\nnogroup:x:65534:\n",
				   d->user);

	memset(h, 0, sizeof(*h));
	h->dir = rv_xstrdup(dir);
	h->daemon = d;
	h->passwd = rv_xasprintf("%s/passwd", etc_dir);
	h->group = rv_xasprintf("%s/group", etc_dir);
	h->drop_ids = geteuid() == 0;
	h->uid = o->uid;
	h->gid = o->gid;
	h->uids = o->uids;
	h->pids = o->pids;
	h->start_timeout_ms = o->start_timeout_ms;
	h->bwrap = lite_find_in_path(o->bwrap ? o->bwrap : "bwrap");
	h->slirp = lite_find_in_path(o->slirp ? o->slirp : "slirp4netns");
	h->net_host_only = o->net_host_only;
	h->exe = rv_xasprintf("%s/%s", etc_dir, d->prog);
	if (!h->bwrap) {
		rc = rv_errf(err, RV_ERR_CONFIG, "cannot find '%s' (install "
			     "the Debian package 'bubblewrap')",
			     o->bwrap ? o->bwrap : "bwrap");
	} else if ((mkdir(dir, 0700) < 0 && errno != EEXIST) ||
		   (mkdir(etc_dir, 0755) < 0 && errno != EEXIST)) {
		rc = rv_errf(err, RV_ERR_IO, "cannot create '%s': %s", dir,
			     strerror(errno));
	} else {
		rc = lite_copy_self(h->exe, err);
		if (rc == RV_OK)
			rc = lite_write_text(h->passwd, passwd, err);
		if (rc == RV_OK)
			rc = lite_write_text(h->group, group, err);
	}
	free(passwd);
	free(group);
	if (rc == RV_OK && h->drop_ids)
		lite_cgroups_init(&h->cg, d->prog, dir);
	if (rc)
		lite_box_host_release(h);
	return rc;
}

void lite_box_host_release(struct lite_box_host *h)
{
	lite_cgroups_release(&h->cg, true);
	free(h->bwrap);
	free(h->slirp);
	free(h->dir);
	free(h->exe);
	free(h->passwd);
	free(h->group);
	memset(h, 0, sizeof(*h));
}

/*
 * Mark in busy[] the uids of h's range that a process of this host runs
 * as (another daytona-lite's sandbox, say): a uid is a sandbox's own
 * process budget only if nothing else holds it.
 */
static void lite_box_host_uids(const struct lite_box_host *h, bool *busy)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	struct stat st;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9' ||
		    fstatat(dirfd(d), de->d_name, &st, 0) < 0)
			continue;
		if (st.st_uid >= h->uid && st.st_uid - h->uid < h->uids)
			busy[st.st_uid - h->uid] = true;
	}
	if (d)
		closedir(d);
}

bool lite_box_pick_ids(const struct lite_box_host *h,
		       bool (*used)(long uid, void *arg), void *arg,
		       struct lite_box_limits *lim)
{
	bool *busy, found = false;

	lim->uid = lim->gid = -1;
	if (!h->drop_ids)
		return true;
	busy = rv_xcalloc(h->uids ? h->uids : 1, sizeof(*busy));
	lite_box_host_uids(h, busy);
	for (unsigned i = 0; i < h->uids && !found; i++) {
		if (busy[i] || used((long)h->uid + i, arg))
			continue;
		lim->uid = (long)h->uid + i;
		lim->gid = (long)h->gid + i;
		found = true;
	}
	free(busy);
	return found;
}

enum rv_code lite_box_remove(const struct lite_box_host *h, const char *id,
			     struct rv_err *err)
{
	char *path = lite_box_path(h, id, NULL);
	enum rv_code rc = rv_remove_tree(path, err);

	free(path);
	return rc;
}
