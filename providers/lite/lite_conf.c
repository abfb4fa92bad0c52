#include "lite_conf.h"

#include "lite_tls.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_random.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum lite_opt_kind {
	OPT_STR,	/* char * */
	OPT_LISTEN,	/* HOST:PORT into host + port */
	OPT_RATE,	/* double in [0, 1] */
	OPT_LONG,	/* long >= 0 */
	OPT_RANGE,	/* N or MIN-MAX, into two longs */
	OPT_UIDGID,	/* UID[:GID] */
	OPT_SEED,	/* uint64_t */
	OPT_FLAG,	/* bool */
};

struct lite_opt {
	const char *name;	/* --name */
	const char *env;	/* <PREFIX><env>, or NULL */
	enum lite_opt_kind kind;
	size_t off;		/* offset in struct lite_conf */
};

#define CO(field) offsetof(struct lite_conf, field)
#define FO(field) (offsetof(struct lite_conf, faults) + \
		   offsetof(struct lite_faults, field))

static const struct lite_opt lite_opts[] = {
	{ "listen", "LISTEN", OPT_LISTEN, CO(host) },
	{ "state-dir", "STATE_DIR", OPT_STR, CO(state_dir) },
	{ "api-key", "API_KEY", OPT_STR, CO(api_key) },
	{ "bwrap", "BWRAP", OPT_STR, CO(bwrap) },
	{ "domain", "DOMAIN", OPT_STR, CO(domain) },
	{ "slirp4netns", "SLIRP4NETNS", OPT_STR, CO(slirp) },
	{ "network-host-only", NULL, OPT_FLAG, CO(net_host_only) },
	{ "sandbox-uid", "SANDBOX_UID", OPT_UIDGID, CO(sandbox_uid) },
	{ "sandbox-pids", "SANDBOX_PIDS", OPT_LONG, CO(sandbox_pids) },
	{ "interval-unit-ms", "INTERVAL_UNIT_MS", OPT_LONG,
	  CO(interval_unit_ms) },
	{ "create-wait-ms", "CREATE_WAIT_MS", OPT_LONG, CO(create_wait_ms) },
	{ "start-timeout-ms", "START_TIMEOUT_MS", OPT_LONG,
	  CO(start_timeout_ms) },
	{ "max-body", "MAX_BODY", OPT_LONG, CO(max_body) },
	{ "max-connections", "MAX_CONNECTIONS", OPT_LONG, CO(max_connections) },
	{ "head-timeout", "HEAD_TIMEOUT", OPT_LONG, CO(head_timeout_s) },
	{ "max-sandboxes", "MAX_SANDBOXES", OPT_LONG, CO(max_sandboxes) },
	{ "tls-cert", "TLS_CERT", OPT_STR, CO(tls_cert) },
	{ "tls-key", "TLS_KEY", OPT_STR, CO(tls_key) },
	{ "remove-state-dir", NULL, OPT_FLAG, CO(remove_state_dir) },
	{ "quiet", NULL, OPT_FLAG, CO(quiet) },
	{ "debug", NULL, OPT_FLAG, CO(debug) },
	{ "seed", "SEED", OPT_SEED, FO(seed) },
	{ "fault-429-rate", "FAULT_429_RATE", OPT_RATE, FO(create_429_rate) },
	{ "fault-5xx-rate", "FAULT_5XX_RATE", OPT_RATE, FO(http_5xx_rate) },
	{ "fault-latency-ms", "FAULT_LATENCY_MS", OPT_RANGE,
	  FO(latency_min_ms) },
	{ "fault-error-rate", "FAULT_ERROR_RATE", OPT_RATE, FO(error_rate) },
	{ "fault-stuck-rate", "FAULT_STUCK_RATE", OPT_RATE, FO(stuck_rate) },
	{ "fault-preview-502-ms", "FAULT_PREVIEW_502_MS", OPT_LONG,
	  FO(preview_502_ms) },
	{ "fault-preview-5xx-rate", "FAULT_PREVIEW_5XX_RATE", OPT_RATE,
	  FO(preview_5xx_rate) },
	{ "fault-retry-after-s", "FAULT_RETRY_AFTER_S", OPT_LONG,
	  FO(retry_after_s) },
};

#define LITE_NOPTS (sizeof(lite_opts) / sizeof(lite_opts[0]))

/*
 * The options part of --help: printf format taking the env prefix twice,
 * the port, the program, how the key is sent, the prefix, the client's
 * key variable, the first sandbox uid, what --interval-unit-ms means and
 * the status past --max-sandboxes.
 */
static const char lite_usage_opts[] =
"Every flag with a value can also come from the environment as\n"
"%sNAME (--fault-429-rate is %sFAULT_429_RATE);\n"
"flags win.\n"
"\n"
"  --listen HOST:PORT       where to serve (default 127.0.0.1:%d; port 0\n"
"                           picks a free one)\n"
"  --state-dir DIR          sandbox records and files; survives a restart\n"
"                           (default $HOME/.local/state/%s)\n"
"  --api-key KEY            %s clients must send; else\n"
"                           $%sAPI_KEY, else $%s,\n"
"                           else a random key saved in DIR/api-key\n"
"  --bwrap PATH             bubblewrap binary (default: bwrap in PATH)\n"
"  --domain DOMAIN          sandbox ports are served at {port}-{id}.DOMAIN\n"
"                           (default localhost, which curl resolves to\n"
"                           loopback; preview.localhost with --tls-cert)\n"
"  --slirp4netns PATH       user-mode networking for sandboxes whose create\n"
"                           request allow-lists addresses (default:\n"
"                           slirp4netns in PATH); without it such a create\n"
"                           is refused (in a sandbox, 10.0.2.2 is this\n"
"                           host's loopback)\n"
"  --network-host-only      an allow-list opens this host only: the\n"
"                           sandboxes' connections leave from 127.0.0.1\n"
"  --sandbox-uid UID[:GID]  started by root, each sandbox runs as host ids\n"
"                           of its own: UID..UID+N-1 and GID..GID+N-1 for\n"
"                           --max-sandboxes N (default %u)\n"
"  --sandbox-pids N         processes and threads per sandbox (default\n"
"                           1024; a pids cgroup, and RLIMIT_NPROC of the\n"
"                           sandbox's uid; 0 = no limit)\n"
"  --interval-unit-ms N     %s\n"
"  --create-wait-ms N       creates answer once the sandbox has started,\n"
"                           or after N ms (default 30000)\n"
"  --start-timeout-ms N     a daemon not ready after N ms fails the\n"
"                           sandbox's start (default 30000)\n"
"  --max-body BYTES         largest API request body (default 1048576; 413)\n"
"  --max-sandboxes N        sandboxes at once (default 200; %d beyond)\n"
"  --max-connections N      client connections at once (default 1024); at\n"
"                           the bound a new one displaces the oldest that\n"
"                           is still waiting for a request head\n"
"  --head-timeout S         seconds a connection has to send a whole\n"
"                           request head (default 10)\n"
"  --tls-cert FILE          serve HTTPS and wss with this certificate (PEM,\n"
"                           for 127.0.0.1, localhost and *.DOMAIN: a\n"
"                           certificate cannot name *.localhost, so ports\n"
"                           are then https://PORT-ID.preview.localhost:N)\n"
"  --tls-key FILE           its private key (PEM)\n"
"  --remove-state-dir       remove DIR when the server stops after serving\n"
"                           (a directory made for this run alone, as\n"
"                           runeval --lite makes: it goes even when\n"
"                           runeval was killed)\n"
"  --quiet                  no log lines but errors\n"
"  --debug                  also log timings of every sandbox start\n"
"\n"
"Fault injection (all off by default; rates are probabilities in [0, 1]):\n"
"  --seed N                 seed of the fault generator (default: time);\n"
"                           the same seed makes the same decisions\n"
"  --fault-429-rate R       creates answered 429 with Retry-After (and\n"
"                           rate-limit) headers\n"
"  --fault-retry-after-s N  the Retry-After value of those (default 1)\n"
"  --fault-5xx-rate R       any request answered 500, 502 or 503\n"
"  --fault-latency-ms N|A-B delay added before each request is handled\n"
"  --fault-error-rate R     sandboxes that fail while starting\n"
"  --fault-stuck-rate R     sandboxes that never finish starting\n"
"  --fault-preview-502-ms N sandbox ports answer 502 for N ms after each\n"
"                           start\n"
"  --fault-preview-5xx-rate R  requests to sandbox ports answered 502, 503\n"
"                           or 504 by the proxy (the app never sees them)\n"
"\n"
"  --help, --version\n";

char *lite_conf_usage(const struct lite_conf_spec *spec)
{
	struct rv_buf b = RV_BUF_INIT;

	rv_buf_addf(&b, "usage: %s [--listen HOST:PORT] [--state-dir DIR] "
		    "[--api-key KEY]\n%*s[options]\n       %s\n\n%s\n",
		    spec->prog, (int)strlen(spec->prog) + 8, "", spec->daemon,
		    spec->what);
	rv_buf_addf(&b, lite_usage_opts, spec->env_prefix, spec->env_prefix,
		    spec->port, spec->prog, spec->key_how, spec->env_prefix,
		    spec->key_env, spec->sandbox_uid, spec->interval_help,
		    spec->full_status);
	return rv_buf_detach(&b, NULL);
}

static enum rv_code lite_conf_long(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0)
		return RV_ERR_USAGE;
	*out = v;
	return RV_OK;
}

static enum rv_code lite_set_listen(struct lite_conf *c, const char *v)
{
	const char *colon = strrchr(v, ':');
	long port;

	if (!colon || colon == v || lite_conf_long(colon + 1, &port) ||
	    port > 65535)
		return RV_ERR_USAGE;
	free(c->host);
	/* [::1]:PORT */
	if (v[0] == '[' && colon[-1] == ']')
		c->host = rv_xstrndup(v + 1, (size_t)(colon - v - 2));
	else
		c->host = rv_xstrndup(v, (size_t)(colon - v));
	c->port = (int)port;
	return RV_OK;
}

static enum rv_code lite_set_uidgid(struct lite_conf *c, const char *v)
{
	char *end;
	unsigned long uid, gid;

	errno = 0;
	uid = strtoul(v, &end, 10);
	gid = uid;
	if (!errno && end != v && *end == ':')
		gid = strtoul(end + 1, &end, 10);
	if (errno || end == v || *end || uid == 0 || gid == 0 ||
	    uid > 0xfffffffeUL || gid > 0xfffffffeUL)
		return RV_ERR_USAGE;
	c->sandbox_uid = (uid_t)uid;
	c->sandbox_gid = (gid_t)gid;
	return RV_OK;
}

static enum rv_code lite_set_range(long *pair, const char *v)
{
	char *dash = strchr(v, '-');
	enum rv_code rc;

	if (!dash) {
		rc = lite_conf_long(v, &pair[0]);
		pair[1] = pair[0];
		return rc;
	}
	{
		char *lo = rv_xstrndup(v, (size_t)(dash - v));

		rc = lite_conf_long(lo, &pair[0]);
		free(lo);
	}
	if (rc == RV_OK)
		rc = lite_conf_long(dash + 1, &pair[1]);
	if (rc == RV_OK && pair[1] < pair[0])
		rc = RV_ERR_USAGE;
	return rc;
}

static enum rv_code lite_set_opt(struct lite_conf *c, const struct lite_opt *o,
				 const char *v)
{
	char *field = (char *)c + o->off;
	char *end;
	long l;

	switch (o->kind) {
	case OPT_STR:
		free(*(char **)field);
		*(char **)field = rv_xstrdup(v);
		return RV_OK;
	case OPT_LISTEN:
		return lite_set_listen(c, v);
	case OPT_RATE: {
		double d;

		errno = 0;
		d = strtod(v, &end);
		if (errno || end == v || *end || !(d >= 0.0 && d <= 1.0))
			return RV_ERR_USAGE;
		*(double *)field = d;
		return RV_OK;
	}
	case OPT_LONG:
		if (lite_conf_long(v, &l))
			return RV_ERR_USAGE;
		if (o->off == CO(max_body))
			c->max_body = (size_t)l;
		else if (o->off == CO(max_sandboxes))
			c->max_sandboxes = (unsigned)l;
		else
			*(long *)field = l;
		return RV_OK;
	case OPT_RANGE:
		return lite_set_range((long *)field, v);
	case OPT_UIDGID:
		return lite_set_uidgid(c, v);
	case OPT_SEED:
		errno = 0;
		*(uint64_t *)field = strtoull(v, &end, 10);
		return errno || end == v || *end ? RV_ERR_USAGE : RV_OK;
	case OPT_FLAG:
		*(bool *)field = true;
		return RV_OK;
	}
	return RV_ERR_USAGE;
}

/* $HOME/.local/state/<prog> (malloc'ed). */
static char *lite_default_state_dir(const struct lite_conf_spec *spec)
{
	const char *home = getenv("HOME");

	return rv_xasprintf("%s/.local/state/%s", home && *home ? home :
			    "/tmp", spec->prog);
}

/* Is the state directory the default one (no --state-dir)? */
static bool lite_state_dir_is_default(const struct lite_conf *c)
{
	char *def = lite_default_state_dir(c->spec);
	bool same = !strcmp(def, c->state_dir);

	free(def);
	return same;
}

static void lite_conf_defaults(struct lite_conf *c,
			       const struct lite_conf_spec *spec)
{
	memset(c, 0, sizeof(*c));
	c->spec = spec;
	c->host = rv_xstrdup("127.0.0.1");
	c->port = spec->port;
	c->state_dir = lite_default_state_dir(spec);
	c->sandbox_uid = spec->sandbox_uid;
	c->sandbox_gid = spec->sandbox_uid;
	c->sandbox_pids = 1024;
	c->interval_unit_ms = 60000;
	c->create_wait_ms = 30000;
	c->start_timeout_ms = 30000;
	c->max_body = 1 << 20;
	c->max_sandboxes = 200;
	c->max_connections = 1024;
	c->head_timeout_s = 10;
	c->faults.retry_after_s = 1;
	c->faults.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
}

/* A key a client can send as "Bearer KEY": printable, no spaces. */
static bool lite_token_ok(const char *key)
{
	if (!*key)
		return false;
	for (const char *p = key; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

static enum rv_code lite_conf_env(struct lite_conf *c, struct rv_err *err)
{
	for (size_t i = 0; i < LITE_NOPTS; i++) {
		char name[64];
		const char *v;

		if (!lite_opts[i].env)
			continue;
		snprintf(name, sizeof(name), "%s%s", c->spec->env_prefix,
			 lite_opts[i].env);
		v = getenv(name);
		if (v && *v && lite_set_opt(c, &lite_opts[i], v))
			return rv_errf(err, RV_ERR_USAGE,
				       "invalid value '%s' for '%s'", v, name);
	}
	if (!c->api_key && getenv(c->spec->key_env) &&
	    *getenv(c->spec->key_env))
		c->api_key = rv_xstrdup(getenv(c->spec->key_env));
	return RV_OK;
}

enum rv_code lite_conf_parse(struct lite_conf *c,
			     const struct lite_conf_spec *spec, int argc,
			     char **argv, enum lite_conf_info *info,
			     struct rv_err *err)
{
	struct option lo[LITE_NOPTS + 3];
	enum rv_code rc;
	int o;

	lite_conf_defaults(c, spec);
	*info = LITE_CONF_RUN;
	rc = lite_conf_env(c, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < LITE_NOPTS; i++)
		lo[i] = (struct option){ lite_opts[i].name,
			lite_opts[i].kind == OPT_FLAG ? no_argument :
			required_argument, NULL, (int)i };
	lo[LITE_NOPTS] = (struct option){ "help", no_argument, NULL, 'h' };
	lo[LITE_NOPTS + 1] = (struct option){ "version", no_argument, NULL,
					      'V' };
	lo[LITE_NOPTS + 2] = (struct option){ NULL, 0, NULL, 0 };
	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
		if (o == 'h' || o == 'V') {
			*info = o == 'h' ? LITE_CONF_HELP : LITE_CONF_VERSION;
			return RV_OK;
		}
		if (o == '?' || o == ':')
			return rv_errf(err, RV_ERR_USAGE, "unknown or "
				       "incomplete option '%s'",
				       argv[optind - 1]);
		if (lite_set_opt(c, &lite_opts[o], optarg))
			return rv_errf(err, RV_ERR_USAGE,
				       "invalid value '%s' for '--%s'", optarg,
				       lite_opts[o].name);
	}
	if (optind < argc)
		return rv_errf(err, RV_ERR_USAGE, "unexpected argument '%s'",
			       argv[optind]);
	if (c->api_key && !lite_token_ok(c->api_key))
		return rv_errf(err, RV_ERR_USAGE, "%s '--api-key': give a key "
			       "of printable characters without spaces, or "
			       "leave the option out and %s makes one",
			       *c->api_key ? "unusable" : "empty", spec->prog);
	if (c->interval_unit_ms < 1)
		return rv_errf(err, RV_ERR_USAGE,
			       "'--interval-unit-ms' must be at least 1");
	if (c->remove_state_dir && lite_state_dir_is_default(c))
		return rv_errf(err, RV_ERR_USAGE, "'--remove-state-dir' needs "
			       "'--state-dir DIR' (a directory made for this "
			       "run), never the default one");
	if (!c->domain)
		c->domain = rv_xstrdup(c->tls_cert ? LITE_TLS_PREVIEW_DOMAIN :
				       "localhost");
	if (!c->domain[0] || strspn(c->domain, "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") !=
	    strlen(c->domain))
		return rv_errf(err, RV_ERR_USAGE, "invalid value '%s' for "
			       "'--domain': letters, digits, '.' and '-' only",
			       c->domain);
	if (c->max_connections < 1 || c->max_connections > 1000000)
		return rv_errf(err, RV_ERR_USAGE, "'--max-connections' must be "
			       "1 to 1000000");
	if (c->head_timeout_s < 1 || c->head_timeout_s > 3600)
		return rv_errf(err, RV_ERR_USAGE, "'--head-timeout' must be 1 "
			       "to 3600 seconds");
	if ((uint64_t)c->sandbox_uid + c->max_sandboxes > 0xfffffffeULL ||
	    (uint64_t)c->sandbox_gid + c->max_sandboxes > 0xfffffffeULL)
		return rv_errf(err, RV_ERR_USAGE, "'--sandbox-uid' %lu:%lu "
			       "leaves no room for %u sandboxes",
			       (unsigned long)c->sandbox_uid,
			       (unsigned long)c->sandbox_gid, c->max_sandboxes);
	if (lite_tls_check(c->tls_cert, c->tls_key, err) != RV_OK)
		return RV_ERR_USAGE;
	c->faults.rng = c->faults.seed;
	return RV_OK;
}

void lite_conf_release(struct lite_conf *c)
{
	free(c->host);
	free(c->state_dir);
	free(c->api_key);
	free(c->bwrap);
	free(c->domain);
	free(c->slirp);
	free(c->tls_cert);
	free(c->tls_key);
	memset(c, 0, sizeof(*c));
}

/* splitmix64: small, fast, and good enough for fault decisions. */
static uint64_t lite_fault_next(struct lite_faults *f)
{
	uint64_t z = (f->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

double lite_fault_uniform(struct lite_faults *f)
{
	return (double)(lite_fault_next(f) >> 11) / (double)(1ULL << 53);
}

bool lite_fault_hit(struct lite_faults *f, double rate)
{
	if (rate <= 0.0)
		return false;
	return lite_fault_uniform(f) < rate;
}

long lite_fault_latency_ms(struct lite_faults *f)
{
	long span = f->latency_max_ms - f->latency_min_ms;

	if (f->latency_max_ms <= 0)
		return 0;
	return f->latency_min_ms +
		(span ? (long)(lite_fault_next(f) % (uint64_t)(span + 1)) : 0);
}

void lite_random_token(char *buf, size_t n)
{
	static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char raw[128];

	if (n > sizeof(raw))
		n = sizeof(raw);
	rv_random(raw, n);
	for (size_t i = 0; i < n; i++)
		buf[i] = set[raw[i] % 36];
	buf[n] = '\0';
}
