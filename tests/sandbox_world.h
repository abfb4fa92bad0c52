/*
 * sandbox_world: what every end-to-end test of a sandbox provider shares,
 * whatever the provider (remote_e2e.h wraps it around a daytona-lite or
 * an e2b-lite for the bodies check_daytona.c and check_e2b.c share,
 * daytona_world.h around a daytona-lite for the other daytona suites,
 * check_docker.c around a private dockerd): runeval's environment (the
 * provider's variables, then RUNEVAL_STATE_DIR), the Python task app,
 * and the checks every test ends with: the exit status, result.json
 * written, nothing left on the provider, no journal left.
 */
#ifndef RUNEVAL_TESTS_SANDBOX_WORLD_H
#define RUNEVAL_TESTS_SANDBOX_WORLD_H

#include <stdbool.h>
#include <stddef.h>

#include "runeval_run.h"

#define SBX_WORLD_MAX_ENV 6

struct sbx_world {
	char *dir;			/* scratch: reap's log */
	char *state;			/* RUNEVAL_STATE_DIR */
	char env_state[300];
	const char *env[SBX_WORLD_MAX_ENV + 2];	/* NULL-ended */
	char *pyapp;			/* tests/apps/pyapp */
	/* what the provider still holds labelled runeval.job */
	size_t (*left)(const struct sbx_world *w);
	const void *provider;		/* the provider's, for left() */
};

/*
 * A world in dir (kept; the caller removes it): its state directory is
 * dir/runeval-state; env (NULL-ended, at most SBX_WORLD_MAX_ENV, borrowed)
 * comes first in w->env.
 */
void sbx_world_init(struct sbx_world *w, const char *dir,
		    const char *const *env,
		    size_t (*left)(const struct sbx_world *w),
		    const void *provider);
void sbx_world_release(struct sbx_world *w);

/* Journal files left (one per job with live sandboxes). */
int sbx_world_journals(const struct sbx_world *w);

/* `runeval reap [a1 [a2]]` in w; its exit status, *output its text. */
int sbx_world_reap(const struct sbx_world *w, const char *a1, const char *a2,
		   char **output);

/* Exit status as wanted, results written, nothing left anywhere. */
void sbx_assert_ran_clean(const struct sbx_world *w, const struct rr *r,
			  int want_status);

/*
 * The headline of a sandbox provider: `runeval --PROVIDER --seeds 5`, the
 * bundled task app: exit 0, nothing left, mean reward 1, every phase
 * timed and labelled with the provider, the create in its attempt log,
 * mode "sandbox" at api_url.  Returns the run (rr_free() it) and in *log
 * the path of the app's log (malloc'ed).
 */
struct rr *sbx_run_headline(const struct sbx_world *w, const char *provider,
			    const char *api_url, char **log);

/*
 * Start runeval with args (NULL-ended; they must include -v), SIGINT it
 * when it starts phase (rr_interrupt()), again 0.1 s later when twice: it
 * tears down and exits 130, "interrupted", with nothing left.
 */
void sbx_interrupt_during(const struct sbx_world *w, const char *const *args,
			  const char *phase, bool twice);

#endif
