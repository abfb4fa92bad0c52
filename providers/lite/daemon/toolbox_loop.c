/* Event-loop services of an in-sandbox daemon: fd watches, children, spawn. */
#include "toolbox_srv.h"

#include "lite_box.h"
#include "rv_alloc.h"
#include "toolbox_lws.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

struct tb_watch {
	struct lws *wsi;
	int fd;
	bool closing;
	tb_watch_fn on_read, on_write;
	tb_watch_close_fn on_close;
	void *arg;
};

struct tb_child {
	struct tb_child *next;
	pid_t pid;
	tb_child_fn fn;
	void *arg;
};

/* --- fd watches --------------------------------------------------------- */

struct tb_watch *tb_watch_new(struct tb_server *s, int fd, tb_watch_fn on_read,
			      tb_watch_fn on_write, tb_watch_close_fn on_close,
			      void *arg)
{
	struct tb_watch *w = rv_xcalloc(1, sizeof(*w));
	lws_sock_file_fd_type u;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	w->fd = fd;
	w->on_read = on_read;
	w->on_write = on_write;
	w->on_close = on_close;
	w->arg = arg;
	u.filefd = fd;
	w->wsi = lws_adopt_descriptor_vhost(s->vhost, LWS_ADOPT_RAW_FILE_DESC,
					    u, TB_WATCH_PROTOCOL, NULL);
	if (!w->wsi) {
		close(fd);	/* lws closes it on failure only sometimes */
		free(w);
		return NULL;
	}
	lws_set_opaque_user_data(w->wsi, w);
	return w;
}

void tb_watch_want_write(struct tb_watch *w)
{
	if (w && !w->closing)
		lws_callback_on_writable(w->wsi);
}

int tb_watch_flush(struct tb_watch *w, int fd, struct rv_buf *q)
{
	while (q->len) {
		ssize_t n = write(fd, q->data, q->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			tb_watch_want_write(w);
			return 0;
		}
		if (n < 0)
			return -1;
		memmove(q->data, q->data + n, q->len - (size_t)n);
		rv_buf_truncate(q, q->len - (size_t)n);
	}
	return 0;
}

void tb_watch_close(struct tb_watch *w)
{
	if (!w || w->closing)
		return;
	w->closing = true;
	lws_set_timeout(w->wsi, PENDING_TIMEOUT_KILLED_BY_PARENT,
			LWS_TO_KILL_ASYNC);
}

int tb_watch_fd(const struct tb_watch *w)
{
	return w->fd;
}

int tb_watch_cb(struct lws *wsi, enum lws_callback_reasons reason,
		void *user, void *in, size_t len)
{
	struct tb_watch *w = lws_get_opaque_user_data(wsi);

	(void)user;
	(void)in;
	(void)len;
	if (!w)
		return 0;	/* adoption in progress */
	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (w->closing)
			return -1;
		return w->on_read ? w->on_read(w, w->fd, w->arg) : 0;
	case LWS_CALLBACK_RAW_WRITEABLE_FILE:
		if (w->closing)
			return -1;
		return w->on_write ? w->on_write(w, w->fd, w->arg) : 0;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		lws_set_opaque_user_data(wsi, NULL);
		if (w->on_close)
			w->on_close(w, w->arg);
		free(w);
		return 0;
	default:
		return 0;
	}
}

/* --- children ----------------------------------------------------------- */

void tb_child_track(struct tb_server *s, pid_t pid, tb_child_fn fn, void *arg)
{
	struct tb_child *c = rv_xcalloc(1, sizeof(*c));

	c->pid = pid;
	c->fn = fn;
	c->arg = arg;
	c->next = s->children;
	s->children = c;
}

static struct tb_child *tb_child_take(struct tb_server *s, pid_t pid)
{
	for (struct tb_child **pp = &s->children; *pp; pp = &(*pp)->next) {
		struct tb_child *c = *pp;

		if (c->pid == pid) {
			*pp = c->next;
			return c;
		}
	}
	return NULL;
}

void tb_child_untrack(struct tb_server *s, pid_t pid)
{
	free(tb_child_take(s, pid));
}

void tb_child_reap(struct tb_server *s)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct tb_child *c = tb_child_take(s, pid);

		if (c) {
			c->fn(c->arg, pid, status);
			free(c);
		}
	}
}

int tb_exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* --- spawning ----------------------------------------------------------- */

enum rv_code tb_spawn(const struct tb_spawn *sp, pid_t *pid,
		      struct rv_err *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	struct stat st;
	int fds[3] = { sp->fd_in, sp->fd_out, sp->fd_err };
	int rc;

	if (sp->cwd && stat(sp->cwd, &st) < 0)
		return rv_errf(err, RV_ERR_CHILD, "chdir %s: %s", sp->cwd,
			       strerror(errno));
	if (sp->cwd && !S_ISDIR(st.st_mode))
		return rv_errf(err, RV_ERR_CHILD, "chdir %s: not a directory",
			       sp->cwd);
	posix_spawn_file_actions_init(&fa);
	for (int i = 0; i < 3; i++)
		if (fds[i] >= 0)
			posix_spawn_file_actions_adddup2(&fa, fds[i], i);
	if (sp->cwd)
		posix_spawn_file_actions_addchdir_np(&fa, sp->cwd);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigfillset(&all);
	sigdelset(&all, SIGKILL);
	sigdelset(&all, SIGSTOP);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
				 POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(pid, sp->argv[0], &fa, &attr, sp->argv,
			 sp->envp ? sp->envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc)
		return rv_errf(err, RV_ERR_CHILD, "fork/exec %s: %s",
			       sp->argv[0], strerror(rc));
	return RV_OK;
}

/* --- killing a process tree --------------------------------------------- */

struct tb_kill {
	lws_sorted_usec_list_t sul;
	struct tb_kill *next;
	struct tb_server *srv;
	pid_t *pids;
	size_t n;
	pid_t pgid;
};

/* The parent pid of pid from /proc, or -1. */
static pid_t tb_ppid(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	int ppid = -1;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 1, " %*c %d", &ppid);
	fclose(f);
	return ppid;
}

/* Every descendant of root (as of now), appended to k->pids. */
static void tb_descendants(struct tb_kill *k, pid_t root)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t *all = NULL, *parent = NULL;
	size_t n = 0;
	bool grew = true;

	if (!d)
		return;
	while ((e = readdir(d))) {
		pid_t pid = (pid_t)atoi(e->d_name);

		if (pid <= 0)
			continue;
		all = rv_xreallocarray(all, n + 1, sizeof(*all));
		parent = rv_xreallocarray(parent, n + 1, sizeof(*parent));
		all[n] = pid;
		parent[n++] = tb_ppid(pid);
	}
	closedir(d);
	k->pids = rv_xreallocarray(k->pids, 1, sizeof(*k->pids));
	k->pids[0] = root;
	k->n = 1;
	while (grew) {		/* transitive closure over ppid links */
		grew = false;
		for (size_t i = 0; i < n; i++) {
			bool in = false, parent_in = false;

			for (size_t j = 0; j < k->n; j++) {
				in = in || k->pids[j] == all[i];
				parent_in = parent_in || k->pids[j] == parent[i];
			}
			if (!in && parent_in) {
				k->pids = rv_xreallocarray(k->pids, k->n + 1,
							   sizeof(*k->pids));
				k->pids[k->n++] = all[i];
				grew = true;
			}
		}
	}
	free(all);
	free(parent);
}

static void tb_kill_all(struct tb_kill *k, int sig)
{
	kill(-k->pgid, sig);
	for (size_t i = 0; i < k->n; i++)
		kill(k->pids[i], sig);
}

/* SIGKILL what k names, unlink it from the server and free it. */
static void tb_kill_finish(struct tb_kill *k)
{
	for (struct tb_kill **pp = &k->srv->kills; *pp; pp = &(*pp)->next)
		if (*pp == k) {
			*pp = k->next;
			break;
		}
	lws_sul_cancel(&k->sul);
	tb_kill_all(k, SIGKILL);
	free(k->pids);
	free(k);
}

static void tb_kill_later(lws_sorted_usec_list_t *sul)
{
	tb_kill_finish(lws_container_of(sul, struct tb_kill, sul));
}

void tb_kill_tree(struct tb_server *s, pid_t pid, unsigned grace_ms)
{
	struct tb_kill *k = rv_xcalloc(1, sizeof(*k));

	k->pgid = pid;
	k->srv = s;
	k->next = s->kills;
	s->kills = k;
	tb_descendants(k, pid);
	if (!grace_ms || !s->ctx) {
		tb_kill_finish(k);
		return;
	}
	tb_kill_all(k, SIGTERM);
	lws_sul_schedule(s->ctx, 0, &k->sul, tb_kill_later,
			 (lws_usec_t)grace_ms * LWS_US_PER_MS);
}

void tb_children_kill(struct tb_server *s)
{
	while (s->kills)
		tb_kill_finish(s->kills);
	for (struct tb_child *c = s->children; c; c = c->next)
		kill(-c->pid, SIGKILL);
}

/* --- small helpers ------------------------------------------------------ */

char **tb_env_from_json(const json_t *envs, char *why, size_t size)
{
	const char *k;
	json_t *v;
	char **list;
	size_t n = 0;

	if (!envs || json_is_null(envs))
		return rv_xcalloc(1, sizeof(char *));
	if (!json_is_object(envs)) {
		snprintf(why, size, "'envs' must be an object of strings");
		return NULL;
	}
	list = rv_xcalloc(json_object_size(envs) + 1, sizeof(*list));
	json_object_foreach((json_t *)envs, k, v) {
		bool ok = lite_env_name_ok(k);

		if (!ok || !json_is_string(v)) {
			snprintf(why, size, "%s: '%s'", ok ? "environment "
				 "variable value must be a string" :
				 "invalid environment variable name", k);
			tb_env_free(list);
			return NULL;
		}
		list[n++] = rv_xasprintf("%s=%s", k, json_string_value(v));
	}
	return list;
}

char **tb_env_merge(char *const *overrides)
{
	size_t n = 0, m = 0;
	char **env;

	while (environ[n])
		n++;
	while (overrides && overrides[m])
		m++;
	env = rv_xcalloc(n + m + 1, sizeof(*env));
	n = 0;
	for (char **e = environ; *e; e++) {
		size_t klen = strcspn(*e, "=");
		bool replaced = false;

		for (size_t i = 0; i < m && !replaced; i++)
			replaced = !strncmp(overrides[i], *e, klen) &&
				overrides[i][klen] == '=';
		if (!replaced)
			env[n++] = rv_xstrdup(*e);
	}
	for (size_t i = 0; i < m; i++)
		env[n++] = rv_xstrdup(overrides[i]);
	return env;
}

void tb_env_free(char **env)
{
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
}
