/* lite_box's entry: a host process joins a running sandbox. */
#include "lite_box.h"

#include "rv_alloc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* The user namespaces first and last; the others in between. */
static const struct {
	const char *name;
	int type;
} lite_ns[LITE_NS_N] = {
	[LITE_NS_USER] = { "user", CLONE_NEWUSER },
	[LITE_NS_IPC] = { "ipc", CLONE_NEWIPC },
	[LITE_NS_UTS] = { "uts", CLONE_NEWUTS },
	[LITE_NS_NET] = { "net", CLONE_NEWNET },
	[LITE_NS_CGROUP] = { "cgroup", CLONE_NEWCGROUP },
	[LITE_NS_PID] = { "pid", CLONE_NEWPID },
	[LITE_NS_MNT] = { "mnt", CLONE_NEWNS },
};

static void lite_entry_reset(struct lite_box_entry *e)
{
	for (int i = 0; i < LITE_NS_N; i++)
		e->ns[i] = -1;
	for (int i = 0; i < LITE_CG_N; i++)
		e->cg_fd[i] = -1;
	e->root_fd = -1;
	e->owner = -1;
	e->drop_groups = false;
	e->pids = 0;
}

void lite_box_entry_close(struct lite_box_entry *e)
{
	for (int i = 0; i < LITE_NS_N; i++)
		if (e->ns[i] >= 0)
			close(e->ns[i]);
	for (int i = 0; i < LITE_CG_N; i++)
		if (e->cg_fd[i] >= 0)
			close(e->cg_fd[i]);
	if (e->root_fd >= 0)
		close(e->root_fd);
	if (e->owner >= 0)
		close(e->owner);
	lite_entry_reset(e);
}

enum rv_code lite_box_entry_open(const struct lite_box_host *h,
				 const char *id, const struct lite_box_proc *p,
				 struct lite_box_entry *e, struct rv_err *err)
{
	char path[64];

	lite_entry_reset(e);
	if (!lite_box_alive(p))
		return rv_errf(err, RV_ERR_NOTFOUND, "sandbox '%s' is not "
			       "running", id);
	for (int i = 0; i < LITE_NS_N; i++) {
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)p->init_pid,
			 lite_ns[i].name);
		e->ns[i] = open(path, O_RDONLY | O_CLOEXEC);
		/* every namespace but cgroup's is the sandbox's boundary */
		if (e->ns[i] < 0 && (i != LITE_NS_CGROUP || errno != ENOENT))
			goto fail;
	}
	/* bubblewrap nests the sandbox's user namespace in one of its own,
	   which may own the others: join that one first */
	e->owner = ioctl(e->ns[LITE_NS_USER], NS_GET_PARENT);
	if (e->owner >= 0) {
		struct stat a, b;

		fcntl(e->owner, F_SETFD, FD_CLOEXEC);
		if (fstat(e->owner, &a) == 0 &&
		    stat("/proc/self/ns/user", &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev) {
			close(e->owner);
			e->owner = -1;
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/root", (int)p->init_pid);
	e->root_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (e->root_fd < 0)
		goto fail;
	/* pid 1 is still the one we meant: the descriptors are its */
	if (!lite_box_alive(p)) {
		errno = ESRCH;
		goto fail;
	}
	if (h->drop_ids) {
		lite_cgroups_open(&h->cg, id, e->cg_fd);
		e->drop_groups = true;
		e->pids = h->pids;
	}
	return RV_OK;
fail:
	rv_errf(err, RV_ERR_CHILD, "cannot enter sandbox '%s': %s", id,
		strerror(errno));
	lite_box_entry_close(e);
	return RV_ERR_CHILD;
}

/* No capability in any set, and none to be had by exec. */
static int lite_drop_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0,
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return -1;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		return -1;
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -1;
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* The waiter: end as the child in the sandbox ended.  Never returns. */
static _Noreturn void lite_enter_wait(pid_t child, pid_t parent)
{
	int st = 0;
	sigset_t set;

	/* joining a user namespace cleared it: die with runeval again */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(126);

	/* a SIGTERM to the group is the child's to handle */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	close_range(0, ~0U, 0);
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFSIGNALED(st)) {
		int sig = WTERMSIG(st);

		signal(sig, SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		kill(getpid(), sig);
		_exit(128 + sig);
	}
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 126);
}

int lite_box_enter(const struct lite_box_entry *e)
{
	struct rlimit nproc = { (rlim_t)e->pids, (rlim_t)e->pids };
	pid_t child, parent = getppid();

	if (e->drop_groups && setgroups(0, NULL) < 0)
		return -1;
	if (lite_cgroups_join(e->cg_fd) < 0)
		return -1;
	if (e->owner >= 0 && setns(e->owner, CLONE_NEWUSER) < 0)
		return -1;
	if (e->owner < 0 && setns(e->ns[LITE_NS_USER], CLONE_NEWUSER) < 0)
		return -1;
	for (int i = LITE_NS_USER + 1; i < LITE_NS_N; i++)
		if (e->ns[i] >= 0 && setns(e->ns[i], lite_ns[i].type) < 0)
			return -1;
	if (e->owner >= 0 && setns(e->ns[LITE_NS_USER], CLONE_NEWUSER) < 0)
		return -1;
	if (e->pids > 0 && setrlimit(RLIMIT_NPROC, &nproc) < 0)
		return -1;
	child = fork();
	if (child < 0)
		return -1;
	if (child > 0)
		lite_enter_wait(child, parent);
	if (fchdir(e->root_fd) < 0 || chroot(".") < 0 || chdir("/") < 0)
		return -1;
	if (setresgid(1000, 1000, 1000) < 0 || setresuid(1000, 1000, 1000) < 0)
		return -1;
	/* the new credentials cleared it: die with the waiter */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
		return -1;
	return lite_drop_caps();
}
