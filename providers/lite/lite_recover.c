/* lite_life after a restart, and at shutdown. */
#include "lite.h"

#include "lite_jobs.h"
#include "rv_clock.h"
#include "rv_log.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

/* Reconcile one record with what runs (store locked); may remove it. */
static void lite_recover_one(struct lite *l, struct lite_sandbox *sb)
{
	struct lite_box_proc p = sb->proc;
	struct rv_err err = RV_ERR_INIT;
	bool alive = lite_box_alive(&p);

	switch (sb->state) {
	case LITE_STARTED:
		if (alive && lite_box_toolbox_ok(&l->box, sb->id, 2000)) {
			sb->own_child = false;
			sb->started_mono_ns = rv_now_ns();
			return;
		}
		lite_box_kill(&l->box, sb->id, &p, false);
		lite_sandbox_set_proc(sb, NULL, false);
		lite_sandbox_set_state(l->store, sb, LITE_ERROR, "sandbox "
				       "processes exited while the server "
				       "was not running");
		return;
	case LITE_DESTROYING:
	case LITE_DESTROYED:
		lite_box_kill(&l->box, sb->id, &p, false);
		if (lite_box_remove(&l->box, sb->id, &err))
			rv_warn("sandbox '%s': %s", sb->id, err.msg);
		lite_store_remove(l->store, sb);
		return;
	case LITE_STOPPING:
		lite_box_kill(&l->box, sb->id, &p, false);
		lite_sandbox_set_proc(sb, NULL, false);
		lite_sandbox_set_state(l->store, sb, LITE_STOPPED, NULL);
		return;
	case LITE_CREATING:
	case LITE_STARTING:
	case LITE_RESTORING:
		lite_box_kill(&l->box, sb->id, &p, false);
		lite_sandbox_set_proc(sb, NULL, false);
		lite_sandbox_set_state(l->store, sb, LITE_ERROR, "start "
				       "interrupted by a server restart");
		return;
	default:
		if (alive || p.bwrap_pid) {
			lite_box_kill(&l->box, sb->id, &p, false);
			lite_sandbox_set_proc(sb, NULL, false);
			lite_store_save(l->store, sb);
		}
	}
}

/* Remove sandbox directories that no record owns (store locked). */
static void lite_remove_orphans(struct lite *l)
{
	DIR *d = opendir(l->box.dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct rv_err err = RV_ERR_INIT;
		struct stat st;

		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
		    !S_ISDIR(st.st_mode) ||
		    lite_store_find(l->store, de->d_name))
			continue;
		rv_info("removing leftover sandbox directory '%s'", de->d_name);
		if (lite_box_remove(&l->box, de->d_name, &err))
			rv_warn("%s", err.msg);
	}
	closedir(d);
}

/* Does a sandbox that still runs own cgroup id (store locked)? */
static bool lite_cgroup_in_use(const char *id, void *arg)
{
	struct lite *l = arg;
	struct lite_sandbox *sb = lite_store_find(l->store, id);

	return sb && !strcmp(sb->id, id) && sb->state == LITE_STARTED &&
		lite_box_alive(&sb->proc);
}

void lite_life_recover(struct lite *l)
{
	struct lite_sandbox *sb, *next;

	lite_store_lock(l->store);
	for (sb = lite_store_first(l->store); sb; sb = next) {
		next = sb->next;
		lite_recover_one(l, sb);
	}
	lite_remove_orphans(l);
	if (l->box.drop_ids)
		lite_cgroups_prune(&l->box.cg, lite_cgroup_in_use, l);
	lite_store_unlock(l->store);
}

void lite_life_destroy_all(struct lite *l)
{
	struct lite_sandbox *sb;

	l->cancel = 1;
	lite_jobs_drain(l->jobs);
	lite_store_lock(l->store);
	/* signal every sandbox first, then wait for each */
	for (sb = lite_store_first(l->store); sb; sb = sb->next)
		if (lite_box_alive(&sb->proc))
			kill(sb->proc.init_pid, SIGKILL);
	while ((sb = lite_store_first(l->store))) {
		struct rv_err err = RV_ERR_INIT;

		lite_box_kill(&l->box, sb->id, &sb->proc, sb->own_child);
		if (lite_box_remove(&l->box, sb->id, &err))
			rv_warn("sandbox '%s': %s", sb->id, err.msg);
		lite_store_remove(l->store, sb);
	}
	lite_store_unlock(l->store);
}
