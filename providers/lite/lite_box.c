/* lite_box's processes: bwrap spawn, readiness, kill. */
#include "lite_box.h"

#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_fs.h"
#include "rv_log.h"
#include "lite_unix.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct lite_argv {
	char **v;
	size_t n, cap;
};

static void lite_argv_add(struct lite_argv *a, const char *s)
{
	if (a->n + 2 > a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = rv_xreallocarray(a->v, a->cap, sizeof(*a->v));
	}
	a->v[a->n++] = rv_xstrdup(s);
	a->v[a->n] = NULL;
}

static void lite_argv_add3(struct lite_argv *a, const char *x, const char *y,
			   const char *z)
{
	lite_argv_add(a, x);
	lite_argv_add(a, y);
	if (z)
		lite_argv_add(a, z);
}

static void lite_argv_free(struct lite_argv *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}

/* Mirror a host top-level path (/bin, /lib64, ...) as link or ro dir. */
static void lite_argv_mirror(struct lite_argv *a, const char *path)
{
	char target[4096];
	ssize_t n = readlink(path, target, sizeof(target) - 1);
	struct stat st;

	if (n > 0) {
		target[n] = '\0';
		lite_argv_add3(a, "--symlink", target, path);
	} else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		lite_argv_add3(a, "--ro-bind", path, path);
	}
}

char **lite_box_base_env(const struct lite_box_daemon *d, const char *id)
{
	const char *const fixed[] = {
		"SHELL=/bin/bash", "LANG=C.UTF-8",
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	};
	size_t n_fixed = sizeof(fixed) / sizeof(fixed[0]), n = 0, k = 0;
	char **env;

	while (d->env && d->env[n])
		n++;
	env = rv_xcalloc(n_fixed + n + 6, sizeof(*env));
	env[k++] = rv_xasprintf("HOME=%s", d->home);
	env[k++] = rv_xasprintf("USER=%s", d->user);
	env[k++] = rv_xasprintf("LOGNAME=%s", d->user);
	for (size_t i = 0; i < n_fixed; i++)
		env[k++] = rv_xstrdup(fixed[i]);
	env[k++] = rv_xasprintf("HOSTNAME=%s", id);
	env[k++] = rv_xasprintf("%s=%s", d->id_env, id);
	for (size_t i = 0; i < n; i++)
		env[k++] = rv_xstrdup(d->env[i]);
	return env;
}

void lite_box_env_free(char **env)
{
	for (char **e = env; e && *e; e++)
		free(*e);
	free(env);
}

static void lite_argv_env(struct lite_argv *a, const struct lite_box_daemon *d,
			  const char *id, const json_t *env)
{
	char **base = lite_box_base_env(d, id);
	const char *k;
	json_t *v;

	lite_argv_add(a, "--clearenv");
	for (char **e = base; *e; e++) {
		char *eq = strchr(*e, '=');

		*eq = '\0';
		lite_argv_add3(a, "--setenv", *e, eq + 1);
	}
	lite_box_env_free(base);
	json_object_foreach((json_t *)env, k, v)
		if (json_is_string(v) && lite_env_name_ok(k))
			lite_argv_add3(a, "--setenv", k, json_string_value(v));
}

/*
 * Where the child stages the sandbox's files before it drops root: an
 * unprivileged bwrap resolves mount sources by path, and the state
 * directory may sit below directories only root can search.  The staging
 * mounts live in the child's own mount namespace and vanish with it.
 */
#define LITE_BOX_STAGE "/run"

#define LITE_STR(x) #x
#define LITE_XSTR(x) LITE_STR(x)

/* The host paths mounted into a sandbox, and where (NULL: by daemon). */
enum { SRC_HOME, SRC_TMP, SRC_EXE, SRC_PASSWD, SRC_GROUP, SRC_N };

static const struct {
	const char *leaf;	/* name when staged */
	const char *op;		/* bwrap option */
	const char *dest;	/* path in the sandbox */
	bool dir;
} lite_srcs[SRC_N] = {
	[SRC_HOME] = { "home", "--bind", NULL, true },
	[SRC_TMP] = { "tmp", "--bind", "/tmp", true },
	[SRC_EXE] = { "exe", "--ro-bind", NULL, false },
	[SRC_PASSWD] = { "passwd", "--ro-bind", "/etc/passwd", false },
	[SRC_GROUP] = { "group", "--ro-bind", "/etc/group", false },
};

/* Everything the child needs, prepared before fork. */
struct lite_spawn {
	char *src[SRC_N];	/* host paths */
	char *staged[SRC_N];	/* LITE_BOX_STAGE/<leaf> */
	char *dest[SRC_N];	/* in the sandbox */
	struct lite_argv argv;
	int args_fd;		/* bwrap --args: keeps env off ps */
	int info_rd, info_wr;	/* bwrap --info-fd */
	int log_fd;
	int null_fd;
	int listen_fd[2];	/* its API and forward.sock: the daemon's */
	int ready_rd, ready_wr;	/* "ready" comes through this pipe */
	const struct lite_box_limits *lim;
	int cg_fd[LITE_CG_N];	/* the child joins these cgroups */
	bool cg_applied[LITE_CG_N];
	char *notes;		/* what could not be applied */
};

/* Descriptors in the child (bwrap passes 5, 6 and 7 on to the daemon). */
#define FD_INFO 3		/* --info-fd */
#define FD_ARGS 4		/* --args */
#define FD_TOOLBOX 5		/* --toolbox-fd */
#define FD_FORWARD 6		/* --forward-fd */
#define FD_READY 7		/* --ready-fd */

static void lite_build_argv(struct lite_spawn *sp,
			    const struct lite_box_host *h, const char *id,
			    const json_t *env)
{
	static const char *const tops[] = {
		"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
	};
	const struct lite_box_daemon *d = h->daemon;
	struct lite_argv *a = &sp->argv;
	char info[8];

	snprintf(info, sizeof(info), "%d", FD_INFO);
	lite_argv_add(a, h->bwrap);
	lite_argv_add(a, "--unshare-all");
	lite_argv_add(a, "--unshare-user");
	lite_argv_add(a, "--new-session");
	lite_argv_add3(a, "--uid", "1000", NULL);
	lite_argv_add3(a, "--gid", "1000", NULL);
	lite_argv_add3(a, "--hostname", id, NULL);
	lite_argv_add3(a, "--ro-bind", "/usr", "/usr");
	for (size_t i = 0; i < sizeof(tops) / sizeof(tops[0]); i++)
		lite_argv_mirror(a, tops[i]);
	lite_argv_add3(a, "--ro-bind", "/etc", "/etc");
	lite_argv_add3(a, "--proc", "/proc", NULL);
	lite_argv_add3(a, "--dev", "/dev", NULL);
	for (int i = 0; i < SRC_N; i++)
		lite_argv_add3(a, lite_srcs[i].op, h->drop_ids ?
			       sp->staged[i] : sp->src[i], sp->dest[i]);
	lite_argv_add3(a, "--dir", "/var", NULL);
	lite_argv_add3(a, "--symlink", "../tmp", "/var/tmp");
	lite_argv_add3(a, "--info-fd", info, NULL);
	lite_argv_add3(a, "--chdir", d->home, NULL);
	lite_argv_env(a, d, id, env);
	lite_argv_add3(a, "--remount-ro", "/", NULL);
	lite_argv_add(a, "--");
	lite_argv_add3(a, sp->dest[SRC_EXE], d->cmd, NULL);
	lite_argv_add3(a, "--toolbox-fd", LITE_XSTR(FD_TOOLBOX), NULL);
	lite_argv_add3(a, "--forward-fd", LITE_XSTR(FD_FORWARD), NULL);
	lite_argv_add3(a, "--ready-fd", LITE_XSTR(FD_READY), NULL);
	lite_argv_add3(a, "--home", d->home, NULL);
	lite_argv_add3(a, "--workdir", d->home, NULL);
}

/*
 * One of the sandbox's directories, created and owned by the sandbox's
 * ids (an existing one too: a record of an older server may have
 * had other ids).  Its parent is ours alone, so the path is trusted.
 */
static enum rv_code lite_make_dir(const struct lite_box_limits *lim,
				  const char *path, mode_t mode,
				  struct rv_err *err)
{
	bool made = mkdir(path, mode) == 0;

	if (!made && errno != EEXIST)
		return rv_errf(err, RV_ERR_IO, "cannot create '%s': %s", path,
			       strerror(errno));
	if ((lim->uid >= 0 && lchown(path, (uid_t)lim->uid,
				     (gid_t)lim->gid) < 0) ||
	    (made && chmod(path, mode) < 0))
		return rv_errf(err, RV_ERR_IO, "cannot set up '%s': %s", path,
			       strerror(errno));
	return RV_OK;
}

/* After fork: the sandbox holds these now, the server must not. */
static void lite_spawn_close_child_fds(struct lite_spawn *sp)
{
	for (int i = 0; i < 2; i++) {
		if (sp->listen_fd[i] >= 0)
			close(sp->listen_fd[i]);
		sp->listen_fd[i] = -1;
	}
	if (sp->ready_wr >= 0)
		close(sp->ready_wr);
	sp->ready_wr = -1;
	for (int i = 0; i < LITE_CG_N; i++) {
		if (sp->cg_fd[i] >= 0)
			close(sp->cg_fd[i]);
		sp->cg_fd[i] = -1;
	}
}

static void lite_spawn_release(struct lite_spawn *sp)
{
	for (int i = 0; i < SRC_N; i++) {
		free(sp->src[i]);
		free(sp->staged[i]);
		free(sp->dest[i]);
	}
	lite_argv_free(&sp->argv);
	if (sp->args_fd >= 0)
		close(sp->args_fd);
	if (sp->info_rd >= 0)
		close(sp->info_rd);
	if (sp->info_wr >= 0)
		close(sp->info_wr);
	if (sp->log_fd >= 0)
		close(sp->log_fd);
	if (sp->null_fd >= 0)
		close(sp->null_fd);
	lite_spawn_close_child_fds(sp);
	if (sp->ready_rd >= 0)
		close(sp->ready_rd);
	free(sp->notes);
}

/*
 * Move every argument but bwrap's own path into a memfd read with
 * --args: the command line (which any host user sees in ps) then holds
 * no environment values.
 */
static enum rv_code lite_args_file(struct lite_spawn *sp, struct rv_err *err)
{
	struct lite_argv *a = &sp->argv;
	struct rv_buf b = RV_BUF_INIT;
	int fd = memfd_create("bwrap-args", MFD_CLOEXEC);
	enum rv_code rc = RV_OK;
	size_t end = 1;

	/* the options go to the file; "--" and the command stay */
	while (end < a->n && strcmp(a->v[end], "--"))
		rv_buf_add(&b, a->v[end], strlen(a->v[end]) + 1), end++;
	if (fd < 0 || rv_write_all(fd, b.data, b.len) < 0 ||
	    lseek(fd, 0, SEEK_SET) < 0) {
		rc = rv_errf(err, RV_ERR_IO, "cannot pass bubblewrap its "
			     "arguments: %s", strerror(errno));
	} else {
		sp->args_fd = lite_fd_high(fd);
		fd = -1;
		for (size_t i = 1; i < end; i++)
			free(a->v[i]);
		/* argv: bwrap --args 4 -- command... */
		memmove(a->v + 3, a->v + end, (a->n - end + 1) * sizeof(*a->v));
		a->n = a->n - end + 3;
		a->v[1] = rv_xstrdup("--args");
		a->v[2] = rv_xstrdup("4");
	}
	if (fd >= 0)
		close(fd);
	rv_buf_release(&b);
	return rc;
}

/*
 * The daemon's listening sockets, bound here in DIR/<id>/sock (which
 * only we can write and which is not in the sandbox) and inherited by
 * the daemon: nothing in the sandbox can put another file where the
 * relay connects.
 */
static enum rv_code lite_spawn_sockets(const struct lite_box_host *h,
				       const char *id, struct lite_spawn *sp,
				       struct rv_err *err)
{
	char *dir = lite_box_path(h, id, "sock");
	enum rv_code rc = RV_OK;

	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		rc = rv_errf(err, RV_ERR_IO, "cannot create '%s': %s", dir,
			     strerror(errno));
	for (int i = 0; rc == RV_OK && i < 2; i++) {
		char *path = lite_box_socket(h, id, i == 1);

		sp->listen_fd[i] = lite_fd_high(lite_unix_listen(path, 128));
		if (sp->listen_fd[i] < 0)
			rc = rv_errf(err, RV_ERR_IO, "cannot listen on '%s': "
				     "%s", path, strerror(errno));
		free(path);
	}
	free(dir);
	return rc;
}

/* The sandbox's cgroups, with the limits its record asks for. */
static void lite_spawn_cgroups(const struct lite_box_host *h, const char *id,
			       struct lite_spawn *sp)
{
	struct lite_cg_limits want = {
		.pids = h->pids,
		.memory = (uint64_t)(sp->lim->memory > 0 ? sp->lim->memory : 0)
			<< 30,
		.cpu_millis = sp->lim->cpu > 0 ? sp->lim->cpu * 1000L : 0,
	};

	if (!h->drop_ids)
		return;
	lite_cgroups_create(&h->cg, id, &want, sp->cg_fd, sp->cg_applied,
			    &sp->notes);
	for (int i = 0; i < LITE_CG_N; i++) {
		bool wanted = i == LITE_CG_PIDS ? want.pids > 0 :
			i == LITE_CG_MEMORY ? want.memory > 0 :
			want.cpu_millis > 0;

		sp->cg_fd[i] = lite_fd_high(sp->cg_fd[i]);
		if (!h->cg.dir[i] && wanted)
			lite_cgroups_note(&sp->notes, "%s", h->cg.why[i]);
	}
}

static enum rv_code lite_spawn_prepare(const struct lite_box_host *h,
				       const char *id, const json_t *env,
				       struct lite_spawn *sp,
				       struct rv_err *err)
{
	static const mode_t modes[] = { 0755, 01777 };
	char *base = lite_box_path(h, id, NULL);
	char *log = lite_box_path(h, id, "sandbox.log");
	int pipefd[2];
	enum rv_code rc = RV_OK;

	for (int i = 0; i < SRC_N; i++) {
		sp->src[i] = i <= SRC_TMP ? lite_box_path(h, id,
							  lite_srcs[i].leaf) :
			rv_xstrdup(i == SRC_EXE ? h->exe : i == SRC_PASSWD ?
				   h->passwd : h->group);
		sp->staged[i] = rv_xasprintf("%s/%s", LITE_BOX_STAGE,
					     lite_srcs[i].leaf);
		sp->dest[i] = lite_srcs[i].dest ? rv_xstrdup(lite_srcs[i].dest) :
			i == SRC_HOME ? rv_xstrdup(h->daemon->home) :
			rv_xasprintf("/opt/%s/%s", h->daemon->prog,
				     h->daemon->prog);
	}
	if (mkdir(base, 0700) < 0 && errno != EEXIST)
		rc = rv_errf(err, RV_ERR_IO, "cannot create '%s': %s", base,
			     strerror(errno));
	for (int i = SRC_HOME; rc == RV_OK && i <= SRC_TMP; i++)
		rc = lite_make_dir(sp->lim, sp->src[i], modes[i], err);
	if (rc == RV_OK)
		rc = lite_spawn_sockets(h, id, sp, err);
	if (rc)
		goto out;
	lite_spawn_cgroups(h, id, sp);
	sp->log_fd = lite_fd_high(open(log, O_WRONLY | O_CREAT | O_TRUNC |
				       O_CLOEXEC, 0600));
	sp->null_fd = lite_fd_high(open("/dev/null", O_RDONLY | O_CLOEXEC));
	if (pipe2(pipefd, O_CLOEXEC) == 0) {
		sp->info_rd = pipefd[0];
		sp->info_wr = lite_fd_high(pipefd[1]);
	}
	if (pipe2(pipefd, O_CLOEXEC) == 0) {
		sp->ready_rd = pipefd[0];
		sp->ready_wr = lite_fd_high(pipefd[1]);
	}
	if (sp->log_fd < 0 || sp->null_fd < 0 || sp->info_wr < 0 ||
	    sp->ready_wr < 0) {
		rc = rv_errf(err, RV_ERR_IO, "cannot prepare the descriptors "
			     "of sandbox '%s': %s", id, strerror(errno));
		goto out;
	}
	lite_build_argv(sp, h, id, env);
	rc = lite_args_file(sp, err);
out:
	free(base);
	free(log);
	return rc;
}

/* In the child, as root: bind the sources under LITE_BOX_STAGE. */
static int lite_child_stage(const struct lite_spawn *sp)
{
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("lite-stage", LITE_BOX_STAGE, "tmpfs", MS_NOSUID |
		  MS_NODEV, "mode=0755,size=64k") < 0)
		return -1;
	for (int i = 0; i < SRC_N; i++) {
		if (lite_srcs[i].dir) {
			if (mkdir(sp->staged[i], 0755) < 0)
				return -1;
		} else {
			int fd = open(sp->staged[i], O_WRONLY | O_CREAT |
				      O_CLOEXEC, 0644);

			if (fd < 0)
				return -1;
			close(fd);
		}
		if (mount(sp->src[i], sp->staged[i], NULL, MS_BIND, NULL) < 0)
			return -1;
	}
	return 0;
}

/* In the child: say what failed (on the sandbox log) and exit. */
static _Noreturn void lite_child_die(const char *what)
{
	char num[16];
	int e = errno, n = 0;
	ssize_t w;

	do
		num[sizeof(num) - 1 - ++n] = (char)('0' + e % 10);
	while ((e /= 10) && n < 12);
	w = write(2, "sandbox: cannot ", 16);
	w = write(2, what, strlen(what));
	w = write(2, " (errno ", 8);
	w = write(2, num + sizeof(num) - 1 - n, (size_t)n);
	w = write(2, ")\n", 2);
	(void)w;
	_exit(126);
}

/* In the child: only async-signal-safe calls until execv. */
static _Noreturn void lite_child(const struct lite_box_host *h,
				 const struct lite_spawn *sp)
{
	sigset_t none;

	if (dup2(sp->null_fd, 0) < 0 || dup2(sp->log_fd, 1) < 0 ||
	    dup2(sp->log_fd, 2) < 0)
		_exit(126);
	if (dup2(sp->info_wr, FD_INFO) < 0 || dup2(sp->args_fd, FD_ARGS) < 0 ||
	    dup2(sp->listen_fd[0], FD_TOOLBOX) < 0 ||
	    dup2(sp->listen_fd[1], FD_FORWARD) < 0 ||
	    dup2(sp->ready_wr, FD_READY) < 0)
		lite_child_die("set up descriptors");
	/* everything from here on counts against the sandbox's budget */
	if (lite_cgroups_join(sp->cg_fd) < 0)
		lite_child_die("join the sandbox's cgroups");
	closefrom(FD_READY + 1);
	setsid();
	if (h->drop_ids && lite_child_stage(sp) < 0)
		lite_child_die("stage the sandbox's mounts");
	/* its own uid: RLIMIT_NPROC counts this sandbox's processes alone */
	if (h->drop_ids) {
		struct rlimit nproc = { (rlim_t)h->pids, (rlim_t)h->pids };
		struct rlimit core = { 0, 0 };

		if (h->pids > 0)
			setrlimit(RLIMIT_NPROC, &nproc);
		setrlimit(RLIMIT_CORE, &core);
	}
	if (sp->lim->uid >= 0 && (setgroups(0, NULL) < 0 ||
				  setresgid((gid_t)sp->lim->gid,
					    (gid_t)sp->lim->gid,
					    (gid_t)sp->lim->gid) < 0 ||
				  setresuid((uid_t)sp->lim->uid,
					    (uid_t)sp->lim->uid,
					    (uid_t)sp->lim->uid) < 0))
		lite_child_die("drop privileges");
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	execv(sp->argv.v[0], sp->argv.v);
	lite_child_die("run bubblewrap");
}

uint64_t lite_proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	const char *p;
	ssize_t n;
	int fd;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* the command name may hold anything: fields restart after ')' */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X')
		return 0;	/* a zombie is as good as gone */
	p += 2;
	/* field 3 is the state; starttime is field 22 */
	for (int field = 3; field < 22 && p; field++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	if (!p || sscanf(p, "%llu", &start) != 1)
		return 0;
	return (uint64_t)start;
}

enum rv_code lite_fork(pid_t *pid, uint64_t *start, struct rv_err *err)
{
	*pid = fork();
	if (*pid < 0) {
		*pid = 0;
		*start = 0;
		return rv_errf(err, RV_ERR_CHILD, "cannot fork: %s",
			       strerror(errno));
	}
	*start = *pid ? lite_proc_start_time(*pid) : 0;
	return RV_OK;
}

/* bwrap --info-fd writes {"child-pid": N, ...} and closes it. */
static pid_t lite_read_info(int fd, long timeout_ms,
			    const volatile int *cancel)
{
	struct rv_buf b = RV_BUF_INIT;
	uint64_t deadline = rv_now_ns() + (uint64_t)timeout_ms * RV_NS_PER_MS;
	const char *p;
	pid_t pid = -1;

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		char chunk[512];
		uint64_t now = rv_now_ns();
		ssize_t n;

		int r;

		if (now >= deadline || (cancel && *cancel))
			break;
		r = poll(&pfd, 1, (int)((deadline - now) / RV_NS_PER_MS) < 50 ?
			 (int)((deadline - now) / RV_NS_PER_MS + 1) : 50);
		if (r < 0 && errno != EINTR)
			break;
		if (r <= 0)
			continue;
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		rv_buf_add(&b, chunk, (size_t)n);
		if (b.len > 64 * 1024)
			break;
	}
	p = strstr(b.data, "\"child-pid\"");
	if (p && (p = strchr(p, ':')))
		pid = (pid_t)strtol(p + 1, NULL, 10);
	rv_buf_release(&b);
	return pid;
}

char *lite_box_socket(const struct lite_box_host *h, const char *id,
		      bool forward)
{
	return rv_xasprintf("%s/%s/sock/%s", h->dir, id, forward ?
			    "forward.sock" : h->daemon->socket);
}

bool lite_box_toolbox_ok(const struct lite_box_host *h, const char *id,
			 int timeout_ms)
{
	static const char req[] = "GET /version HTTP/1.1\r\nHost: toolbox\r\n"
		"Connection: close\r\n\r\n";
	char *path = lite_box_socket(h, id, false);
	struct pollfd p = { .events = POLLIN };
	char buf[16] = "";
	ssize_t n = 0;

	p.fd = lite_unix_connect(path);
	free(path);
	if (p.fd < 0)
		return false;
	/* a whole request: a daemon may take an empty connection badly */
	if (send(p.fd, req, sizeof(req) - 1, MSG_NOSIGNAL) ==
	    (ssize_t)sizeof(req) - 1 && poll(&p, 1, timeout_ms) > 0)
		n = recv(p.fd, buf, sizeof(buf) - 1, 0);
	close(p.fd);
	return n >= 8 && !strncmp(buf, "HTTP/1.", 7);
}

/* The last line or so of the sandbox log, for error messages. */
static void lite_log_tail(const struct lite_box_host *h, const char *id,
			  char *out, size_t size)
{
	char *path = lite_box_path(h, id, "sandbox.log");
	char buf[256];
	ssize_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	out[0] = '\0';
	if (fd >= 0) {
		off_t end = lseek(fd, 0, SEEK_END);

		if (end > (off_t)sizeof(buf) - 1)
			lseek(fd, end - (off_t)sizeof(buf) + 1, SEEK_SET);
		else
			lseek(fd, 0, SEEK_SET);
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	if (n > 0) {
		char *p;

		buf[n] = '\0';
		while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
			buf[--n] = '\0';
		p = strrchr(buf, '\n');
		snprintf(out, size, "%s", p ? p + 1 : buf);
	}
	free(path);
}

static void lite_describe_exit(char *out, size_t size, int status)
{
	if (WIFEXITED(status))
		snprintf(out, size, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(out, size, "signal %d", WTERMSIG(status));
	else
		snprintf(out, size, "status %d", status);
}

/*
 * Wait up to ms for the daemon's word on the ready pipe: 1 when it said
 * it serves, 0 not yet, -1 when the pipe was closed without it (*fd is
 * then -1: the daemon is gone, or going).
 */
static int lite_ready_wait(int *fd, int ms)
{
	struct pollfd p = { .fd = *fd, .events = POLLIN };
	char buf[16];
	ssize_t n;

	if (*fd < 0) {
		usleep((useconds_t)ms * 1000);
		return -1;
	}
	if (poll(&p, 1, ms) <= 0)
		return 0;
	n = read(*fd, buf, sizeof(buf));
	if (n > 0)
		return 1;
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	close(*fd);
	*fd = -1;
	return -1;
}

/*
 * Wait for the daemon to say "ready" on the pipe *ready_fd (closed and
 * set to -1 here); the sandbox is killed on failure.
 */
static enum rv_code lite_wait_ready(const struct lite_box_host *h,
				    const char *id, struct lite_box_proc *p,
				    int *ready_fd, const volatile int *cancel,
				    struct rv_err *err)
{
	uint64_t deadline = rv_now_ns() +
		(uint64_t)h->start_timeout_ms * RV_NS_PER_MS;
	enum rv_code rc = RV_OK;

	while (lite_ready_wait(ready_fd, 10) != 1) {
		char why[64], tail[300];
		int status;

		if (lite_box_reaped(p, &status)) {
			lite_describe_exit(why, sizeof(why), status);
			lite_log_tail(h, id, tail, sizeof(tail));
			rc = rv_errf(err, RV_ERR_CHILD, "sandbox exited while "
				     "starting (%s)%s%s", why, tail[0] ?
				     ": " : "", tail);
			p->bwrap_pid = 0;
			break;
		}
		if (cancel && *cancel) {
			rc = rv_errf(err, RV_ERR_INTR, "sandbox '%s': start "
				     "cancelled", id);
			break;
		}
		if (rv_now_ns() > deadline) {
			rc = rv_errf(err, RV_ERR_TIMEOUT, "%s not ready "
				     "within %ld ms", h->daemon->cmd,
				     h->start_timeout_ms);
			break;
		}
	}
	if (rc)
		lite_box_kill(h, id, p, true);
	if (*ready_fd >= 0)
		close(*ready_fd);
	*ready_fd = -1;
	return rc;
}

/* What lite_box_start() enforced, for the sandbox record. */
static json_t *lite_applied(const struct lite_box_host *h,
			    const struct lite_spawn *sp)
{
	const struct lite_box_limits *lim = sp->lim;
	bool pids = sp->cg_applied[LITE_CG_PIDS] ||
		(lim->uid >= 0 && h->pids > 0);
	json_t *o = json_pack("{s:o, s:o, s:o, s:o}",
		"uid", lim->uid >= 0 ? json_integer(lim->uid) : json_null(),
		"pids", pids ? json_integer(h->pids) : json_null(),
		"cpu", sp->cg_applied[LITE_CG_CPU] ?
			json_integer(lim->cpu) : json_null(),
		"memory", sp->cg_applied[LITE_CG_MEMORY] ?
			json_integer(lim->memory) : json_null());

	if (!h->drop_ids)
		json_object_set_new(o, "notes", json_string("the server does "
				    "not run as root: sandboxes run as its "
				    "user, without cgroups"));
	else if (sp->notes)
		json_object_set_new(o, "notes", json_string(sp->notes));
	return o;
}

enum rv_code lite_box_start(const struct lite_box_host *h, const char *id,
			    const json_t *env,
			    const struct lite_box_limits *lim,
			    const struct lite_net_allow *net,
			    struct lite_box_proc *out, json_t **applied,
			    const volatile int *cancel, struct rv_err *err)
{
	struct lite_spawn sp = {
		.args_fd = -1, .info_rd = -1, .info_wr = -1, .log_fd = -1,
		.null_fd = -1, .listen_fd = { -1, -1 }, .ready_rd = -1,
		.ready_wr = -1, .lim = lim,
	};
	enum rv_code rc;

	uint64_t t0 = rv_now_ns(), t1, t2;

	for (int i = 0; i < LITE_CG_N; i++)
		sp.cg_fd[i] = -1;
	memset(out, 0, sizeof(*out));
	*applied = NULL;
	rc = lite_spawn_prepare(h, id, env, &sp, err);
	if (rc)
		goto out;
	t1 = rv_now_ns();
	rc = lite_fork(&out->bwrap_pid, &out->bwrap_start, err);
	if (rc)
		goto out;
	if (!out->bwrap_pid)
		lite_child(h, &sp);
	close(sp.info_wr);
	sp.info_wr = -1;
	out->init_pid = lite_read_info(sp.info_rd, h->start_timeout_ms,
				       cancel);
	out->init_start = lite_proc_start_time(out->init_pid);
	t2 = rv_now_ns();
	if (out->init_pid <= 0 || !out->init_start) {
		char tail[300];

		lite_spawn_close_child_fds(&sp);
		lite_box_kill(h, id, out, true);
		lite_log_tail(h, id, tail, sizeof(tail));
		if (cancel && *cancel)
			rc = rv_errf(err, RV_ERR_INTR, "sandbox '%s': start "
				     "cancelled", id);
		else
			rc = rv_errf(err, RV_ERR_CHILD, "bubblewrap failed to "
				     "start sandbox '%s'%s%s", id, tail[0] ?
				     ": " : "", tail);
		memset(out, 0, sizeof(*out));
		goto out;
	}
	/* its network joins its cgroups too: then the child's fds go */
	if (net && net->n)
		rc = lite_net_open(h->slirp, h->net_host_only, out->init_pid,
				   out->init_start, net, sp.cg_fd,
				   h->start_timeout_ms, &out->net, err);
	lite_spawn_close_child_fds(&sp);
	if (rc) {
		lite_box_kill(h, id, out, true);
		memset(out, 0, sizeof(*out));
		goto out;
	}
	rc = lite_wait_ready(h, id, out, &sp.ready_rd, cancel, err);
	if (rc)
		memset(out, 0, sizeof(*out));
	else
		*applied = lite_applied(h, &sp);
	rv_debug("sandbox '%s': prepare %.1f ms, namespaces %.1f ms, daemon "
		 "%.1f ms", id, rv_ns_to_ms(t1 - t0), rv_ns_to_ms(t2 - t1),
		 rv_ns_to_ms(rv_now_ns() - t2));
out:
	if (rc && h->drop_ids)
		lite_cgroups_remove(&h->cg, id);
	lite_spawn_release(&sp);
	return rc;
}

bool lite_box_alive(const struct lite_box_proc *p)
{
	return p->init_pid > 0 && p->init_start &&
		lite_proc_start_time(p->init_pid) == p->init_start;
}

bool lite_box_reaped(const struct lite_box_proc *p, int *status)
{
	int st = 0;
	pid_t r;

	if (p->bwrap_pid <= 0)
		return true;
	r = waitpid(p->bwrap_pid, &st, WNOHANG);
	if (r == p->bwrap_pid || (r < 0 && errno == ECHILD)) {
		if (status)
			*status = st;
		return true;
	}
	return false;
}

void lite_box_kill(const struct lite_box_host *h, const char *id,
		   const struct lite_box_proc *p, bool own_child)
{
	uint64_t deadline = rv_now_ns() + 10 * RV_NS_PER_SEC;

	/* pid 1 of a pid namespace takes every process in it along */
	if (lite_box_alive(p))
		kill(p->init_pid, SIGKILL);
	if (p->bwrap_pid > 0 && p->bwrap_start &&
	    lite_proc_start_time(p->bwrap_pid) == p->bwrap_start)
		kill(p->bwrap_pid, SIGKILL);
	while (rv_now_ns() < deadline) {
		bool init_gone = !lite_box_alive(p);
		bool bwrap_gone = own_child ? lite_box_reaped(p, NULL) :
			lite_proc_start_time(p->bwrap_pid) != p->bwrap_start ||
			!p->bwrap_start;

		if (init_gone && bwrap_gone)
			break;
		usleep(500);
	}
	lite_net_kill(&p->net);
	if (h->drop_ids)
		lite_cgroups_remove(&h->cg, id);
}
