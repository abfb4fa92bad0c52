/*
 * lite_conf: daytona-lite's configuration (command line and environment)
 * and its fault injection.
 *
 * lite_conf_parse() fills a struct lite_conf from argv and the process
 * environment (flags win over DAYTONA_LITE_* variables); the struct owns
 * its strings until lite_conf_release().  Faults draw from one seeded
 * generator, so a run with the same --seed makes the same decisions in
 * the same order.  Not thread-safe: faults are drawn on the server thread.
 */
#ifndef RUNEVAL_PROVIDERS_DAYTONA_LITE_CONTROL_LITE_CONF_H
#define RUNEVAL_PROVIDERS_DAYTONA_LITE_CONTROL_LITE_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rv_err.h"

struct lite_faults {
	double create_429_rate;	/* POST /api/sandbox answered 429 */
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
	char *host;		/* listen address ("127.0.0.1") */
	int port;		/* 0 = any free port */
	char *state_dir;
	char *api_key;
	bool api_key_generated;	/* no key given: one was made and saved */
	char *bwrap;		/* bubblewrap binary */
	char *slirp;		/* slirp4netns binary */
	bool net_host_only;	/* allow-lists open this host only */
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
	struct lite_faults faults;
};

enum lite_conf_info {
	LITE_CONF_RUN,		/* serve */
	LITE_CONF_HELP,		/* print lite_conf_usage(), exit 0 */
	LITE_CONF_VERSION,	/* print the version, exit 0 */
};

/*
 * Parse argv[1..] and the environment.  Returns RV_ERR_USAGE with a
 * one-line message for a bad flag or value.  c must be released either
 * way.
 */
enum rv_code lite_conf_parse(struct lite_conf *c, int argc, char **argv,
			     enum lite_conf_info *info, struct rv_err *err);
void lite_conf_release(struct lite_conf *c);

/* The --help text (static). */
const char *lite_conf_usage(void);

/* A uniform double in [0, 1) from the fault generator. */
double lite_fault_uniform(struct lite_faults *f);

/* true with probability rate (rate <= 0 never draws). */
bool lite_fault_hit(struct lite_faults *f, double rate);

/* The added latency for one request, in ms (0 when none). */
long lite_fault_latency_ms(struct lite_faults *f);

/* Fill buf with n random characters from [a-z0-9] (rv_random), NUL-ended. */
void lite_random_token(char *buf, size_t n);

#endif
