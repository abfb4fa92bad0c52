/*
 * lite_conf: an offline server's configuration (command line and
 * environment) and its fault injection.
 *
 * lite_conf_parse() fills a struct lite_conf from argv and the process
 * environment (flags win over <PREFIX>* variables, DAYTONA_LITE_ for
 * daytona-lite, E2B_LITE_ for e2b-lite); the struct owns its strings
 * until lite_conf_release().  Faults draw from one seeded generator, so a
 * run with the same --seed makes the same decisions in the same order.
 * Not thread-safe: faults are drawn on the server thread.
 */
#ifndef RUNEVAL_PROVIDERS_LITE_LITE_CONF_H
#define RUNEVAL_PROVIDERS_LITE_LITE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rv_err.h"

/*
 * The first of daytona-lite's sandboxes' host ids: far above the ids of
 * users (1000-60000), systemd's dynamic users (61184-65519), nobody
 * (65534) and the subordinate id ranges given to users for containers
 * (100000 on, 65536 each), and below 2^31, which some tools take as
 * negative.  e2b-lite's start LITE_SANDBOX_UID_STEP above, so that the
 * two servers' sandboxes never share an id by default.
 */
#define LITE_SANDBOX_UID 1900000000u
#define LITE_SANDBOX_UID_STEP 1000000u

/* What differs between the servers' command lines. */
struct lite_conf_spec {
	const char *prog;	/* "daytona-lite" */
	const char *env_prefix;	/* "DAYTONA_LITE_" */
	const char *key_env;	/* "DAYTONA_API_KEY": the client's key, the
				   last place the server looks for its own */
	const char *key_how;	/* how clients send it: "the Bearer key" */
	const char *const *url_env;	/* where clients read the API URL
					   from (NULL-ended) */
	const char *sdk;	/* "the Daytona SDK": the official client */
	const char *what;	/* the usage's opening paragraphs */
	const char *daemon;	/* the daemon's usage line */
	int port;		/* the default port */
	unsigned sandbox_uid;	/* the default first sandbox uid (and gid) */
	const char *interval_help;	/* --interval-unit-ms in --help */
	int full_status;	/* a create past --max-sandboxes: 403, 429 */
};

struct lite_faults {
	double create_429_rate;	/* creates answered 429 */
	double http_5xx_rate;	/* any request answered 500/502/503 */
	long latency_min_ms;	/* added before every request is handled */
	long latency_max_ms;
	double error_rate;	/* sandboxes that end in state error */
	double stuck_rate;	/* sandboxes that stay in starting */
	long preview_502_ms;	/* previews answer 502 this long after start */
	double preview_5xx_rate;	/* preview requests answered 502/503/504
				   by the proxy, the app never reached */
	long retry_after_s;	/* Retry-After-sandbox-create on a 429 */
	uint64_t seed;
	uint64_t rng;		/* generator state */
};

struct lite_conf {
	const struct lite_conf_spec *spec;	/* static */
	char *host;		/* listen address ("127.0.0.1") */
	int port;		/* 0 = any free port */
	char *state_dir;
	char *api_key;
	bool api_key_generated;	/* no key given: one was made and saved */
	char *bwrap;		/* bubblewrap binary */
	char *slirp;		/* slirp4netns binary */
	bool net_host_only;	/* allow-lists open this host only */
	char *domain;		/* sandbox hosts are {port}-{id}.{domain}
				   (default localhost, or under TLS
				   LITE_TLS_PREVIEW_DOMAIN) */
	uid_t sandbox_uid;	/* as root: the first host uid of sandboxes */
	gid_t sandbox_gid;	/* (one each, max_sandboxes of them) */
	long sandbox_pids;	/* processes per sandbox; 0 = no limit */
	long interval_unit_ms;	/* one "minute" of auto-stop/-archive/-delete */
	long create_wait_ms;	/* create/start answer once started, or then */
	long start_timeout_ms;	/* the toolbox must be ready within this */
	size_t max_body;	/* control-plane request body limit (413) */
	long max_connections;	/* client connections at once */
	long head_timeout_s;	/* to receive a request head */
	unsigned max_sandboxes;
	char *tls_cert;		/* serve HTTPS with this PEM, or NULL */
	char *tls_key;		/* and its key (lite_tls_check'ed) */
	bool quiet;
	bool debug;
	bool remove_state_dir;	/* at a clean exit (runeval --lite's) */
	struct lite_faults faults;
};

enum lite_conf_info {
	LITE_CONF_RUN,		/* serve */
	LITE_CONF_HELP,		/* print lite_conf_usage(), exit 0 */
	LITE_CONF_VERSION,	/* print the version, exit 0 */
};

/*
 * Parse argv[1..] and the environment for the server spec describes (it
 * must be static).  Returns RV_ERR_USAGE with a one-line message for a
 * bad flag or value.  c must be released either way.
 */
enum rv_code lite_conf_parse(struct lite_conf *c,
			     const struct lite_conf_spec *spec, int argc,
			     char **argv, enum lite_conf_info *info,
			     struct rv_err *err);
void lite_conf_release(struct lite_conf *c);

/* The --help text of spec's server (malloc'ed). */
char *lite_conf_usage(const struct lite_conf_spec *spec);

/* A uniform double in [0, 1) from the fault generator. */
double lite_fault_uniform(struct lite_faults *f);

/* true with probability rate (rate <= 0 never draws). */
bool lite_fault_hit(struct lite_faults *f, double rate);

/* The added latency for one request, in ms (0 when none). */
long lite_fault_latency_ms(struct lite_faults *f);

/* Fill buf with n random characters from [a-z0-9] (rv_random), NUL-ended. */
void lite_random_token(char *buf, size_t n);

#endif
