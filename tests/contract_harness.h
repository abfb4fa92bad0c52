/*
 * contract_harness: how each provider runs here, for the provider
 * contract suite (tests/check_provider_contract.c).
 *
 * One struct ct_harness per registered provider says what it needs
 * (a daytona-lite started by the test, nothing at all for `process`),
 * which capabilities it must claim, and how to look at its sandboxes
 * without going through the provider under test.  Adding a provider to
 * the suite is one entry in ct_harnesses[] (contract_harness.c); the
 * suite fails while a registered provider has none.
 *
 *	struct ct_world *w = ct_open(i, CT_FAULT_NONE);
 *	sb = ct_create(w, &w->cfg);
 *	... provider_exec(sb, ...) ...
 *	ct_destroy(sb);
 *	ct_close(w);	(stops what setup started: nothing is left)
 */
#ifndef RUNEVAL_TESTS_CONTRACT_HARNESS_H
#define RUNEVAL_TESTS_CONTRACT_HARNESS_H

#include <stdbool.h>
#include <stddef.h>

#include "provider.h"

/* What a world's back-end is asked to do to its creates. */
enum ct_fault {
	CT_FAULT_NONE,
	CT_FAULT_CREATE_FAILS,	/* sandboxes are made, then fail to start */
	CT_FAULT_CREATE_STALLS,	/* sandboxes are made and never start */
};

struct ct_world;

struct ct_harness {
	const char *provider;	/* provider_find() name */
	unsigned caps;		/* PROVIDER_CAP_* it must claim: a provider
				   that drops one is caught, not skipped */
	bool host_procs;	/* its processes show in this host's /proc */
	bool api_key;		/* takes cfg->api_key (a wrong one: AUTH) */
	/* Once, in the suite's own process before any test (a server the
	   whole suite shares), or NULL; it fails the suite loudly. */
	void (*suite_setup)(void);
	/*
	 * Start what the provider needs with fault injected; fill w->cfg's
	 * endpoint and credentials, w->box and w->priv.  false when this
	 * fault cannot be made here (CT_FAULT_NONE must always work).
	 */
	bool (*setup)(struct ct_world *w, enum ct_fault fault);
	void (*teardown)(struct ct_world *w);
	/* Sandboxes labelled job, as the back-end itself sees them; NULL
	   when the provider makes nothing that outlives a process. */
	long (*count)(struct ct_world *w, const char *job);
};

/* One test's provider, config and scratch space. */
struct ct_world {
	const struct ct_harness *h;
	const struct provider_ops *ops;
	struct provider_config cfg;	/* job_id = job, env, attempts,
					   cancel, and what setup adds */
	struct provider_attempts attempts;
	volatile int cancel;
	char job[64];			/* unique per world */
	char name[80];			/* a unique sandbox name for cfg.name */
	char *tmp;			/* host temporary directory */
	char *box;			/* a writable directory inside the
					   sandboxes (made by ct_box()) */
	void *priv;			/* the harness's */
};

/* Every harness, NULL-ended. */
extern const struct ct_harness *const ct_harnesses[];
/* Every harness's suite_setup, once, before the tests. */
void ct_suite_setup(void);
size_t ct_harness_count(void);
/* The harness of provider name, or NULL. */
const struct ct_harness *ct_harness_find(const char *name);

/* A world for harness i with fault; NULL when the fault cannot be made. */
struct ct_world *ct_open(int i, enum ct_fault fault);
void ct_close(struct ct_world *w);

/* h->count(job), or -1 when the harness cannot count. */
long ct_left(struct ct_world *w, const char *job);

/* A marker unique to this world and tag, for command lines ("ct-..."). */
char *ct_marker(struct ct_world *w, const char *tag);

/* --- helpers of the cases (each fails the test when it must) ----------- */

/* How long anything that should take moments may take. */
#define CT_WAIT_MS 20000

struct provider_exec_result;
struct provider_preview;
struct rv_http_response;
struct tarball_info;

/* Does w's provider claim cap? */
bool ct_has_cap(const struct ct_world *w, unsigned cap);

/* A sandbox from cfg (w->cfg or a copy of it); the create must work. */
struct provider_sandbox *ct_create(struct ct_world *w,
				   const struct provider_config *cfg);

/* Destroy (twice: it is idempotent) and free. */
void ct_destroy(struct provider_sandbox *sb);

/* exec a shell line in sb (cwd may be NULL); res is the caller's. */
enum rv_code ct_sh(struct provider_sandbox *sb, const char *cwd,
		   long timeout_ms, struct provider_exec_result *res,
		   struct rv_err *err, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* A shell line that must exit 0: its output (malloc'ed). */
char *ct_sh_ok(struct provider_sandbox *sb, const char *cwd,
	       const char *line);

/* Make w->box inside sb. */
void ct_box(struct ct_world *w, struct provider_sandbox *sb);

/* Poll process_status until p has exited (st filled); fail after
   CT_WAIT_MS. */
void ct_wait_exited(struct provider_sandbox *sb, struct provider_proc *p,
		    struct provider_proc_status *st);

/* A host file's text (malloc'ed), "" when it is missing. */
char *ct_read(const char *path);

/* The host file's text once it holds every string of want (NULL-ended),
   or as it is after CT_WAIT_MS (malloc'ed). */
char *ct_wait_file(const char *path, const char *const *want);

/* w->tmp/app.tar.gz (malloc'ed path) of: run.sh 0755 (prints "ran-ok"),
   data/ 0750, data/secret.txt 0600 ("secret-42"), link -> that file. */
char *ct_tarball(struct ct_world *w, struct tarball_info *info);

/* Start a process that would run for minutes, marker in its argv; on a
   host_procs provider, wait until it shows in /proc. */
struct provider_proc *ct_sleeper(struct ct_world *w,
				 struct provider_sandbox *sb,
				 const char *marker);

/* GET pv->url + path with pv->headers until 200, or CT_WAIT_MS: the last
   status. */
long ct_get(const struct provider_preview *pv, const char *path,
	    struct rv_http_response *resp);

#endif
