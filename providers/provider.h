/*
 * provider: the sandbox back-end interface (process, daytona, docker, ...).
 *
 * A provider is a const table of operations chosen by name with
 * provider_find().  A sandbox is one place where a task app runs: this
 * host for the `process` provider, a remote sandbox for the others.
 * Every implementation embeds struct provider_sandbox first in its own
 * sandbox struct and checks the ops pointer when it downcasts.
 *
 * Lifecycle (every call through the inline wrappers below):
 *   1. provider_create(ops, cfg, &sb, err)   provision, wait until started
 *   2. provider_upload / provider_exec        (sandbox providers)
 *   3. provider_start_process(sb, cmd, &p)    the task app, in background
 *   4. provider_preview(sb, port, &pv)        URL + headers reaching a port
 *   5. provider_process_status / _logs        is it alive, what did it say
 *   6. provider_stop_process(sb, p, grace)    SIGTERM, grace, SIGKILL
 *   7. provider_destroy(sb)                   idempotent; may be repeated
 *   8. provider_sandbox_free(sb)              frees the handle, always
 *
 * Errors: every operation returns enum rv_code and fills err.  A failed
 * create leaves *out NULL and nothing behind it (it deletes what it made;
 * when even that fails it returns RV_ERR_PROVIDER, so that RV_ERR_CONNECT,
 * RV_ERR_AUTH, RV_ERR_CONFIG or RV_ERR_USAGE from create mean that no
 * sandbox exists);
 * after any other failure destroy and free still work.  "Not ready yet"
 * is RV_ERR_AGAIN.  An empty slot (or a missing capability) gives
 * RV_ERR_NOTSUP from the wrappers, and arguments no back-end can use (no
 * job id, an empty command, a port outside 1-65535) RV_ERR_USAGE, so a
 * provider's op never sees them.  Back-ends never time themselves: the
 * orchestrator times the calls.  Long waits (create, exec) give up early
 * when *cfg->cancel becomes non-zero (RV_ERR_INTR).
 *
 * Secrets: a provider registers every token it learns (preview tokens,
 * API keys) with rv_redact_add() before returning it.
 */
#ifndef RUNEVAL_PROVIDERS_PROVIDER_H
#define RUNEVAL_PROVIDERS_PROVIDER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "rv_buf.h"
#include "rv_err.h"

struct rv_http_pool;

/* Capability bits of a provider (struct provider_ops.caps). */
#define PROVIDER_CAP_REMOTE	(1u << 0)	/* not this host: needs upload */
#define PROVIDER_CAP_UPLOAD	(1u << 1)
#define PROVIDER_CAP_EXEC	(1u << 2)
#define PROVIDER_CAP_PROCESS	(1u << 3)	/* start_process and friends */
#define PROVIDER_CAP_PREVIEW	(1u << 4)
#define PROVIDER_CAP_LIST	(1u << 5)	/* list + attach, for reaping */
#define PROVIDER_CAP_RESOURCES	(1u << 6)	/* honours cfg->cpus and
						   cfg->memory_bytes */
#define PROVIDER_CAP_SNAPSHOT	(1u << 7)	/* snapshot + snapshot_delete;
						   create from cfg->snapshot */
#define PROVIDER_CAP_NETWORK	(1u << 8)	/* honours cfg->network_allow
						   and network_block_all */
#define PROVIDER_CAP_PRIVATE_ENV (1u << 9)	/* cmd->env's values never
						   reach the provider's
						   records (a file in the
						   sandbox, sourced and
						   removed first) */
#define PROVIDER_CAP_IMAGE	(1u << 10)	/* creates from cfg->image */
#define PROVIDER_CAP_TEMPLATE	(1u << 11)	/* creates from cfg->snapshot
						   (a snapshot, template or
						   image it names) */
#define PROVIDER_CAP_TARGET	(1u << 12)	/* honours cfg->target */

/* The label every provider-side object gets: runeval.job=<job id>. */
#define PROVIDER_LABEL_JOB "runeval.job"

struct provider_label {
	const char *key;
	const char *value;
};

/* One attempt of a remote call (result.json spans' attempt_log). */
struct provider_attempt {
	char op[64];			/* "POST /sandbox", ... */
	double ms;
	long status;			/* HTTP status, 0 = no response */
	char error[160];		/* "" when it succeeded */
};

struct provider_attempts {
	struct provider_attempt *v;
	size_t n, cap;
};

#define PROVIDER_ATTEMPTS_INIT { NULL, 0, 0 }

/*
 * What to create.  All pointers are borrowed and must outlive every
 * sandbox created from this config (sb->cfg points here).
 */
struct provider_config {
	const char *job_id;		/* required; labelled PROVIDER_LABEL_JOB */
	const char *name;		/* client-chosen sandbox name, or NULL */
	const char *image;		/* container image, or NULL */
	const char *snapshot;		/* provider snapshot, or NULL */
	const char *target;		/* region, or NULL for the default */
	const char *api_url;		/* provider API base, or NULL */
	const char *api_key;		/* provider credential, or NULL */
	const char *const *env;		/* "K=V" list for the sandbox, NULL-ended
					   (a provider's create-time env is in
					   its records: no secrets) */
	const char *const *network_allow;	/* CIDRs the sandbox may reach
					   (NULL-ended), or NULL: the
					   provider's default */
	bool network_block_all;		/* no egress at all */
	const struct provider_label *labels;	/* extra labels */
	size_t n_labels;
	int app_port;			/* the port the app will listen on, for
					   providers that must publish it at
					   create (docker); 0 = none */
	double cpus;			/* CPU limit; 0 = none
					   (PROVIDER_CAP_RESOURCES) */
	long long memory_bytes;		/* memory limit; 0 = none */
	bool defer_start;		/* a provider MAY create the sandbox
					   without starting it, put uploads in
					   before it starts, and start it with
					   the first operation that needs it
					   running: with start_process, as its
					   main process (the sandbox then ends
					   when that process does); a failure
					   to start shows there, not in create
					   (docker) */
	long create_timeout_ms;		/* wait for "started"; 0 = default */
	long auto_stop_min;		/* provider-side idle stop; 0 = default */
	long auto_delete_min;		/* provider-side delete; <0 = never */
	const volatile int *cancel;	/* abandon long waits when set */
	struct provider_attempts *attempts;	/* or NULL: remote providers
					   append every call attempt of every
					   operation here (not thread-safe:
					   one config per thread) */
};

/* Where a provider's API is, for the journal and result.json. */
struct provider_endpoint {
	char *api_url;			/* malloc'ed, or NULL */
	char *target;			/* region, malloc'ed, or NULL */
	char *image;			/* what sandboxes start from (image
					   reference), malloc'ed, or NULL */
	char *image_id;			/* its id, malloc'ed, or NULL */
	int image_present;		/* was it there before the job: 1 yes,
					   0 no, -1 cannot tell */
};

/* A sandbox handle.  Implementations embed it first. */
struct provider_sandbox {
	const struct provider_ops *ops;
	const struct provider_config *cfg;	/* borrowed */
	char *id;			/* provider id, malloc'ed */
	char *name;			/* name, malloc'ed, or NULL */
};

/* A command, for exec (to completion) or start_process (background). */
struct provider_cmd {
	const char *const *argv;	/* argv[0] searched in PATH, or NULL */
	const char *shell;		/* else: run with /bin/sh -c */
	const char *cwd;		/* NULL = provider default */
	const char *const *env;		/* extra "K=V", NULL-ended; the
					   sandbox env (cfg->env) is inherited.
					   A remote provider may show these
					   values in its records (docker: an
					   exec's Env) unless its caps say
					   PROVIDER_CAP_PRIVATE_ENV; else give
					   secrets to a sandbox in a file
					   (mode.h) */
	bool clear_env;			/* providers on this host: start from
					   an empty environment, not runeval's
					   (a sandbox's processes always start
					   from the sandbox's own) */
	long timeout_ms;		/* exec: kill after this; 0 = none */
	const char *log_path;		/* start_process: host file that gets
					   the output (appended), or NULL */
	unsigned long long log_limit;	/* and the most it may get of it
					   (rv_redact.h's cap); 0: no cap */
};

struct provider_exec_result {
	int exit_code;			/* 128 + signal when killed */
	struct rv_buf output;		/* stdout and stderr, capped */
};

#define PROVIDER_EXEC_RESULT_INIT { -1, RV_BUF_INIT }

/* A background process; its struct is private to the provider. */
struct provider_proc;

struct provider_proc_status {
	bool running;
	int exit_code;			/* when !running: exit status, */
	int term_signal;		/* or the signal that ended it (0 = none) */
	pid_t pid;			/* host pid for `process`, else 0 */
};

/* How to reach a port of the sandbox from this host. */
struct provider_preview {
	char *url;			/* "http://127.0.0.1:8000", no final '/' */
	char **headers;			/* "Name: value", NULL-ended, or NULL;
					   e.g. a preview token (redacted) */
	struct rv_http_pool *pool;	/* the provider's connections, DNS
					   and TLS sessions (borrowed, for
					   the process's life), or NULL */
};

#define PROVIDER_PREVIEW_INIT { NULL, NULL, NULL }

/* One sandbox as listed by the provider (for reaping). */
struct provider_listed {
	char *id;
	char *name;
	char *state;			/* provider's word, or NULL */
	char *job_id;			/* value of PROVIDER_LABEL_JOB, or NULL */
};

struct provider_list {
	struct provider_listed *items;
	size_t n;
};

#define PROVIDER_LIST_INIT { NULL, 0 }

/*
 * The operations.  MUST = every provider sets it; MAY = optional (NULL
 * gives RV_ERR_NOTSUP).
 */
struct provider_ops {
	const char *name;		/* "process", "daytona", ... */
	const char *alias;		/* the command-line shorthand: --local,
					   --daytona (NULL: none) */
	const char *offline_server;	/* the program that serves this API on
					   this machine, for --lite
					   ("daytona-lite"), or NULL */
	unsigned int caps;		/* PROVIDER_CAP_* */

	/* MAY: check configuration and credentials (without a remote
	   call, but for a local engine's socket), and say which endpoint
	   and image will be used (ep's strings become the caller's) */
	enum rv_code (*check)(const struct provider_config *cfg,
			      struct provider_endpoint *ep,
			      struct rv_err *err);
	/* MUST: provision and wait until started; *out NULL on failure */
	enum rv_code (*create)(const struct provider_config *cfg,
			       struct provider_sandbox **out,
			       struct rv_err *err);
	/* MAY: a handle on an existing sandbox (by id), for reaping */
	enum rv_code (*attach)(const struct provider_config *cfg,
			       const char *id, struct provider_sandbox **out,
			       struct rv_err *err);
	/* MAY: unpack a local .tar.gz (sha256: its SHA-256, lowercase hex,
	   for checking what arrived) into dir inside the sandbox */
	enum rv_code (*upload)(struct provider_sandbox *sb,
			       const char *tarball, const char *sha256,
			       const char *dir, struct rv_err *err);
	/* MAY: run to completion; a non-zero exit is not an error */
	enum rv_code (*exec)(struct provider_sandbox *sb,
			     const struct provider_cmd *cmd,
			     struct provider_exec_result *res,
			     struct rv_err *err);
	/* MAY: start in the background, output to cmd->log_path */
	enum rv_code (*start_process)(struct provider_sandbox *sb,
				      const struct provider_cmd *cmd,
				      struct provider_proc **out,
				      struct rv_err *err);
	/* MAY: is it still running (never blocks long) */
	enum rv_code (*process_status)(struct provider_sandbox *sb,
				       struct provider_proc *p,
				       struct provider_proc_status *st,
				       struct rv_err *err);
	/* MAY: append the last max_bytes of its output to out */
	enum rv_code (*process_logs)(struct provider_sandbox *sb,
				     struct provider_proc *p, size_t max_bytes,
				     struct rv_buf *out, struct rv_err *err);
	/* MAY: SIGTERM (its whole group), grace_ms, then SIGKILL; idempotent */
	enum rv_code (*stop_process)(struct provider_sandbox *sb,
				     struct provider_proc *p, long grace_ms,
				     struct rv_err *err);
	/* MAY: URL + headers that reach port (caller releases pv) */
	enum rv_code (*preview)(struct provider_sandbox *sb, int port,
				struct provider_preview *pv,
				struct rv_err *err);
	/* MUST: stop every process and delete the sandbox; "already gone"
	   is success; may be called again after a failure */
	enum rv_code (*destroy)(struct provider_sandbox *sb,
				struct rv_err *err);
	/* MUST: free the handle and its procs (no remote calls); NULL ok */
	void (*sandbox_free)(struct provider_sandbox *sb);
	/* MAY: save sb's files as a snapshot called name (labelled like
	   sb) that create starts from when cfg->snapshot is *out
	   (malloc'ed) */
	enum rv_code (*snapshot)(struct provider_sandbox *sb,
				 const char *name, char **out,
				 struct rv_err *err);
	/* MAY: delete a snapshot made by snapshot(); gone is success */
	enum rv_code (*snapshot_delete)(const struct provider_config *cfg,
					const char *snap, struct rv_err *err);
	/* MAY: sandboxes labelled key=value (key NULL = all of runeval's) */
	enum rv_code (*list)(const struct provider_config *cfg,
			     const char *label_key, const char *label_value,
			     struct provider_list *out, struct rv_err *err);
	/* MAY: is the socket listening on port (of this host) held by p?
	   For providers whose sandbox shares the host's ports; only a
	   certain "no" is false */
	bool (*owns_port)(struct provider_sandbox *sb, struct provider_proc *p,
			  int port);
};

/* The provider called name (or by its alias: "local" is "process"), or
   NULL. */
const struct provider_ops *provider_find(const char *name);

/* Every known provider, NULL-ended (for --help and reap). */
const struct provider_ops *const *provider_all(void);

void provider_preview_release(struct provider_preview *pv);
void provider_exec_result_release(struct provider_exec_result *res);
void provider_list_release(struct provider_list *l);
void provider_endpoint_release(struct provider_endpoint *ep);
/*
 * Append an item to l and hand it the strings (malloc'ed, now l's; name
 * NULL: a copy of id).
 */
void provider_list_add(struct provider_list *l, char *id, char *name,
		       char *state, char *job_id);
/* Append one zeroed attempt to a (NULL-safe: returns NULL). */
struct provider_attempt *provider_attempts_add(struct provider_attempts *a);
void provider_attempts_release(struct provider_attempts *a);

/*
 * The shell script (POSIX sh) that unpacks an uploaded bundle in a
 * sandbox: it reads $RV_TAR (a tar.gz, removed at the end, whatever
 * happened), $RV_SHA256 (its expected SHA-256) and $RV_DIR (the
 * directory to unpack into, made with its parents; what is there already
 * stays).  A new directory is unpacked while the checksum is computed,
 * into a staging directory next to it that is renamed into place only
 * when both succeeded: tar reads the upload before it is verified, but
 * writes only into the staging directory.  A directory that is there is
 * unpacked into only after the check.  A wrong checksum unpacks nothing
 * ("checksum mismatch: got <sha256>" first on stdout, exit 3); a failed
 * tar exits with tar's status, its errors on stdout.
 */
extern const char provider_unpack_script[];

/*
 * What a provider's API names is hostile input until checked: a sandbox
 * id becomes a directory name (<out>/sandbox-<id>) and part of request
 * paths and host names; a token becomes a header value.
 *
 * provider_check_id: 1 to PROVIDER_ID_MAX letters, digits, '.', '_' or
 * '-', not starting with '.'; else RV_ERR_PROTO that quotes it (escaped
 * and cut), what says whose answer it was.
 * provider_check_header_value: no control character (CR, LF, NUL, ...),
 * so it cannot end its header and start another.
 */
#define PROVIDER_ID_MAX 128

/*
 * What a sandbox is made from: does ops honour option, one of
 * '--image', '--snapshot' and '--target' (PROVIDER_CAP_IMAGE, _TEMPLATE,
 * _TARGET)?  An option a provider would ignore is refused, not dropped.
 * provider_any_uses_start: does any of the n providers named in names?
 */
bool provider_uses_start(const struct provider_ops *ops, const char *option);
bool provider_any_uses_start(const char *const *names, size_t n,
			     const char *option);

/* What to do instead of that option on ops (" (...)"), or "". */
const char *provider_unsupported_hint(const struct provider_ops *ops,
				      const char *option);
enum rv_code provider_check_id(const char *id, const char *what,
			       struct rv_err *err);
enum rv_code provider_check_header_value(const char *v, const char *name,
					 const char *what, struct rv_err *err);

/*
 * Set by the implementation's create/attach: fills the common part.
 * id and name are copied.
 */
void provider_sandbox_init(struct provider_sandbox *sb,
			   const struct provider_ops *ops,
			   const struct provider_config *cfg,
			   const char *id, const char *name);
/* Frees what provider_sandbox_init() allocated (not sb itself). */
void provider_sandbox_release(struct provider_sandbox *sb);

/*
 * A failed create whose cleanup failed too: both matter, the user has a
 * sandbox to reap.  err (the create's error) becomes RV_ERR_PROVIDER
 * "<its message>; and <cleanup's> (run 'runeval reap')".
 */
void provider_err_leftover(struct rv_err *err, const struct rv_err *cleanup);

enum rv_code provider_notsup_(const struct provider_ops *ops,
			      const char *op, struct rv_err *err);

/*
 * Arguments that no back-end can use, refused once here for all of them
 * (RV_ERR_USAGE, with the operation's name; else RV_OK): a config
 * without a job id (its sandbox could never be reaped), a command with
 * neither argv[0] nor a shell line, a port outside 1-65535.
 */
enum rv_code provider_usage_config_(const struct provider_config *cfg,
				    struct rv_err *err);
enum rv_code provider_usage_cmd_(const struct provider_cmd *cmd,
				 const char *op, struct rv_err *err);
enum rv_code provider_usage_port_(int port, struct rv_err *err);

/*
 * What create (rc) gave, checked once here for every back-end: the new
 * sandbox's id names a directory (<out>/sandbox-<id>) and goes into
 * request paths.  An id that is no id (provider_check_id) frees *out
 * without a remote call and is RV_ERR_PROTO; the sandbox may be left
 * running, and the message says so.  Else rc.  (attach is not checked
 * here: it takes the caller's id, and Docker's leftovers include images
 * named "sha256:...", which reap must still reach.)
 */
enum rv_code provider_adopt_(const struct provider_ops *ops,
			     const struct provider_config *cfg,
			     enum rv_code rc, struct provider_sandbox **out,
			     struct rv_err *err);

/* --- dispatch (a NULL slot gives RV_ERR_NOTSUP, bad arguments
   RV_ERR_USAGE) --------------------------------------------------------- */

/* A provider without a check slot needs nothing: RV_OK, empty ep. */
static inline enum rv_code provider_check(const struct provider_ops *ops,
	const struct provider_config *cfg, struct provider_endpoint *ep,
	struct rv_err *err)
{
	ep->api_url = ep->target = ep->image = ep->image_id = NULL;
	ep->image_present = -1;
	return ops->check ? ops->check(cfg, ep, err) : RV_OK;
}

static inline enum rv_code provider_create(const struct provider_ops *ops,
	const struct provider_config *cfg, struct provider_sandbox **out,
	struct rv_err *err)
{
	*out = NULL;
	if (!ops->create)
		return provider_notsup_(ops, "create", err);
	if (provider_usage_config_(cfg, err) != RV_OK)
		return RV_ERR_USAGE;
	return provider_adopt_(ops, cfg, ops->create(cfg, out, err), out,
			       err);
}

static inline enum rv_code provider_attach(const struct provider_ops *ops,
	const struct provider_config *cfg, const char *id,
	struct provider_sandbox **out, struct rv_err *err)
{
	*out = NULL;
	return ops->attach ? ops->attach(cfg, id, out, err) :
		provider_notsup_(ops, "attach", err);
}

static inline enum rv_code provider_upload(struct provider_sandbox *sb,
	const char *tarball, const char *sha256, const char *dir,
	struct rv_err *err)
{
	return sb->ops->upload ? sb->ops->upload(sb, tarball, sha256, dir,
						 err) :
		provider_notsup_(sb->ops, "upload", err);
}

static inline enum rv_code provider_exec(struct provider_sandbox *sb,
	const struct provider_cmd *cmd, struct provider_exec_result *res,
	struct rv_err *err)
{
	if (!sb->ops->exec)
		return provider_notsup_(sb->ops, "exec", err);
	if (provider_usage_cmd_(cmd, "exec", err) != RV_OK)
		return RV_ERR_USAGE;
	return sb->ops->exec(sb, cmd, res, err);
}

static inline enum rv_code provider_start_process(struct provider_sandbox *sb,
	const struct provider_cmd *cmd, struct provider_proc **out,
	struct rv_err *err)
{
	*out = NULL;
	if (!sb->ops->start_process)
		return provider_notsup_(sb->ops, "start_process", err);
	if (provider_usage_cmd_(cmd, "start_process", err) != RV_OK)
		return RV_ERR_USAGE;
	return sb->ops->start_process(sb, cmd, out, err);
}

static inline enum rv_code provider_process_status(
	struct provider_sandbox *sb, struct provider_proc *p,
	struct provider_proc_status *st, struct rv_err *err)
{
	return sb->ops->process_status ?
		sb->ops->process_status(sb, p, st, err) :
		provider_notsup_(sb->ops, "process_status", err);
}

static inline enum rv_code provider_process_logs(struct provider_sandbox *sb,
	struct provider_proc *p, size_t max_bytes, struct rv_buf *out,
	struct rv_err *err)
{
	return sb->ops->process_logs ?
		sb->ops->process_logs(sb, p, max_bytes, out, err) :
		provider_notsup_(sb->ops, "process_logs", err);
}

static inline enum rv_code provider_stop_process(struct provider_sandbox *sb,
	struct provider_proc *p, long grace_ms, struct rv_err *err)
{
	return sb->ops->stop_process ?
		sb->ops->stop_process(sb, p, grace_ms, err) :
		provider_notsup_(sb->ops, "stop_process", err);
}

static inline enum rv_code provider_preview(struct provider_sandbox *sb,
	int port, struct provider_preview *pv, struct rv_err *err)
{
	if (!sb->ops->preview)
		return provider_notsup_(sb->ops, "preview", err);
	if (provider_usage_port_(port, err) != RV_OK)
		return RV_ERR_USAGE;
	return sb->ops->preview(sb, port, pv, err);
}

static inline enum rv_code provider_destroy(struct provider_sandbox *sb,
	struct rv_err *err)
{
	return sb->ops->destroy ? sb->ops->destroy(sb, err) :
		provider_notsup_(sb->ops, "destroy", err);
}

static inline void provider_sandbox_free(struct provider_sandbox *sb)
{
	if (sb && sb->ops->sandbox_free)
		sb->ops->sandbox_free(sb);
}

static inline enum rv_code provider_list(const struct provider_ops *ops,
	const struct provider_config *cfg, const char *label_key,
	const char *label_value, struct provider_list *out,
	struct rv_err *err)
{
	return ops->list ? ops->list(cfg, label_key, label_value, out, err) :
		provider_notsup_(ops, "list", err);
}

static inline enum rv_code provider_snapshot(struct provider_sandbox *sb,
	const char *name, char **out, struct rv_err *err)
{
	*out = NULL;
	return sb->ops->snapshot ? sb->ops->snapshot(sb, name, out, err) :
		provider_notsup_(sb->ops, "snapshot", err);
}

static inline enum rv_code provider_snapshot_delete(
	const struct provider_ops *ops, const struct provider_config *cfg,
	const char *snap, struct rv_err *err)
{
	return ops->snapshot_delete ? ops->snapshot_delete(cfg, snap, err) :
		provider_notsup_(ops, "snapshot_delete", err);
}

/* true when the provider has no owns_port slot: nothing to check. */
static inline bool provider_owns_port(struct provider_sandbox *sb,
	struct provider_proc *p, int port)
{
	return !sb->ops->owns_port || sb->ops->owns_port(sb, p, port);
}

#endif
