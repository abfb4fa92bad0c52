/*
 * sandbox: the parent side.  Prepares a plan (sandbox_int.h), forks the
 * child (sandbox_child.c), then supervises it: reads its output with a
 * cap, enforces the job's deadline and cancellation, collects one record
 * per step, and cleans up.
 */
#include "sandbox.h"

#include "rv_alloc.h"
#include "rv_clock.h"
#include "sandbox_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SBX_SHARED_NPROC_SLACK 512
#define SBX_UID_MIN 1000u		/* below: system accounts */
#define SBX_UID_MAX 2147483646u	/* kernels and tools treat more as -1 */

static enum taskapp_sandbox_mode sbx_mode = TASKAPP_SANDBOX_RLIMITS;
static char *sbx_extra_ro;
static unsigned sbx_uid_base = SBX_UID_BASE_DEFAULT;
static bool sbx_drop_ids;
static char sbx_uid_note[160];	/* why the uids may be shared, or "" */
static struct sbx_confine sbx_conf;

/* System directories shown read-only inside namespaces, when present. */
static const char *const sbx_sys_dirs[] = {
	"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32",
	"/etc", "/opt",
};
static const char *const sbx_dev_names[] = {
	"null", "zero", "full", "random", "urandom",
};

enum taskapp_sandbox_mode taskapp_sandbox_mode(void)
{
	return sbx_mode;
}

const char *taskapp_sandbox_mode_name(void)
{
	return sbx_mode == TASKAPP_SANDBOX_NAMESPACES ? "namespaces" :
		"rlimits";
}

bool taskapp_sandbox_mode_parse(const char *name,
				enum taskapp_sandbox_mode *out)
{
	if (!strcmp(name, "namespaces"))
		*out = TASKAPP_SANDBOX_NAMESPACES;
	else if (!strcmp(name, "rlimits"))
		*out = TASKAPP_SANDBOX_RLIMITS;
	else
		return false;
	return true;
}

bool taskapp_sandbox_shows(const char *path)
{
	for (size_t i = 0; i < sizeof(sbx_sys_dirs) / sizeof(*sbx_sys_dirs); i++) {
		size_t n = strlen(sbx_sys_dirs[i]);

		if (!strncmp(path, sbx_sys_dirs[i], n) && path[n] == '/')
			return true;
	}
	return false;
}

static const char *sbx_tmp_base(void)
{
	const char *t = getenv("TMPDIR");

	return t && *t == '/' ? t : "/tmp";
}

static bool sbx_bind_known(const struct sbx_plan *p, const char *src)
{
	for (int i = 0; i < p->nbinds; i++)
		if (!strcmp(p->binds[i].src, src))
			return true;
	for (int i = 0; i < p->nlinks; i++)
		if (!strcmp(p->links[i].dst + strlen(p->root), src))
			return true;
	return false;
}

/* Show host directory src at the same path (a symlink stays one). */
static void sbx_plan_dir(struct sbx_plan *p, const char *src)
{
	struct stat st;

	if (sbx_bind_known(p, src) || lstat(src, &st) < 0)
		return;
	if (S_ISLNK(st.st_mode) && p->nlinks < SBX_MAX_LINKS) {
		struct sbx_link *l = &p->links[p->nlinks];
		ssize_t n = readlink(src, l->target, sizeof(l->target) - 1);

		if (n <= 0)
			return;
		l->target[n] = '\0';
		l->dst = rv_xasprintf("%s%s", p->root, src);
		p->nlinks++;
	} else if (S_ISDIR(st.st_mode) && p->nbinds < SBX_MAX_BINDS) {
		p->binds[p->nbinds].src = src;
		p->binds[p->nbinds].dst = rv_xasprintf("%s%s", p->root, src);
		p->nbinds++;
	}
}

static void sbx_plan_ns(struct sbx_plan *p)
{
	for (size_t i = 0; i < sizeof(sbx_sys_dirs) / sizeof(*sbx_sys_dirs); i++)
		sbx_plan_dir(p, sbx_sys_dirs[i]);
	if (sbx_extra_ro)
		sbx_plan_dir(p, sbx_extra_ro);
	for (size_t i = 0; i < sizeof(sbx_dev_names) / sizeof(*sbx_dev_names);
	     i++) {
		char *src = rv_xasprintf("/dev/%s", sbx_dev_names[i]);

		if (access(src, F_OK) < 0) {
			free(src);
			continue;
		}
		p->devs[p->ndevs].src = src;
		p->devs[p->ndevs].dst = rv_xasprintf("%s%s", p->root, src);
		p->ndevs++;
	}
	p->work_dst = rv_xasprintf("%s/work", p->root);
	p->dev_dir = rv_xasprintf("%s/dev", p->root);
	p->proc_dst = rv_xasprintf("%s/proc", p->root);
	p->tmp_dst = rv_xasprintf("%s/tmp", p->root);
}

static void sbx_plan_release(struct sbx_plan *p)
{
	for (int i = 0; i < p->nbinds; i++)
		free(p->binds[i].dst);
	for (int i = 0; i < p->nlinks; i++)
		free(p->links[i].dst);
	for (int i = 0; i < p->ndevs; i++) {
		free((char *)p->devs[i].src);
		free(p->devs[i].dst);
	}
	free(p->work_dst);
	free(p->dev_dir);
	free(p->proc_dst);
	free(p->tmp_dst);
	free(p->root);
	if (p->envp) {
		for (char *const *e = p->envp; *e; e++)
			free(*e);
		free((char **)p->envp);
	}
}

static char **sbx_envp(const char *work)
{
	char **env = rv_xcalloc(8, sizeof(*env));
	const char *extra = sbx_extra_ro ? sbx_extra_ro : "";
	int n = 0;

	env[n++] = rv_xasprintf("PATH=/usr/local/bin:/usr/bin:/bin%s%s%s",
				*extra ? ":" : "", extra, *extra ? "/bin" : "");
	env[n++] = rv_xasprintf("HOME=%s", work);
	env[n++] = rv_xasprintf("TMPDIR=%s", work);
	env[n++] = rv_xstrdup("LANG=C");
	env[n++] = rv_xstrdup("LC_ALL=C");
	return env;
}

/*
 * Tasks (threads) of uid now, plus room for what other rollouts start
 * meanwhile: the base of RLIMIT_NPROC when the sandbox shares our uid
 * (rlimits mode, not root), so that a fork bomb is at least bounded.
 */
static unsigned sbx_tasks_of(uid_t uid)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	unsigned n = 0;

	while (d && (e = readdir(d))) {
		char path[300], line[128];
		struct stat st;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/status", e->d_name);
		if (stat(path, &st) < 0 || st.st_uid != uid)
			continue;
		f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (!strncmp(line, "Threads:", 8))
				n += (unsigned)strtoul(line + 8, NULL, 10);
		if (f)
			fclose(f);
	}
	if (d)
		closedir(d);
	return n + SBX_SHARED_NPROC_SLACK;
}

/* Fill the plan for job; makes the host directory p->root. */
static enum rv_code sbx_plan_make(struct sbx_plan *p,
				  const struct taskapp_sandbox_job *job,
				  struct rv_err *err)
{
	unsigned id = sbx_uid_base + job->slot % SBX_UID_SLOTS;

	p->use_ns = sbx_mode == TASKAPP_SANDBOX_NAMESPACES;
	p->drop_ids = sbx_drop_ids;
	p->confine = sbx_conf;
	p->uid = p->drop_ids ? id : geteuid();
	p->gid = p->drop_ids ? id : getegid();
	snprintf(p->uid_map, sizeof(p->uid_map), "1000 %u 1\n",
		 (unsigned)p->uid);
	snprintf(p->gid_map, sizeof(p->gid_map), "1000 %u 1\n",
		 (unsigned)p->gid);
	p->root = rv_xasprintf("%s/taskapp-sbx-XXXXXX", sbx_tmp_base());
	if (!mkdtemp(p->root))
		return rv_errf(err, RV_ERR_IO, "cannot create a sandbox "
			       "directory in '%s': %s", sbx_tmp_base(),
			       strerror(errno));
	if (p->use_ns) {
		/* an empty mountpoint the sandbox uid must reach */
		chmod(p->root, 0755);
		sbx_plan_ns(p);
	} else if (p->drop_ids && chown(p->root, p->uid, p->gid) < 0) {
		return rv_errf(err, RV_ERR_IO, "cannot hand '%s' to uid %u: %s",
			       p->root, (unsigned)p->uid, strerror(errno));
	}
	if (!p->use_ns && !p->drop_ids)
		p->nproc_base = sbx_tasks_of(getuid());
	p->envp = sbx_envp(p->use_ns ? "/work" : p->root);
	p->files = job->files;
	p->nfiles = (int)job->nfiles;
	p->steps = job->steps;
	p->nsteps = (int)job->nsteps;
	return RV_OK;
}

/* Remove a directory tree the sandbox uid may have made unreadable. */
static void sbx_rmrf_at(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);
	DIR *d;
	struct dirent *e;

	if (fd < 0 && errno == EACCES &&
	    fchmodat(dirfd, name, 0700, 0) == 0)
		fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
	if (fd < 0) {
		unlinkat(dirfd, name, 0);
		return;
	}
	fchmod(fd, 0700);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(fd, e->d_name, 0) < 0)
			sbx_rmrf_at(fd, e->d_name);
	}
	closedir(d);
	unlinkat(dirfd, name, AT_REMOVEDIR);
}

static enum rv_code sbx_check_job(const struct taskapp_sandbox_job *job,
				  struct rv_err *err)
{
	if (job->nsteps > TASKAPP_SANDBOX_MAX_STEPS ||
	    job->nfiles > TASKAPP_SANDBOX_MAX_FILES)
		return rv_errf(err, RV_ERR_INTERNAL, "sandbox job too large");
	for (size_t i = 0; i < job->nfiles; i++) {
		const char *n = job->files[i].name;

		if (!*n || strchr(n, '/') || !strcmp(n, ".") ||
		    !strcmp(n, ".."))
			return rv_errf(err, RV_ERR_INTERNAL,
				       "bad sandbox file name '%s'", n);
	}
	return RV_OK;
}

static void sbx_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

enum rv_code taskapp_sandbox_run(const struct taskapp_sandbox_job *job,
				 struct taskapp_sandbox_result *results,
				 struct rv_err *err)
{
	struct sbx_plan plan;
	int status_r = -1, out_r[SBX_STREAMS];
	enum rv_code rc;
	pid_t pid = -1;
	int fds[2];

	memset(&plan, 0, sizeof(plan));
	plan.status_w = -1;
	for (size_t k = 0; k < SBX_STREAMS; k++)
		out_r[k] = plan.out_w[k] = -1;
	for (size_t i = 0; i < job->nsteps && i < TASKAPP_SANDBOX_MAX_STEPS;
	     i++) {
		memset(&results[i], 0, sizeof(results[i]));
		rv_buf_init(&results[i].output);
		rv_buf_init(&results[i].err_output);
	}
	rc = sbx_check_job(job, err);
	if (rc)
		return rc;
	rc = sbx_plan_make(&plan, job, err);
	if (rc)
		goto out;
	/* streams 0..2n-1 (a step's stderr only when split), then status */
	for (size_t k = 0; k <= 2 * job->nsteps; k++) {
		if (k < 2 * job->nsteps && k % 2 && !job->steps[k / 2].split_stderr)
			continue;
		if (pipe2(fds, O_CLOEXEC) < 0) {
			rc = rv_errf(err, RV_ERR_IO, "cannot make a pipe: %s",
				     strerror(errno));
			goto out;
		}
		fcntl(fds[0], F_SETFL, O_NONBLOCK);
		if (k == 2 * job->nsteps) {
			status_r = fds[0];
			plan.status_w = fds[1];
		} else {
			out_r[k] = fds[0];
			plan.out_w[k] = fds[1];
		}
	}
	pid = fork();
	if (pid < 0) {
		rc = rv_errf(err, RV_ERR_IO, "cannot fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		sbx_child_main(&plan);
	setpgid(pid, pid);
	sbx_close(&plan.status_w);
	for (size_t k = 0; k < SBX_STREAMS; k++)
		sbx_close(&plan.out_w[k]);
	rc = sbx_watch(pid, status_r, out_r, job, results, err);
out:
	sbx_close(&status_r);
	sbx_close(&plan.status_w);
	for (size_t k = 0; k < SBX_STREAMS; k++) {
		sbx_close(&out_r[k]);
		sbx_close(&plan.out_w[k]);
	}
	if (plan.root) {
		if (plan.use_ns)
			rmdir(plan.root);
		else
			sbx_rmrf_at(AT_FDCWD, plan.root);
	}
	sbx_plan_release(&plan);
	return rc;
}

void taskapp_sandbox_result_release(struct taskapp_sandbox_result *r)
{
	rv_buf_release(&r->output);
	rv_buf_release(&r->err_output);
}

const char *taskapp_sandbox_describe(const struct taskapp_sandbox_result *r,
				     char *buf, size_t size)
{
	switch (r->end) {
	case TASKAPP_SANDBOX_NOT_RUN:
		snprintf(buf, size, "not run");
		break;
	case TASKAPP_SANDBOX_EXITED:
		snprintf(buf, size, "exited %d", r->exit_code);
		break;
	case TASKAPP_SANDBOX_SIGNALLED:
		snprintf(buf, size, "killed by signal %d (%s)", r->term_signal,
			 strsignal(r->term_signal));
		break;
	case TASKAPP_SANDBOX_TIMEOUT:
		snprintf(buf, size, "timed out after %.1f s",
			 (double)r->elapsed_ns / 1e9);
		break;
	case TASKAPP_SANDBOX_OUTPUT_LIMIT:
		snprintf(buf, size, "killed: output limit exceeded");
		break;
	case TASKAPP_SANDBOX_CANCELLED:
		snprintf(buf, size, "cancelled");
		break;
	}
	return buf;
}

static bool sbx_trial(enum taskapp_sandbox_mode mode, bool drop,
		      struct rv_err *err)
{
	struct taskapp_sandbox_job trial = { .nsteps = 0 };

	sbx_mode = mode;
	sbx_drop_ids = drop;
	return taskapp_sandbox_run(&trial, NULL, err) == RV_OK;
}

/*
 * The first uid of the slots' range as the user gave it: decimal, from
 * SBX_UID_MIN (no system account's) to where the range's last uid is
 * SBX_UID_MAX (no wrap-around; (uid_t)-1 is "no change" to setresuid).
 */
static bool sbx_uid_base_parse(const char *s, unsigned *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < SBX_UID_MIN ||
	    v > SBX_UID_MAX - SBX_UID_SLOTS + 1)
		return false;
	*out = (unsigned)v;
	return true;
}

enum rv_code taskapp_sandbox_init(const char *forced, const char *extra_ro,
				  char *why_fallback, size_t why_size,
				  struct rv_err *err)
{
	struct rv_err first = RV_ERR_INIT, terr = RV_ERR_INIT;
	enum taskapp_sandbox_mode want = TASKAPP_SANDBOX_NAMESPACES;
	const char *base = getenv("TASKAPP_SANDBOX_UID");
	bool is_auto = !forced || !*forced || !strcmp(forced, "auto");
	bool root = geteuid() == 0;

	if (why_size)
		why_fallback[0] = '\0';
	sbx_uid_note[0] = '\0';
	if (base && *base) {
		if (!sbx_uid_base_parse(base, &sbx_uid_base))
			return rv_errf(err, RV_ERR_USAGE, "TASKAPP_SANDBOX_UID "
				       "must be a uid from %u to %u (the first "
				       "of %d), not '%.40s'", SBX_UID_MIN,
				       SBX_UID_MAX - SBX_UID_SLOTS + 1,
				       SBX_UID_SLOTS, base);
		sbx_uids_release();	/* a range of the user's choosing */
	} else if (root)
		sbx_uid_base = sbx_uids_claim(sbx_uid_note,
					      sizeof(sbx_uid_note));
	free(sbx_extra_ro);
	sbx_extra_ro = extra_ro ? rv_xstrdup(extra_ro) : NULL;
	sbx_confine_probe(&sbx_conf);
	if (!is_auto && !taskapp_sandbox_mode_parse(forced, &want)) {
		sbx_uids_release();
		return rv_errf(err, RV_ERR_USAGE, "unknown sandbox mode '%s' "
			       "(known: auto, namespaces, rlimits)", forced);
	}
	/* strongest first: own uid per slot, then the task app's own uid */
	if (sbx_trial(want, root, &first) || (root && sbx_trial(want, false, &terr)))
		goto ok;
	if (!is_auto) {
		sbx_uids_release();
		return rv_errf(err, RV_ERR_NOTSUP, "the '%s' sandbox does not "
			       "work here: %s", forced, first.msg);
	}
	if (sbx_trial(TASKAPP_SANDBOX_RLIMITS, root, &terr) ||
	    (root && sbx_trial(TASKAPP_SANDBOX_RLIMITS, false, &terr)))
		goto ok;
	sbx_uids_release();
	return rv_errf(err, RV_ERR_NOTSUP, "no sandbox works here: %s",
		       first.msg);
ok:
	/* candidates run as our own uid: the range is not ours to hold */
	if (!sbx_drop_ids) {
		sbx_uids_release();
		sbx_uid_note[0] = '\0';
	}
	if (first.code)
		snprintf(why_fallback, why_size, "%s", first.msg);
	return RV_OK;
}

bool taskapp_sandbox_drops_ids(void)
{
	return sbx_drop_ids;
}

bool taskapp_sandbox_uids(unsigned *first, unsigned *last)
{
	*first = sbx_drop_ids ? sbx_uid_base : 0;
	*last = sbx_drop_ids ? sbx_uid_base + SBX_UID_SLOTS - 1 : 0;
	return sbx_drop_ids;
}

const char *taskapp_sandbox_uid_note(void)
{
	return sbx_uid_note;
}

void taskapp_sandbox_isolation(struct taskapp_sandbox_isolation *iso)
{
	bool ns = sbx_mode == TASKAPP_SANDBOX_NAMESPACES;

	iso->strong = ns;
	iso->network_blocked = ns || sbx_conf.seccomp;
	iso->filesystem = ns ? "private" : sbx_conf.ll_abi ? "writes_confined" :
		"shared";
}
