/*
 * sandbox_confine: what a step's process gets on top of its namespaces or
 * rlimits, just before it execs (see sbx_confine_* in sandbox_int.h).
 *
 *  - A seccomp filter, in both modes: socket() fails (EACCES), and so do
 *    io_uring_setup() (it can make sockets too), ptrace() and
 *    process_vm_readv/writev(); a system call of another ABI (i386, x32)
 *    kills the process, so none of them is a way around the filter.
 *  - In rlimits mode, a Landlock domain: writes only beneath the work
 *    directory (and to /dev/null), no TCP bind or connect (ABI 4), no
 *    signal and no abstract unix socket outside the domain (ABI 6).  The
 *    domain also keeps ptrace and /proc/PID/mem of the task app out of
 *    reach.  Reads stay open: that is why rlimits is the weak mode.
 *
 * The apply functions run in the forked child: system calls only.
 */
#include "sandbox_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#define SBX_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SBX_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/* Landlock's ABI, spelled out: the system headers may predate it. */
#define SBX_LL_VERSION (1U << 0)
#define SBX_LL_RULE_PATH_BENEATH 1
#define SBX_LL_FS_WRITE_FILE (1ULL << 1)
#define SBX_LL_FS_WRITES_V1 0x1ff2ULL	/* write, remove, make anything */
#define SBX_LL_FS_REFER (1ULL << 13)	/* ABI 2 */
#define SBX_LL_FS_TRUNCATE (1ULL << 14)	/* ABI 3 */
#define SBX_LL_FS_IOCTL_DEV (1ULL << 15)	/* ABI 5 */
#define SBX_LL_NET_TCP 0x3ULL		/* ABI 4: bind, connect */
#define SBX_LL_SCOPES 0x3ULL		/* ABI 6: abstract unix, signal */

struct sbx_ll_ruleset {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct sbx_ll_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

#ifdef SBX_AUDIT_ARCH
#define SBX_DENY(nr) \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), \
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & \
						       SECCOMP_RET_DATA))

static const struct sock_filter sbx_filter[] = {
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SBX_AUDIT_ARCH, 1, 0),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
#ifdef __x86_64__
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),	/* x32 */
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
#endif
	SBX_DENY(__NR_socket),
	SBX_DENY(__NR_io_uring_setup),
	SBX_DENY(__NR_ptrace),
	SBX_DENY(__NR_process_vm_readv),
	SBX_DENY(__NR_process_vm_writev),
	BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

int sbx_seccomp_apply(void)
{
	struct sock_fprog prog = {
		.len = sizeof(sbx_filter) / sizeof(sbx_filter[0]),
		.filter = (struct sock_filter *)sbx_filter,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -1;
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}
#else
int sbx_seccomp_apply(void)
{
	errno = ENOSYS;
	return -1;
}
#endif

static int sbx_ll_allow(int ruleset, const char *path, uint64_t access,
			int flags)
{
	struct sbx_ll_path_beneath rule = { access, -1 };
	int rc;

	rule.parent_fd = open(path, O_PATH | O_CLOEXEC | flags);
	if (rule.parent_fd < 0)
		return -1;
	rc = (int)syscall(SYS_landlock_add_rule, ruleset,
			  SBX_LL_RULE_PATH_BENEATH, &rule, 0);
	close(rule.parent_fd);
	return rc;
}

int sbx_landlock_apply(const struct sbx_confine *c, const char *work)
{
	struct sbx_ll_ruleset attr = {
		c->ll_fs, c->ll_net, c->ll_scoped,
	};
	size_t size = c->ll_scoped ? 24 : c->ll_net ? 16 : 8;
	uint64_t file = c->ll_fs & (SBX_LL_FS_WRITE_FILE | SBX_LL_FS_TRUNCATE |
				    SBX_LL_FS_IOCTL_DEV);
	int rs, rc = -1;

	rs = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (rs < 0)
		return -1;
	if (sbx_ll_allow(rs, work, c->ll_fs, O_DIRECTORY) == 0 &&
	    sbx_ll_allow(rs, "/dev/null", file, 0) == 0 &&
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		rc = (int)syscall(SYS_landlock_restrict_self, rs, 0);
	close(rs);
	return rc;
}

/* What Landlock handles at abi: the writes, the network, the scopes. */
static void sbx_ll_masks(int abi, struct sbx_confine *c)
{
	c->ll_abi = abi > 0 ? abi : 0;
	c->ll_fs = c->ll_net = c->ll_scoped = 0;
	if (abi < 1)
		return;
	c->ll_fs = SBX_LL_FS_WRITES_V1;
	if (abi >= 2)
		c->ll_fs |= SBX_LL_FS_REFER;
	if (abi >= 3)
		c->ll_fs |= SBX_LL_FS_TRUNCATE;
	if (abi >= 5)
		c->ll_fs |= SBX_LL_FS_IOCTL_DEV;
	if (abi >= 4)
		c->ll_net = SBX_LL_NET_TCP;
	if (abi >= 6)
		c->ll_scoped = SBX_LL_SCOPES;
}

/*
 * In a child: apply what c says (Landlock with "/" as the work
 * directory, which changes nothing but proves it loads) and check that
 * socket() fails.  Exit bits: 1 seccomp works, 2 Landlock works.
 */
static _Noreturn void sbx_probe_child(const struct sbx_confine *c)
{
	int bits = 0;

	if (c->ll_abi && sbx_landlock_apply(c, "/") == 0)
		bits |= 2;
	if (sbx_seccomp_apply() == 0 && socket(AF_INET, SOCK_STREAM, 0) < 0 &&
	    errno == EACCES)
		bits |= 1;
	_exit(bits);
}

void sbx_confine_probe(struct sbx_confine *c)
{
	int st = 0;
	pid_t pid;

	sbx_ll_masks((int)syscall(SYS_landlock_create_ruleset, NULL, 0,
				  SBX_LL_VERSION), c);
	c->seccomp = 0;
	pid = fork();
	if (pid == 0)
		sbx_probe_child(c);
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (pid < 0 || !WIFEXITED(st))
		st = 0;
	c->seccomp = WIFEXITED(st) && (WEXITSTATUS(st) & 1);
	if (!(WIFEXITED(st) && (WEXITSTATUS(st) & 2)))
		sbx_ll_masks(0, c);
}
