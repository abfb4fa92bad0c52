/*
 * daytona_world: one runeval --daytona test's world: a daytona-lite
 * (lite_server.h), a journal directory, runeval's environment for both,
 * and what the tests ask of it afterwards (sandboxes and journals left,
 * spans, `runeval reap`).
 */
#ifndef RUNEVAL_TESTS_DAYTONA_WORLD_H
#define RUNEVAL_TESTS_DAYTONA_WORLD_H

#include <jansson.h>
#include <stddef.h>

#include "lite_server.h"
#include "runeval_run.h"

struct world {
	struct lite_server lite;
	char *state;			/* RUNEVAL_STATE_DIR */
	char env_state[300];
	const char *env[6];
	char *pyapp;
};

/* Start daytona-lite with lite_args (NULL-ended, may be NULL). */
void world_start(struct world *w, const char *const *lite_args);
void world_stop(struct world *w);

/* Sandboxes left on the server (any runeval job). */
size_t world_left(const struct world *w);

/* Sandboxes with a runeval.job label on the daytona-lite at api_url. */
size_t daytona_sandboxes_left(const char *api_url, const char *api_key);

/* Journal files left (one per job with live sandboxes). */
int world_journals(const struct world *w);

/* `runeval reap [a1 [a2]]` in w; its exit status, *output its text. */
int world_reap(const struct world *w, const char *a1, const char *a2,
	       char **output);

#endif
