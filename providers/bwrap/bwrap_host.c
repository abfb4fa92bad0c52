/* bwrap's engine host, sandbox records and id locks. */
#include "bwrap.h"
#include "bwrap_int.h"

#include "rv_alloc.h"
#include "rv_fs.h"
#include "rv_json.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define BWRAP_UID 1910000000u
#define BWRAP_UIDS 4096u
#define BWRAP_PIDS 1024
#define BWRAP_START_TIMEOUT_MS 60000

static pthread_mutex_t bwrap_lock = PTHREAD_MUTEX_INITIALIZER;
static struct lite_box_host bwrap_box;
static char *bwrap_etc;
static int bwrap_etc_lock = -1;	/* held while it is ours (the sweep) */
static unsigned bwrap_refs;

char *bwrap_state_root(void)
{
	char *state = rv_state_dir();
	char *root = rv_xasprintf("%s/bwrap", state);

	free(state);
	return root;
}

/*
 * The .host-<pid> directories (each a toolbox's copy, a megabyte) of
 * runevals that ended without bwrap_host_put() (killed): removed.  One
 * whose process lives or whose lock is held (its owner, in another pid
 * namespace) stays.
 */
static void bwrap_sweep_hosts(const char *root)
{
	DIR *d = opendir(root);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		struct rv_err e = RV_ERR_INIT;
		char *end, *path;
		long pid;
		int fd = -1;

		if (strncmp(de->d_name, ".host-", strlen(".host-")))
			continue;
		errno = 0;
		pid = strtol(de->d_name + strlen(".host-"), &end, 10);
		if (errno || *end || pid <= 0 || pid == (long)getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		path = rv_xasprintf("%s/%s", root, de->d_name);
		if (rv_lock_dir(path, &fd, &e) == RV_OK && fd >= 0)
			rv_remove_tree(path, NULL);
		if (fd >= 0)
			close(fd);
		free(path);
	}
	if (d)
		closedir(d);
}

struct lite_box_host *bwrap_host_get(struct rv_err *err)
{
	struct lite_box_opts o = {
		.bwrap = getenv("RUNEVAL_BWRAP"), .uid = BWRAP_UID,
		.gid = BWRAP_UID, .uids = BWRAP_UIDS, .pids = BWRAP_PIDS,
		.start_timeout_ms = BWRAP_START_TIMEOUT_MS,
	};
	struct lite_box_host *h = NULL;
	char *root, *exe;

	pthread_mutex_lock(&bwrap_lock);
	if (bwrap_refs) {
		bwrap_refs++;
		h = &bwrap_box;
		goto out;
	}
	if (o.bwrap && !*o.bwrap)
		o.bwrap = NULL;
	root = bwrap_state_root();
	/* the sandboxes' files: this process's own copy of the toolbox */
	bwrap_etc = rv_xasprintf("%s/.host-%ld", root, (long)getpid());
	exe = getenv("RUNEVAL_DAYTONA_LITE") && *getenv("RUNEVAL_DAYTONA_LITE") ?
		rv_xstrdup(getenv("RUNEVAL_DAYTONA_LITE")) :
		rv_find_program("daytona-lite");
	o.exe = exe;
	if (!strchr(exe, '/'))
		rv_errf(err, RV_ERR_CONFIG, "cannot find 'daytona-lite' (the "
			"sandbox engine's toolbox) next to runeval or in PATH; "
			"set RUNEVAL_DAYTONA_LITE");
	else if (rv_mkdirs(bwrap_etc, 0700, err) == RV_OK) {
		struct rv_err e = RV_ERR_INIT;

		/* ours, locked before anything is in it: another runeval's
		   sweep leaves it alone from the start */
		if (rv_lock_dir(bwrap_etc, &bwrap_etc_lock, &e) != RV_OK)
			bwrap_etc_lock = -1;
		bwrap_sweep_hosts(root);
		if (lite_box_host_init(&bwrap_box, &lite_box_toolbox, root,
				       bwrap_etc, &o, err) == RV_OK)
			h = &bwrap_box;
	}
	if (h)
		bwrap_refs = 1;
	else
		rv_remove_tree(bwrap_etc, NULL);
	if (!h) {
		if (bwrap_etc_lock >= 0)
			close(bwrap_etc_lock);
		bwrap_etc_lock = -1;
		free(bwrap_etc);
		bwrap_etc = NULL;
	}
	free(exe);
	free(root);
out:
	pthread_mutex_unlock(&bwrap_lock);
	return h;
}

void bwrap_host_put(void)
{
	pthread_mutex_lock(&bwrap_lock);
	if (bwrap_refs && !--bwrap_refs) {
		lite_box_host_release(&bwrap_box);
		rv_remove_tree(bwrap_etc, NULL);
		if (bwrap_etc_lock >= 0)
			close(bwrap_etc_lock);
		bwrap_etc_lock = -1;
		free(bwrap_etc);
		bwrap_etc = NULL;
	}
	pthread_mutex_unlock(&bwrap_lock);
}

/* --- ids ------------------------------------------------------------------ */

struct bwrap_pick {
	char *dir;
	int fd;
};

/* Taken unless its lock file is ours now (then kept in pk->fd). */
static bool bwrap_id_used(long uid, void *arg)
{
	struct bwrap_pick *pk = arg;
	char *path = rv_xasprintf("%s/%ld.lock", pk->dir, uid);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

	free(path);
	if (fd < 0)
		return true;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return true;
	}
	pk->fd = fd;
	return false;
}

bool bwrap_ids_pick(const struct lite_box_host *h,
		    struct lite_box_limits *lim, int *lock_fd)
{
	struct bwrap_pick pk = { rv_xasprintf("%s/.ids", h->dir), -1 };
	bool ok;

	*lock_fd = -1;
	if (h->drop_ids && mkdir(pk.dir, 0700) < 0 && errno != EEXIST) {
		free(pk.dir);
		return false;
	}
	ok = lite_box_pick_ids(h, bwrap_id_used, &pk, lim);
	*lock_fd = pk.fd;
	free(pk.dir);
	return ok;
}

void bwrap_ids_release(int lock_fd)
{
	if (lock_fd >= 0)
		close(lock_fd);
}

/* --- records ---------------------------------------------------------------- */

enum rv_code bwrap_record_write(const struct lite_box_host *h,
				const struct bwrap_record *r,
				struct rv_err *err)
{
	char *path = lite_box_path(h, r->id, "box.json");
	json_t *o = json_pack("{s:s, s:s?, s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
		"id", r->id, "name", r->name, "job", r->job,
		"bwrap_pid", (json_int_t)r->proc.bwrap_pid,
		"bwrap_start", (json_int_t)r->proc.bwrap_start,
		"init_pid", (json_int_t)r->proc.init_pid,
		"init_start", (json_int_t)r->proc.init_start,
		"uid", (json_int_t)r->uid, "gid", (json_int_t)r->gid);
	enum rv_code rc;

	rc = rv_json_write_file(path, o, err);
	json_decref(o);
	free(path);
	return rc;
}

enum rv_code bwrap_record_read(const struct lite_box_host *h, const char *id,
			       struct bwrap_record *r, struct rv_err *err)
{
	char *path = lite_box_path(h, id, "box.json");
	json_t *o = NULL;
	enum rv_code rc = RV_OK;

	memset(r, 0, sizeof(*r));
	/* an id is one path component: never a way out of the root */
	if (!*id || strchr(id, '/') || id[0] == '.')
		rc = rv_errf(err, RV_ERR_NOTFOUND, "no bwrap sandbox '%s'", id);
	else if (access(path, F_OK) < 0)
		rc = rv_errf(err, RV_ERR_NOTFOUND, "no bwrap sandbox '%s'", id);
	else if (!(o = rv_json_load_file(path, err)))
		rc = err ? err->code : RV_ERR_IO;
	if (rc == RV_OK && (!rv_json_str(o, "id") || !rv_json_str(o, "job")))
		rc = rv_errf(err, RV_ERR_PROTO, "'%s': not a sandbox record",
			     path);
	if (rc == RV_OK) {
		r->id = rv_xstrdup(rv_json_str(o, "id"));
		r->name = rv_xstrdup(rv_json_str(o, "name"));
		r->job = rv_xstrdup(rv_json_str(o, "job"));
		r->proc.bwrap_pid = (pid_t)rv_json_int(o, "bwrap_pid", 0);
		r->proc.bwrap_start = (uint64_t)rv_json_int(o, "bwrap_start", 0);
		r->proc.init_pid = (pid_t)rv_json_int(o, "init_pid", 0);
		r->proc.init_start = (uint64_t)rv_json_int(o, "init_start", 0);
		r->uid = (long)rv_json_int(o, "uid", -1);
		r->gid = (long)rv_json_int(o, "gid", -1);
	}
	json_decref(o);
	free(path);
	return rc;
}

void bwrap_record_release(struct bwrap_record *r)
{
	free(r->id);
	free(r->name);
	free(r->job);
	memset(r, 0, sizeof(*r));
}
