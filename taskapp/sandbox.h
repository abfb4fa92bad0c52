/*
 * sandbox: run untrusted programs (the compiler on candidate code, then
 * the test binary it produced) with limits, and capture their output.
 *
 * One call to taskapp_sandbox_run() is one throwaway sandbox: the files
 * are written into a fresh private work directory, the steps run there in
 * order (a step runs only when the one before exited 0), and everything
 * is gone when the call returns.
 *
 * Two modes, chosen once by taskapp_sandbox_init():
 *  - "namespaces": each sandbox gets new user, PID, mount, network, IPC
 *    and UTS namespaces.  Its filesystem is a read-only view of /usr,
 *    /bin, /lib*, /etc (and the compiler's tree) plus /dev/{null,zero,..}
 *    and a size-limited tmpfs /work, the only writable place; no network.
 *    Killing its PID 1 kills every process it made, so a fork bomb or a
 *    daemonised child cannot outlive it.  Run as an unprivileged uid
 *    (one per slot when the task app is root).
 *  - "rlimits": the fallback where namespaces are not allowed: a private
 *    temporary directory, a process group killed as a whole, and (as
 *    root) an unprivileged uid per slot, all of whose processes are
 *    killed after each step.  Where the kernel has Landlock, each step
 *    may write only beneath its directory (and /dev/null), and may not
 *    signal or ptrace anything outside its domain.  Weaker all the same
 *    (taskapp_sandbox_isolation() says how): the program can read what
 *    its uid can; when the task app is not root it shares the app's uid
 *    (the process limit then counts the app's tasks too, with slack).
 * In both, each step gets CPU-time, address-space, process-count,
 * file-size and open-file limits, a wall-clock limit, an output limit
 * (stdout and stderr together; more kills the sandbox), and a seccomp
 * filter where it loads: no socket() (so no network, in either mode),
 * no io_uring, no ptrace or process_vm_readv/writev.
 *
 * Thread-safe after taskapp_sandbox_init(); concurrent calls must use
 * different slots.  Errors (RV_ERR_INTERNAL, RV_ERR_IO) mean the sandbox
 * itself could not be made; what the programs did is in the results.
 */
#ifndef RUNEVAL_TASKAPP_SANDBOX_H
#define RUNEVAL_TASKAPP_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rv_buf.h"
#include "rv_err.h"

#define TASKAPP_SANDBOX_MAX_STEPS 4
#define TASKAPP_SANDBOX_MAX_FILES 8

enum taskapp_sandbox_mode {
	TASKAPP_SANDBOX_RLIMITS,
	TASKAPP_SANDBOX_NAMESPACES,
};

struct taskapp_sandbox_limits {
	uint64_t wall_ns;	/* wall clock for the step */
	unsigned cpu_s;		/* RLIMIT_CPU of each process */
	size_t mem_bytes;	/* RLIMIT_AS of each process */
	unsigned nproc;		/* processes of the sandbox's uid */
	size_t fsize_bytes;	/* largest file it may write */
	size_t output_bytes;	/* stdout + stderr captured; more kills */
};

struct taskapp_sandbox_file {
	const char *name;	/* plain file name, no '/' */
	const char *data;
	size_t len;
};

struct taskapp_sandbox_step {
	const char *const *argv;	/* argv[0]: absolute, or "./name" */
	struct taskapp_sandbox_limits lim;
	bool split_stderr;	/* stderr to err_output, not into output */
};

enum taskapp_sandbox_end {
	TASKAPP_SANDBOX_NOT_RUN = 0,	/* an earlier step failed */
	TASKAPP_SANDBOX_EXITED,		/* exit_code is valid */
	TASKAPP_SANDBOX_SIGNALLED,	/* term_signal is valid */
	TASKAPP_SANDBOX_TIMEOUT,	/* wall clock (step or deadline) */
	TASKAPP_SANDBOX_OUTPUT_LIMIT,	/* wrote more than output_bytes */
	TASKAPP_SANDBOX_CANCELLED,	/* *cancel was set */
};

struct taskapp_sandbox_result {
	enum taskapp_sandbox_end end;
	int exit_code;
	int term_signal;
	bool deadline_hit;	/* TIMEOUT came from the job's deadline */
	uint64_t elapsed_ns;
	struct rv_buf output;	/* stdout, and stderr unless split */
	struct rv_buf err_output;	/* stderr, when the step split it */
};

struct taskapp_sandbox_job {
	const struct taskapp_sandbox_file *files;
	size_t nfiles;
	const struct taskapp_sandbox_step *steps;
	size_t nsteps;
	unsigned slot;			/* distinct among concurrent jobs */
	uint64_t deadline_ns;		/* rv_now_ns() time; 0 = none */
	const volatile int *cancel;	/* polled; may be NULL */
};

/*
 * Choose the mode: forced is "namespaces", "rlimits" or NULL/"auto"
 * (namespaces when a trial sandbox works here).  extra_ro is a directory
 * to make visible read-only inside namespaces (the compiler's tree, when
 * it lives outside /usr), or NULL.  Call once, before threads.  Tries
 * the strongest set-up first (as root: a uid of its own per slot) and
 * falls back; why_fallback receives the reason the first choice failed
 * ("" when it worked).  Fails when a forced mode, or nothing, works.
 * As root, the slots' uids are a range of 64 that no other task app on
 * this host uses at the same time (claimed for the life of the process;
 * $TASKAPP_SANDBOX_UID names the first uid instead, unchecked).
 */
enum rv_code taskapp_sandbox_init(const char *forced, const char *extra_ro,
				  char *why_fallback, size_t why_size,
				  struct rv_err *err);

enum taskapp_sandbox_mode taskapp_sandbox_mode(void);
/* Does each slot run as its own unprivileged uid (the app is root)? */
bool taskapp_sandbox_drops_ids(void);
/* The slots' uids, first to last, when it does (else false, 0, 0). */
bool taskapp_sandbox_uids(unsigned *first, unsigned *last);
/* Why those uids may be shared with another task app, or "". */
const char *taskapp_sandbox_uid_note(void);

/* How well candidates are confined here (after taskapp_sandbox_init()). */
struct taskapp_sandbox_isolation {
	bool strong;		/* namespaces; else "weak" */
	bool network_blocked;	/* own empty network, or no socket() */
	const char *filesystem;	/* "private", "writes_confined", "shared" */
};

void taskapp_sandbox_isolation(struct taskapp_sandbox_isolation *iso);
const char *taskapp_sandbox_mode_name(void);

/*
 * Is path inside a system directory the namespaces mode shows anyway
 * ("/usr/bin/cc" yes, "/nix/store/..." no)?
 */
bool taskapp_sandbox_shows(const char *path);

/* "namespaces"/"rlimits" -> mode; false when the name is unknown. */
bool taskapp_sandbox_mode_parse(const char *name,
				enum taskapp_sandbox_mode *out);

/*
 * Run job; results[] has job->nsteps entries, initialised here (release
 * them with taskapp_sandbox_result_release even after an error).
 */
enum rv_code taskapp_sandbox_run(const struct taskapp_sandbox_job *job,
				 struct taskapp_sandbox_result *results,
				 struct rv_err *err);

void taskapp_sandbox_result_release(struct taskapp_sandbox_result *r);

/* "exited 1", "killed by signal 9", "timed out", ... into buf. */
const char *taskapp_sandbox_describe(const struct taskapp_sandbox_result *r,
				     char *buf, size_t size);

#endif
