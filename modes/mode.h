/*
 * mode: a bring-up recipe that maps the phases of DESIGN.md §1 onto
 * provider calls.
 *
 * `local` runs the task app in place on this host (start, preview,
 * health); `sandbox` provisions a sandbox, uploads the bundle, installs
 * and starts it (provision, upload, install, start, preview, health).
 * The job runner does not know which: it runs mode->up[] in order, one
 * timed span per step named after step->phase, stops at the first
 * failure, and then always calls mode_teardown() (timed as "teardown").
 * A mode states its own policy, which the runner follows without knowing
 * why: step flags (MODE_STEP_CREATES: the step creates a sandbox and
 * counts against the job's limit on creates in flight), mode flags
 * (MODE_SANDBOXED: each shard gets a sandbox of its own, which is
 * journaled, labels its spans with the sandbox's id and keeps its app's
 * log apart; MODE_SELF_CONTAINED: the app must be a bundle that runs on
 * any x86-64 Linux), where the app listens, and a job-level prepare and
 * release (e.g. pack the bundle once for every sandbox).
 *
 * A step reads the app's description and the provider from struct
 * mode_app and fills in what it made (sandbox, process, preview).  The
 * health step calls back into the orchestrator (app->wait_healthy), so
 * every mode shares one health wait.
 *
 * Ownership: the runner owns struct mode_app and everything it points
 * to; sb, proc and preview belong to the mode and are released by
 * mode_teardown(), which is safe after any failure and after a signal,
 * and idempotent.
 */
#ifndef RUNEVAL_MODES_MODE_H
#define RUNEVAL_MODES_MODE_H

#include <stdbool.h>
#include <stddef.h>

#include "provider.h"
#include "rv_err.h"
#include "rv_phase.h"
#include "bundle.h"
#include "tarball.h"

struct mode_app;

/* Step flags (struct mode_step.flags). */
#define MODE_STEP_CREATES	(1u << 0)	/* creates a sandbox: counts
						   against the creates in
						   flight */
#define MODE_STEP_SNAPSHOT	(1u << 1)	/* makes the job's snapshot:
						   runs only in the shard
						   the runner gives a
						   snapshot_name */

/* One bring-up step, timed as a span of its phase. */
struct mode_step {
	enum rv_phase phase;
	enum rv_code (*run)(struct mode_app *app, struct rv_err *err);
	unsigned flags;			/* MODE_STEP_* */
};

/* Mode flags (struct mode_ops.flags). */
#define MODE_SANDBOXED		(1u << 0)	/* a sandbox per shard:
						   journaled, named, its own
						   log and span label */
#define MODE_SELF_CONTAINED	(1u << 1)	/* the app must be a bundle
						   (DIR/start.sh) */

/* What a mode prepares once per job, before any sandbox (mode_ops.prepare). */
struct mode_job {
	const char *app_dir;		/* set by the runner */
	const char *cache_dir;		/* bundles packed before (bundle.h),
					   or NULL */
	struct mode_bundle *bundle;	/* the app packed once, or NULL */
};

struct mode_ops {
	const char *name;		/* "local", "sandbox" */
	unsigned flags;			/* MODE_* */
	const char *label;		/* a shard's span label before it has
					   a sandbox id: "<label>-<shard>" */
	const char *app_host;		/* the address the app listens on */
	int default_port;		/* the app's port; 0 = a free one */
	/* MAY: job-level work before any shard, timed as prepare_phase;
	   what it makes is in mj, released by release() */
	enum rv_phase prepare_phase;
	enum rv_code (*prepare)(struct mode_job *mj, struct rv_err *err);
	void (*release)(struct mode_job *mj);
	const struct mode_step *up;	/* ended by .run == NULL */
	/* MAY: the steps of a shard whose sandbox starts from the job's
	   snapshot (the runner sets pcfg->snapshot), ended by .run ==
	   NULL; NULL: the mode cannot snapshot */
	const struct mode_step *up_restored;
	/* stop the app, destroy the sandbox; always frees; idempotent */
	enum rv_code (*teardown)(struct mode_app *app, struct rv_err *err);
};

/*
 * The health wait the orchestrator supplies: until GET <url>/health
 * answers 200 (with app->preview.headers), checking with
 * provider_process_status() that the app is still alive.  Sets
 * app->attempts.
 */
typedef enum rv_code (*mode_health_fn)(struct mode_app *app, void *arg,
				       struct rv_err *err);

struct mode_app {
	/* --- set by the runner before the first step -------------------- */
	const struct mode_ops *mode;
	const struct provider_ops *provider;
	const struct provider_config *pcfg;	/* for create */
	const char *app_dir;		/* host dir of the task app (bundle or
					   --app); the start cwd in local mode */
	const char *start_cmd;		/* shell command that starts it */
	const char *setup_cmd;		/* install step, or NULL */
	const char *remote_dir;		/* where the app goes in a sandbox */
	const struct mode_bundle *bundle;	/* app_dir packed, for upload */
	int port;			/* the app's port; 0 = choose a free one
					   (local: the step sets it) */
	const char *const *env;		/* "K=V" for the app (NULL-ended):
					   ENVIRONMENT_API_KEY and what is
					   passed (secrets); PORT is added */
	bool inherit_env;		/* local: the app also gets runeval's
					   whole environment, not the clean
					   base (local.c) */
	const char *log_path;		/* host file for the app's output */
	bool log_gone;			/* its directory goes at exit
					   (--no-out): messages quote, never
					   point at it */
	unsigned long long log_limit;	/* the most it gets (rv_redact.h's
					   cap); 0: no cap */
	long stop_grace_ms;		/* SIGTERM to SIGKILL in teardown */
	long step_timeout_ms;		/* install/exec steps; 0 = none */
	mode_health_fn wait_healthy;
	void *wait_healthy_arg;
	const volatile int *cancel;	/* set on SIGINT/SIGTERM */
	/*
	 * Sandbox modes: the journal of remote sandboxes, or NULL.  Called
	 * with "intent" before a create (sb NULL, pcfg->name is the client-
	 * chosen name), "created" once sb exists, "deleted" after a
	 * confirmed delete and "kept" when --keep leaves it up.  A failed
	 * "intent" stops the create: nothing is made that is not on disk.
	 */
	enum rv_code (*journal)(struct mode_app *app, const char *event,
				void *arg, struct rv_err *err);
	void *journal_arg;
	bool keep;			/* --keep: teardown leaves sb up */
	const char *snapshot_name;	/* this shard makes the job's snapshot
					   (MODE_STEP_SNAPSHOT), called this;
					   NULL: it makes none */

	/* --- filled by the steps ---------------------------------------- */
	struct provider_sandbox *sb;
	struct provider_proc *proc;
	struct provider_preview preview;
	bool owns_sb;			/* the mode created sb (destroy it) */
	unsigned attempts;		/* of the last step (runner resets) */
	char *kept_note;		/* --keep: how to reach the app
					   (malloc'ed, for the runner to print
					   and free; no secrets in it) */
	struct mode_bundle *own_bundle;	/* packed by the mode (released
					   by teardown) */
	char *fail_log;			/* a failed step's own log file (the
					   setup command's setup.log), and */
	char *fail_tail;		/* its last lines, whole, redacted;
					   malloc'ed, for the runner to show
					   and free */
	char *snapshot;			/* the snapshot the step made (the
					   provider's id, malloc'ed; the
					   runner takes it), or NULL */
};

/* The mode called name ("local", ...), or NULL. */
const struct mode_ops *mode_find(const char *name);

/* The mode a provider runs apps in: "sandbox" for a remote one, else
   "local". */
const struct mode_ops *mode_for_provider(const struct provider_ops *p);

/* Job-level prepare and release (no-ops for a mode without them). */
enum rv_code mode_prepare(const struct mode_ops *m, struct mode_job *mj,
			  struct rv_err *err);
void mode_release(const struct mode_ops *m, struct mode_job *mj);

/* Run app->mode->teardown; NULL mode or nothing to tear down is RV_OK. */
enum rv_code mode_teardown(struct mode_app *app, struct rv_err *err);

/*
 * base, then app->env, then "PORT=<app->port>" (NULL-ended; base may be
 * NULL), as one malloc'ed array of borrowed strings but *port_kv, which
 * the caller frees too.
 */
const char **mode_app_env(const struct mode_app *app,
			  const char *const *base, char **port_kv);

/*
 * Start the app: shell in app_dir/remote_dir with env (NULL-ended, or
 * NULL), clear_env as provider_cmd says, output to app->log_path;
 * creates the sandbox first when there is none (local).
 */
enum rv_code mode_start_cmd(struct mode_app *app, const char *shell,
			    const char *const *env, bool clear_env,
			    struct rv_err *err);

/*
 * Steps any recipe may reuse: start the app (mode_start_cmd with the
 * start command and mode_app_env), resolve the preview of app->port, and
 * the shared health wait.
 */
enum rv_code mode_step_start(struct mode_app *app, struct rv_err *err);
enum rv_code mode_step_preview(struct mode_app *app, struct rv_err *err);
enum rv_code mode_step_health(struct mode_app *app, struct rv_err *err);

/*
 * Stop the process (grace, then kill), destroy sb when owned, free
 * everything; keeps going after a failure and reports the first one.
 */
enum rv_code mode_teardown_common(struct mode_app *app, struct rv_err *err);

/*
 * Has the app's process ended?  Then st says how, and *log_tail (freed
 * first) becomes the last max_bytes of its output for error messages,
 * malloc'ed and redacted ("" when unavailable).  false while it runs,
 * before it started, or when the provider cannot tell.
 */
bool mode_app_exited(struct mode_app *app, struct provider_proc_status *st,
		     size_t max_bytes, char **log_tail);

#endif
