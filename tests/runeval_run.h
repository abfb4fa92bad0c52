/*
 * runeval_run: run build/runeval as a real process from a test and look
 * at what it left (exit status, stdout, stderr, result.json).
 */
#ifndef RUNEVAL_TESTS_RUNEVAL_RUN_H
#define RUNEVAL_TESTS_RUNEVAL_RUN_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct rr {
	char *dir;		/* temporary directory (removed by rr_free) */
	char *out;		/* <dir>/out: the --out directory */
	char *stdout_path;
	char *stderr_path;
	int status;		/* exit status, or 128 + signal */
	char *stdout_text;	/* after rr_wait */
	char *stderr_text;
	json_t *result;		/* <out>/result.json, or NULL */
	char *bin;		/* runeval to run (malloc'ed); NULL = build's */
};

/* A fresh run context (temporary dir); free with rr_free(). */
struct rr *rr_new(void);
void rr_free(struct rr *r);

/*
 * Start runeval with args (NULL-ended, without argv[0]; "--out DIR" is
 * added, and "--env-file /dev/null" unless args name one) and extra environment "K=V" entries (NULL-ended or NULL).
 * Returns the pid; rr_wait() collects it.
 */
pid_t rr_start(struct rr *r, const char *const *args, const char *const *env);
/* Wait for pid (up to timeout_s, then SIGKILL) and load the outputs. */
void rr_wait(struct rr *r, pid_t pid, int timeout_s);
/* rr_start + rr_wait. */
int rr_run(struct rr *r, const char *const *args, const char *const *env);

/* The pid the Python test app printed in taskapp.log, or -1. */
pid_t rr_app_pid(const struct rr *r);

/* Path of the Python test app's directory (malloc'ed). */
char *rr_pyapp_dir(void);

/* Rollout record of seed, or NULL. */
json_t *rr_rollout(const struct rr *r, long seed);

/*
 * Assert that needle (a secret) is in no file under dir (NULL: r->out)
 * and on neither stdout nor stderr of the run.
 */
void rr_assert_nowhere(const struct rr *r, const char *dir,
		       const char *needle);

/* Does result.json have a span of this phase? */
bool rr_has_span(const struct rr *r, const char *phase);

/* The first span of phase (borrowed), or NULL; how many there are. */
json_t *rr_first_span(const struct rr *r, const char *phase);
int rr_count_spans(const struct rr *r, const char *phase);

/* Each of phases (NULL-ended) has a span, ok, timed, of provider. */
void rr_assert_phases(const struct rr *r, const char *const *phases,
		      const char *provider);

/* Does span's attempt log have an answer with this HTTP status? */
bool rr_span_saw(const json_t *span, long status);

/*
 * `runeval lifecycle ARGS... --json` (args NULL-ended, at most 7) with
 * env: it exits 0 and prints an ok span for each of provision, upload,
 * exec, preview and teardown.
 */
void rr_assert_lifecycle(const char *const *args, const char *const *env);
/* The same, and the spans' text (malloc'ed). */
char *rr_lifecycle(const char *const *args, const char *const *env);

/* summary.<key> of result.json as a number (0 when there is none). */
double rr_summary_num(const struct rr *r, const char *key);

/* Wait until the file at path contains needle; false after timeout_ms. */
bool rr_wait_for_text(const char *path, const char *needle, int timeout_ms);

/*
 * Run `runeval ARGS` (NULL-ended, without argv[0]) with exactly the
 * environment env ("K=V", NULL-ended) to its end: its exit status (128 +
 * signal when killed), and its output (stdout and stderr, malloc'ed).
 */
int rr_command(const char *const *args, const char *const *env,
	       char **output);

/*
 * Start runeval with args (which must have -v) and env, SIGINT it once
 * its stderr says it began phase ("debug: PHASE ..."), twice when asked,
 * and wait for it (rr_wait, up to 90 s).
 */
void rr_interrupt(struct rr *r, const char *const *args,
		  const char *const *env, const char *phase, bool twice);

/*
 * The same with SIGKILL, 200 ms into phase: runeval dies at once and
 * leaves what it made (r->status is 128 + SIGKILL).
 */
void rr_kill9_during(struct rr *r, const char *const *args,
		     const char *const *env, const char *phase);

/* Journal files under RUNEVAL_STATE_DIR state_dir (one per job with live
   sandboxes), or -1. */
int rr_journals(const char *state_dir);

/*
 * `runeval reap [a1] [a2]` with env ("K=V", NULL-ended) (rr_command):
 * its exit status, its output in *output (malloc'ed).
 */
int rr_reap(const char *const *env, const char *a1, const char *a2,
	    char **output);

#endif
