/*
 * remote_e2e: `runeval --<provider>` end to end against the offline
 * server of a remote provider (daytona-lite, e2b-lite) started by the
 * test, the same checks for every such provider: a world (the server,
 * runeval's journal directory and environment), and the test bodies the
 * provider suites share (check_daytona.c, check_e2b.c).  A provider
 * describes itself once in a struct re_kind.  Every body ends by
 * asking the server: no sandbox of runeval's may be left.
 */
#ifndef RUNEVAL_TESTS_REMOTE_E2E_H
#define RUNEVAL_TESTS_REMOTE_E2E_H

#include <stdbool.h>
#include <stddef.h>

#include "lite_util.h"
#include "runeval_run.h"
#include "sandbox_world.h"

struct re_world;

struct re_kind {
	const char *provider;	/* "daytona": spans' provider */
	const char *flag;	/* "--daytona" */
	const char *prog;	/* its server: "daytona-lite" */
	const char *api_path;	/* the API below the server's base: "/api" */
	const char *url_env;	/* "DAYTONA_API_URL" */
	const char *key_env;	/* "DAYTONA_API_KEY" */
	const char *const *env;	/* more for runeval ("K=", NULL-ended) */
	long create_status;	/* what a create answers: 200, 201 */
	/* how many sandboxes with a runeval.job label the server has */
	size_t (*left)(const struct re_world *w);
};

struct re_world {
	const struct re_kind *kind;
	struct tl_server lite;
	char api_url[128];	/* the server's API (base + api_path) */
	char env_url[160], env_key[160];
	/* runeval's environment (the URL, the key, kind->env, then
	   RUNEVAL_STATE_DIR), the Python test app, journals, reap */
	struct sbx_world sbx;
};

/* Start the server (with lite_args, NULL-ended or NULL), fill the env. */
void re_start(struct re_world *w, const struct re_kind *k,
	      const char *const *lite_args);
void re_stop(struct re_world *w);

size_t re_left(const struct re_world *w);
/* Journal files left (one per job with live sandboxes). */
int re_journals(const struct re_world *w);
/* r exited with want_status, wrote result.json, and nothing is left. */
void re_assert_clean(const struct re_world *w, const struct rr *r,
		     int want_status);
/* `runeval reap A1 A2` (either may be NULL) with the world's env. */
int re_reap(const struct re_world *w, const char *a1, const char *a2,
	    char **output);

/* --- the shared test bodies ---------------------------------------------- */

/* The bundled task app over 5 seeds, every phase timed and ok. */
void re_bundled_five_seeds(const struct re_kind *k);
/* 40 seeds over 4 sandboxes, pulled from one queue by all four; the
   shards in order, with their names. */
void re_forty_seeds_four_sandboxes(const struct re_kind *k);
/*
 * An inference endpoint the sandbox cannot reach (its own loopback, where
 * nothing listens): every rollout is network_error, a broken pipeline
 * (exit 4), and the console, junit.xml and report.md say so.
 */
void re_unreachable_inference(const struct re_kind *k);
/* No credentials: exit 2 naming the key and URL variables. */
void re_without_credentials(const struct re_kind *k);
/* 429s on create, 5xx anywhere: the job runs to its end. */
void re_survives_429_and_5xx(const struct re_kind *k);
/*
 * Every create fails (--fault-error-rate 1): exit 3, stderr naming the
 * provision phase and holding needle, nothing left.
 */
void re_create_fails(const struct re_kind *k, const char *needle);
/*
 * Every sandbox is stuck starting (faults): --provision-timeout 1.5 ends
 * it in time, with needle in stderr and nothing left; the provision span's
 * attempt log saw saw_status (unless 0) on the way.
 */
void re_create_stuck(const struct re_kind *k, const char *const *faults,
		     const char *needle, long saw_status);
/* A port answering 502 for 2 s: health waits it out, no longer. */
void re_health_waits_out_502(const struct re_kind *k);
/* SIGINT at phase (twice when asked): exit 130, nothing left. */
void re_interrupt_during(const struct re_kind *k, const char *phase,
			 const char *const *faults, const char *delay,
			 bool twice);
/* kill -9 mid-rollouts, then reap --dry-run and reap. */
void re_kill9_then_reap(const struct re_kind *k);
/* `runeval lifecycle --<provider> --json`: one span line per step. */
void re_lifecycle_command(const struct re_kind *k);
/* A wrong key, then nobody listening: quick, clear, no journal. */
void re_rejected_and_unreachable(const struct re_kind *k);

#endif
