/* lite_cgroup: per-sandbox cgroups (v1 pids, memory, cpu). */
#include "lite_cgroup.h"

#include "lite_http.h"
#include "rv_alloc.h"
#include "rv_buf.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const lite_cg_names[LITE_CG_N] = {
	[LITE_CG_PIDS] = "pids",
	[LITE_CG_MEMORY] = "memory",
	[LITE_CG_CPU] = "cpu",
};

const char *lite_cg_name(enum lite_cg_ctl c)
{
	return lite_cg_names[c];
}

/*
 * The v1 hierarchy of controller name in /proc/self/mountinfo: its mount
 * point and the cgroup path mounted there (malloc'ed).
 */
static bool lite_cg_mount(const char *name, char **mnt, char **root)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f)) {
		char r[1024], m[1024], type[64], opts[1024];
		const char *dash = strstr(line, " - ");

		if (!dash ||
		    sscanf(line, "%*s %*s %*s %1023s %1023s", r, m) != 2 ||
		    sscanf(dash + 3, "%63s %*s %1023s", type, opts) != 2 ||
		    strcmp(type, "cgroup") || !lite_list_has(opts, name))
			continue;
		*mnt = rv_xstrdup(m);
		*root = rv_xstrdup(r);
		found = true;
	}
	if (f)
		fclose(f);
	return found;
}

/* Our cgroup path in the hierarchy of controller name (malloc'ed). */
static char *lite_cg_self(const char *name)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];
	char *path = NULL;

	while (f && !path && fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *p;

		if (!ctl || !(p = strchr(ctl + 1, ':')))
			continue;
		*p = '\0';
		if (lite_list_has(ctl + 1, name)) {
			p[1 + strcspn(p + 1, "\n")] = '\0';
			path = rv_xstrdup(p + 1);
		}
	}
	if (f)
		fclose(f);
	return path;
}

/* The server's parent for one controller, or NULL with *why. */
static char *lite_cg_parent(const char *name, const char *leaf, char **why)
{
	char *mnt = NULL, *root = NULL, *self = lite_cg_self(name);
	char *dir = NULL;
	size_t rlen;

	if (!self || !lite_cg_mount(name, &mnt, &root)) {
		*why = rv_xasprintf("no cgroup v1 '%s' hierarchy", name);
		goto out;
	}
	rlen = strcmp(root, "/") ? strlen(root) : 0;
	if (strncmp(self, root, rlen) || (self[rlen] && self[rlen] != '/')) {
		*why = rv_xasprintf("own '%s' cgroup is not visible", name);
		goto out;
	}
	dir = rv_xasprintf("%s%s/%s", mnt, self + rlen, leaf);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		*why = rv_xasprintf("cannot create '%s': %s", dir,
				    strerror(errno));
		free(dir);
		dir = NULL;
	}
out:
	free(mnt);
	free(root);
	free(self);
	return dir;
}

void lite_cgroups_init(struct lite_cgroups *cg, const char *prog,
		       const char *state_dir)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */
	char leaf[64];

	memset(cg, 0, sizeof(*cg));
	for (const char *p = state_dir; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
	snprintf(leaf, sizeof(leaf), "%.40s-%016" PRIx64, prog, h);
	for (int c = 0; c < LITE_CG_N; c++)
		cg->dir[c] = lite_cg_parent(lite_cg_names[c], leaf,
					    &cg->why[c]);
}

void lite_cgroups_release(struct lite_cgroups *cg, bool remove)
{
	for (int c = 0; c < LITE_CG_N; c++) {
		if (remove && cg->dir[c])
			rmdir(cg->dir[c]);
		free(cg->dir[c]);
		free(cg->why[c]);
	}
	memset(cg, 0, sizeof(*cg));
}

/* Write text to dir/file; 0 or an errno. */
static int lite_cg_write(const char *dir, const char *file, const char *text)
{
	char *path = rv_xasprintf("%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC), e = 0;

	free(path);
	if (fd < 0)
		return errno;
	if (write(fd, text, strlen(text)) < 0)
		e = errno;
	if (close(fd) < 0 && !e)
		e = errno;
	return e;
}

/* SIGKILL every process in cgroup dir, then remove it (a few tries). */
static void lite_cg_destroy(const char *dir)
{
	char *procs = rv_xasprintf("%s/cgroup.procs", dir);

	for (int i = 0; i < 200 && rmdir(dir) < 0 && errno == EBUSY; i++) {
		FILE *f = fopen(procs, "re");
		long pid;

		while (f && fscanf(f, "%ld", &pid) == 1)
			if (pid > 1)
				kill((pid_t)pid, SIGKILL);
		if (f)
			fclose(f);
		usleep(10000);
	}
	free(procs);
}

/* Set controller c's limit in dir; 0 when nothing was asked, 1 set, -errno. */
static int lite_cg_limit(enum lite_cg_ctl c, const char *dir,
			 const struct lite_cg_limits *lim)
{
	char v[32];
	int e = 0;

	switch (c) {
	case LITE_CG_PIDS:
		if (lim->pids <= 0)
			return 0;
		snprintf(v, sizeof(v), "%ld", lim->pids);
		e = lite_cg_write(dir, "pids.max", v);
		break;
	case LITE_CG_MEMORY:
		if (!lim->memory)
			return 0;
		snprintf(v, sizeof(v), "%" PRIu64, lim->memory);
		e = lite_cg_write(dir, "memory.limit_in_bytes", v);
		/* and no swap beyond it, where swap is accounted */
		if (!e) {
			int m = lite_cg_write(dir,
					      "memory.memsw.limit_in_bytes", v);

			e = m == ENOENT ? 0 : m;
		}
		break;
	case LITE_CG_CPU:
		if (lim->cpu_millis <= 0)
			return 0;
		snprintf(v, sizeof(v), "%ld", lim->cpu_millis * 100);
		e = lite_cg_write(dir, "cpu.cfs_period_us", "100000");
		if (!e)
			e = lite_cg_write(dir, "cpu.cfs_quota_us", v);
		break;
	default:
		return 0;
	}
	return e ? -e : 1;
}

void lite_cgroups_note(char **notes, const char *fmt, ...)
{
	struct rv_buf buf = RV_BUF_INIT;
	va_list ap;

	if (*notes) {
		rv_buf_adds(&buf, *notes);
		rv_buf_adds(&buf, "; ");
		free(*notes);
	}
	va_start(ap, fmt);
	rv_buf_vaddf(&buf, fmt, ap);
	va_end(ap);
	*notes = rv_buf_detach(&buf, NULL);
}

/* mkdir dir, and its parent should somebody have removed it; an errno. */
static int lite_cg_mkdir(const char *parent, const char *dir)
{
	if (mkdir(dir, 0755) == 0)
		return 0;
	if (errno == ENOENT && mkdir(parent, 0755) == 0 &&
	    mkdir(dir, 0755) == 0)
		return 0;
	return errno;
}

void lite_cgroups_create(const struct lite_cgroups *cg, const char *id,
			 const struct lite_cg_limits *lim, int fds[LITE_CG_N],
			 bool applied[LITE_CG_N], char **notes)
{
	for (int c = 0; c < LITE_CG_N; c++) {
		char *dir, *procs;
		int r;

		fds[c] = -1;
		applied[c] = false;
		if (!cg->dir[c])
			continue;
		dir = rv_xasprintf("%s/%s", cg->dir[c], id);
		lite_cg_destroy(dir);	/* a stale one */
		r = lite_cg_mkdir(cg->dir[c], dir);
		if (r) {
			lite_cgroups_note(notes, "cannot create cgroup '%s': "
					  "%s", dir, strerror(r));
			free(dir);
			continue;
		}
		r = lite_cg_limit((enum lite_cg_ctl)c, dir, lim);
		if (r < 0)
			lite_cgroups_note(notes, "cannot set the '%s' limit: "
					  "%s", lite_cg_names[c], strerror(-r));
		procs = rv_xasprintf("%s/cgroup.procs", dir);
		if (r > 0)
			fds[c] = open(procs, O_WRONLY | O_CLOEXEC);
		applied[c] = fds[c] >= 0;
		free(procs);
		free(dir);
	}
}

int lite_cgroups_join(const int fds[LITE_CG_N])
{
	for (int c = 0; c < LITE_CG_N; c++)
		if (fds[c] >= 0 && write(fds[c], "0", 1) != 1)
			return -1;
	return 0;
}

void lite_cgroups_remove(const struct lite_cgroups *cg, const char *id)
{
	for (int c = 0; c < LITE_CG_N; c++) {
		char *dir;

		if (!cg->dir[c])
			continue;
		dir = rv_xasprintf("%s/%s", cg->dir[c], id);
		lite_cg_destroy(dir);
		free(dir);
	}
}

void lite_cgroups_prune(const struct lite_cgroups *cg,
			bool (*keep)(const char *id, void *arg), void *arg)
{
	for (int c = 0; c < LITE_CG_N; c++) {
		DIR *d = cg->dir[c] ? opendir(cg->dir[c]) : NULL;
		struct dirent *de;

		while (d && (de = readdir(d))) {
			char *dir;

			if (de->d_type != DT_DIR || de->d_name[0] == '.' ||
			    keep(de->d_name, arg))
				continue;
			dir = rv_xasprintf("%s/%s", cg->dir[c], de->d_name);
			lite_cg_destroy(dir);
			free(dir);
		}
		if (d)
			closedir(d);
	}
}
