/*
 * daytona_world: one runeval --daytona test's world: a daytona-lite
 * (lite_server.h) and the world every sandbox provider's tests share
 * (sandbox_world.h: runeval's environment for the server, a journal
 * directory, what is left afterwards, `runeval reap`).
 */
#ifndef RUNEVAL_TESTS_DAYTONA_WORLD_H
#define RUNEVAL_TESTS_DAYTONA_WORLD_H

#include <jansson.h>
#include <stddef.h>

#include "lite_server.h"
#include "runeval_run.h"
#include "sandbox_world.h"

struct world {
	struct lite_server lite;
	struct sbx_world sbx;	/* env: the server's URL and key,
				   DAYTONA_TARGET=, RUNEVAL_STATE_DIR */
};

/* Start daytona-lite with lite_args (NULL-ended, may be NULL). */
void world_start(struct world *w, const char *const *lite_args);
void world_stop(struct world *w);

/* Sandboxes left on the server (any runeval job). */
size_t world_left(const struct world *w);

/* Sandboxes with a runeval.job label on the daytona-lite at api_url. */
size_t daytona_sandboxes_left(const char *api_url, const char *api_key);

#endif
