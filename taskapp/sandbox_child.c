/*
 * The child side of a sandbox.  Runs in a fork() of a multi-threaded
 * process, so only async-signal-safe calls (system calls) from here on:
 * no malloc, no stdio, no locale.  Everything comes prepared in the plan.
 *
 * Process tree (namespaces mode):
 *	task app -> A (new process group; drops to the sandbox uid; unshares)
 *	         -> B (PID 1 of the new PID namespace: mounts, files, steps)
 *	         -> C (one per step: limits, exec)
 * In rlimits mode A does B's work itself, without namespaces or mounts.
 */
#include "sandbox_int.h"

#include "rv_clock.h"	/* rv_now_ns() is clock_gettime(): signal-safe */
#include "rv_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SBX_EXIT_SETUP 120

static const struct sbx_plan *sbx_p;

static const char *const sbx_stage_texts[] = {
	[SBX_STAGE_NONE] = "sandbox setup failed",
#define SBX_STAGE_TEXT_(id, text) [SBX_STAGE_##id] = text,
	SBX_STAGE_MAP(SBX_STAGE_TEXT_)
#undef SBX_STAGE_TEXT_
};

const char *sbx_stage_text(int stage)
{
	if (stage < 0 || (size_t)stage >= sizeof(sbx_stage_texts) /
	    sizeof(sbx_stage_texts[0]) || !sbx_stage_texts[stage])
		return sbx_stage_texts[SBX_STAGE_NONE];
	return sbx_stage_texts[stage];
}

static _Noreturn void sbx_fail(int stage)
{
	struct sbx_record r;

	memset(&r, 0, sizeof(r));
	r.kind = SBX_REC_SETUP;
	r.stage = stage;
	r.err_no = errno;
	rv_write_all(sbx_p->status_w, &r, sizeof(r));
	_exit(SBX_EXIT_SETUP);
}

static void sbx_close_from(unsigned first, unsigned last)
{
	if (first > last)
		return;
	if (syscall(SYS_close_range, first, last, 0) == 0)
		return;
	for (unsigned fd = first; fd <= last && fd < 65536; fd++)
		close((int)fd);
}

/* Close every descriptor above 2 except the status and output pipes. */
static void sbx_close_others(void)
{
	int keep[SBX_MAX_FDS], n = 0;
	unsigned next = 3;

	keep[n++] = sbx_p->status_w;
	for (int k = 0; k < 2 * sbx_p->nsteps; k++)
		if (sbx_p->out_w[k] >= 0)
			keep[n++] = sbx_p->out_w[k];
	for (int i = 1; i < n; i++)	/* insertion sort, n is tiny */
		for (int j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
			int t = keep[j];
			keep[j] = keep[j - 1];
			keep[j - 1] = t;
		}
	for (int i = 0; i < n; i++) {
		if (keep[i] >= (int)next) {
			sbx_close_from(next, (unsigned)keep[i] - 1);
			next = (unsigned)keep[i] + 1;
		}
	}
	sbx_close_from(next, ~0U);
}

static int sbx_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = rv_write_all(fd, text, strlen(text));
	close(fd);
	return rc;
}

static void sbx_identity(void)
{
	if (!sbx_p->drop_ids)
		return;
	/* raw system calls: only this (the only) thread changes ids */
	if (syscall(SYS_setgroups, 0, NULL) < 0 ||
	    syscall(SYS_setresgid, sbx_p->gid, sbx_p->gid, sbx_p->gid) < 0 ||
	    syscall(SYS_setresuid, sbx_p->uid, sbx_p->uid, sbx_p->uid) < 0)
		sbx_fail(SBX_STAGE_IDENTITY);
}

static void sbx_bind_ro(const char *src, const char *dst)
{
	unsigned long flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID;
	struct statfs sf;

	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		sbx_fail(SBX_STAGE_BIND);
	/* keep the flags the kernel locked on the source mount */
	if (statfs(dst, &sf) < 0)
		sbx_fail(SBX_STAGE_REMOUNT);
	if (sf.f_flags & ST_NODEV)
		flags |= MS_NODEV;
	if (sf.f_flags & ST_NOEXEC)
		flags |= MS_NOEXEC;
	if (sf.f_flags & ST_NOATIME)
		flags |= MS_NOATIME;
	if (sf.f_flags & ST_NODIRATIME)
		flags |= MS_NODIRATIME;
	if (sf.f_flags & ST_RELATIME)
		flags |= MS_RELATIME;
	if (mount(NULL, dst, NULL, flags, NULL) < 0)
		sbx_fail(SBX_STAGE_REMOUNT);
}

static void sbx_devices(void)
{
	if (mkdir(sbx_p->dev_dir, 0755) < 0)
		sbx_fail(SBX_STAGE_DEV);
	for (int i = 0; i < sbx_p->ndevs; i++) {
		int fd = open(sbx_p->devs[i].dst, O_WRONLY | O_CREAT | O_CLOEXEC,
			      0666);

		if (fd < 0)
			sbx_fail(SBX_STAGE_DEV);
		close(fd);
		if (mount(sbx_p->devs[i].src, sbx_p->devs[i].dst, NULL,
			  MS_BIND, NULL) < 0)
			sbx_fail(SBX_STAGE_DEV);
	}
}

/* Build the new root under plan->root and move into it (B, in the ns). */
static void sbx_mounts(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		sbx_fail(SBX_STAGE_MOUNT_PRIVATE);
	if (mount("tmpfs", sbx_p->root, "tmpfs", MS_NOSUID | MS_NODEV,
		  "size=1m,nr_inodes=512,mode=0755") < 0)
		sbx_fail(SBX_STAGE_MOUNT_ROOT);
	for (int i = 0; i < sbx_p->nbinds; i++) {
		if (mkdir(sbx_p->binds[i].dst, 0755) < 0 && errno != EEXIST)
			sbx_fail(SBX_STAGE_BIND);
		sbx_bind_ro(sbx_p->binds[i].src, sbx_p->binds[i].dst);
	}
	for (int i = 0; i < sbx_p->nlinks; i++)
		if (symlink(sbx_p->links[i].target, sbx_p->links[i].dst) < 0)
			sbx_fail(SBX_STAGE_SYMLINK);
	if (mkdir(sbx_p->work_dst, 0755) < 0 ||
	    mount("tmpfs", sbx_p->work_dst, "tmpfs", MS_NOSUID | MS_NODEV,
		  "size=64m,nr_inodes=4096,mode=0700") < 0)
		sbx_fail(SBX_STAGE_WORK);
	sbx_devices();
	if (mkdir(sbx_p->tmp_dst, 0755) < 0)
		sbx_fail(SBX_STAGE_WORK);
	/* a /proc of the new PID namespace: nice to have, not required */
	if (mkdir(sbx_p->proc_dst, 0555) == 0)
		mount("proc", sbx_p->proc_dst, "proc",
		      MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	if (chdir(sbx_p->root) < 0 ||
	    syscall(SYS_pivot_root, ".", ".") < 0 ||
	    umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		sbx_fail(SBX_STAGE_PIVOT);
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY |
		  MS_NOSUID | MS_NODEV, NULL) < 0)
		sbx_fail(SBX_STAGE_REMOUNT);
	if (chdir("/work") < 0)
		sbx_fail(SBX_STAGE_CHDIR);
}

static void sbx_files(void)
{
	for (int i = 0; i < sbx_p->nfiles; i++) {
		const struct taskapp_sandbox_file *f = &sbx_p->files[i];
		int fd = open(f->name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
			      0644);

		if (fd < 0)
			sbx_fail(SBX_STAGE_FILES);
		if (rv_write_all(fd, f->data, f->len) < 0)
			sbx_fail(SBX_STAGE_FILES);
		close(fd);
	}
}

static void sbx_limit(int resource, rlim_t soft, rlim_t hard)
{
	struct rlimit rl = { soft, hard };

	setrlimit(resource, &rl);
}

/* C: the step's process.  Never returns. */
static _Noreturn void sbx_exec_step(int i)
{
	const struct taskapp_sandbox_step *s = &sbx_p->steps[i];
	const struct taskapp_sandbox_limits *l = &s->lim;
	struct sigaction sa;
	sigset_t none;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < 32; sig++)
		sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0 && fd != 0) {
		dup2(fd, 0);
		close(fd);
	}
	if (dup2(sbx_p->out_w[2 * i], 1) < 0 ||
	    dup2(sbx_p->out_w[2 * i + 1] >= 0 ? sbx_p->out_w[2 * i + 1] :
		 sbx_p->out_w[2 * i], 2) < 0)
		_exit(127);
	/* while status_w is open, so that a failure is reported */
	if ((!sbx_p->use_ns && sbx_p->confine.ll_abi &&
	     sbx_landlock_apply(&sbx_p->confine, sbx_p->root) < 0) ||
	    (sbx_p->confine.seccomp && sbx_seccomp_apply() < 0))
		sbx_fail(SBX_STAGE_CONFINE);
	sbx_close_from(3, ~0U);
	sbx_limit(RLIMIT_CPU, l->cpu_s, l->cpu_s + 1);
	sbx_limit(RLIMIT_AS, l->mem_bytes, l->mem_bytes);
	sbx_limit(RLIMIT_FSIZE, l->fsize_bytes, l->fsize_bytes);
	sbx_limit(RLIMIT_NOFILE, 64, 64);
	sbx_limit(RLIMIT_CORE, 0, 0);
	sbx_limit(RLIMIT_MEMLOCK, 0, 0);
	/* counted per uid (per namespace): ours alone, or shared with us */
	sbx_limit(RLIMIT_NPROC, sbx_p->nproc_base + l->nproc,
		  sbx_p->nproc_base + l->nproc);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	execve(s->argv[0], (char *const *)s->argv, sbx_p->envp);
	{
		static const char msg[] = "sandbox: cannot execute ";
		rv_write_all(2, msg, sizeof(msg) - 1);
		rv_write_all(2, s->argv[0], strlen(s->argv[0]));
		rv_write_all(2, "\n", 1);
	}
	_exit(127);
}

/*
 * Kill whatever step c left behind and reap it.  Namespaces: PID 1 kills
 * everyone else in its namespace.  A uid of our own: everyone with it.
 * Otherwise only c's process group (what called setsid() escapes).
 */
static void sbx_kill_rest(pid_t c)
{
	int st;

	if (sbx_p->use_ns || sbx_p->drop_ids) {
		kill(-1, SIGKILL);	/* never the caller itself */
		while (waitpid(-1, &st, 0) > 0 || errno == EINTR)
			;
	} else {
		kill(-c, SIGKILL);
		while (waitpid(-1, &st, WNOHANG) > 0)
			;
	}
}

/*
 * Wait for step c until its wall clock runs out, or SIGTERM (the task app
 * asking us to stop, rlimits mode); fills r->end.
 */
static void sbx_wait_step(pid_t c, uint64_t limit_at, const sigset_t *set,
			  struct sbx_record *r)
{
	for (;;) {
		struct timespec ts;
		uint64_t now, left;
		pid_t w;
		int st;

		while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
			if (w != c)
				continue;	/* an orphan we inherited */
			r->wait_status = st;
			r->end = WIFEXITED(st) ? TASKAPP_SANDBOX_EXITED :
				TASKAPP_SANDBOX_SIGNALLED;
			return;
		}
		now = rv_now_ns();
		if (now >= limit_at) {
			r->end = TASKAPP_SANDBOX_TIMEOUT;
			return;
		}
		left = limit_at - now;
		if (left > RV_NS_PER_SEC)
			left = RV_NS_PER_SEC;
		ts.tv_sec = (time_t)(left / RV_NS_PER_SEC);
		ts.tv_nsec = (long)(left % RV_NS_PER_SEC);
		if (sigtimedwait(set, NULL, &ts) == SIGTERM) {
			r->end = TASKAPP_SANDBOX_CANCELLED;
			return;
		}
	}
}

static _Noreturn void sbx_run_steps(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	if (!sbx_p->use_ns)
		sigaddset(&set, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		sbx_fail(SBX_STAGE_SIGNALS);
	for (int i = 0; i < sbx_p->nsteps; i++) {
		struct sbx_record r;
		uint64_t t0 = rv_now_ns();
		pid_t c;

		memset(&r, 0, sizeof(r));
		r.kind = SBX_REC_STEP;
		r.step = i;
		c = fork();
		if (c < 0)
			sbx_fail(SBX_STAGE_FORK);
		if (c == 0)
			sbx_exec_step(i);
		r.kind = SBX_REC_START;
		r.pid = c;
		rv_write_all(sbx_p->status_w, &r, sizeof(r));
		r.kind = SBX_REC_STEP;
		sbx_wait_step(c, t0 + sbx_p->steps[i].lim.wall_ns, &set, &r);
		sbx_kill_rest(c);
		r.elapsed_ns = rv_now_ns() - t0;
		close(sbx_p->out_w[2 * i]);
		if (sbx_p->out_w[2 * i + 1] >= 0)
			close(sbx_p->out_w[2 * i + 1]);
		rv_write_all(sbx_p->status_w, &r, sizeof(r));
		if (r.end != TASKAPP_SANDBOX_EXITED ||
		    WEXITSTATUS(r.wait_status) != 0)
			break;
	}
	_exit(0);
}

/* B: PID 1 of the new namespaces. */
static _Noreturn void sbx_init_main(void)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	sbx_mounts();
	sbx_files();
	sbx_run_steps();
}

/*
 * A in namespaces mode: unshare, start B, pass on its fate.  SIGTERM
 * (the task app stopping the sandbox) kills B, and with it the whole
 * namespace; A stays to reap B, so no zombie is left to init.
 */
static _Noreturn void sbx_ns_main(void)
{
	sigset_t set;
	int st = 0;
	pid_t b;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET |
		    CLONE_NEWIPC | CLONE_NEWUTS) < 0)
		sbx_fail(SBX_STAGE_UNSHARE);
	/* a non-dumpable process cannot open its own /proc files */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	if (sbx_write_file("/proc/self/setgroups", "deny") < 0 &&
	    errno != ENOENT)
		sbx_fail(SBX_STAGE_IDMAP);
	if (sbx_write_file("/proc/self/uid_map", sbx_p->uid_map) < 0 ||
	    sbx_write_file("/proc/self/gid_map", sbx_p->gid_map) < 0)
		sbx_fail(SBX_STAGE_IDMAP);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	b = fork();
	if (b < 0)
		sbx_fail(SBX_STAGE_FORK);
	if (b == 0)
		sbx_init_main();
	sbx_close_from(3, ~0U);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	for (;;) {
		if (waitpid(b, &st, WNOHANG) == b)
			break;
		if (sigwaitinfo(&set, NULL) == SIGTERM)
			kill(b, SIGKILL);
	}
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

void sbx_child_main(const struct sbx_plan *plan)
{
	pid_t parent = getppid();
	sigset_t all;

	/* every signal waits until asked for (steps unblock before exec) */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	sbx_p = plan;
	setpgid(0, 0);
	sbx_close_others();
	sbx_identity();
	/* after the uid change, which clears it */
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	if (getppid() != parent)
		_exit(SBX_EXIT_SETUP);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (plan->use_ns)
		sbx_ns_main();
	/* orphans come to us, so we can reap them */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	if (chdir(plan->root) < 0)
		sbx_fail(SBX_STAGE_CHDIR);
	sbx_files();
	sbx_run_steps();
}
