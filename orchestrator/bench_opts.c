/* bench's command line: `runeval bench` and `runeval lifecycle`. */
#include "bench_int.h"

#include "cli_opts.h"
#include "report_gate.h"
#include "rv_alloc.h"
#include "rv_http.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

void bench_usage(FILE *f, bool lifecycle)
{
	if (lifecycle) {
		fputs(
"usage: runeval lifecycle --provider NAME [--snapshot S] [--image I]\n"
"                         [--target T] [--json] [--ca-cert FILE] [--repeat N]\n"
"                         [--no-interactive] [--lite]\n"
"       runeval lifecycle --daytona ...   (any provider's alias)\n"
"\n"
"One sandbox through create, upload, exec, interpreter start, preview,\n"
"time to interactive and destroy, each step timed: a check of the\n"
"provider and its credentials ('runeval bench --iterations 1', writing no\n"
"file).  --no-interactive leaves out the interpreter and the time to\n"
"interactive (a python3 server's first answer through the preview).  The\n"
"default provider is daytona.  --lite runs it against the provider's\n"
"offline server (daytona-lite, e2b-lite), started for it.\n"
"--json prints one span per line for 'runeval report'.  On stderr, last:\n"
"how many HTTP requests it made over how many connections.  --ca-cert (or\n"
"$RUNEVAL_CA_CERT) trusts the CA certificates in FILE for HTTPS.\n"
"--repeat N runs N sandboxes one after the other and prints this\n"
"process's RSS after the first and the last (memory growth across\n"
"sandboxes).\n", f);
		return;
	}
	fputs(
"usage: runeval bench --provider P[,Q...] [--iterations N] [--warmup W]\n"
"           [--concurrency C] [--shape sequential|burst|staggered:MS]\n"
"           [--snapshot] [--workload CMD] [--target EXPR]... [--out DIR]\n"
"           [--lite] [--from-snapshot S] [--image I] [--region R] [--json]\n"
"           [--ca-cert FILE] [--config FILE] [--no-interactive] [--force]\n"
"\n"
"Sandboxes through create, upload, exec (the workload, default 'true'),\n"
"interpreter start, preview, time to interactive and teardown, each step\n"
"timed (--no-interactive: without the interpreter and the time to\n"
"interactive); the first is cold, W warm-ups are not recorded, the N-1 others\n"
"are warm.  Shapes: one at a time; C at once (burst); one every MS ms,\n"
"C at most (staggered).  --snapshot also times a snapshot of each\n"
"sandbox and a sandbox made from it, where the provider can (docker).\n"
"--target 'p95(create) < 30s' (a report gate; create is provision) exits\n"
"1 when it fails.  --config FILE: these options in YAML ('target:' a\n"
"list, flags true or false); the command line's win, its targets and\n"
"providers replacing the file's.  Writes spans.jsonl, summary.json,\n"
"report.md, metrics.prom, latency.json, bench.json into --out (default\n"
"runs/bench-<time>; an earlier bench there is replaced only with\n"
"--force).  --json prints the spans on stdout.  On stderr: HTTP\n"
"requests and connections per provider, and this process's RSS after the\n"
"first sandbox and the last.  --ca-cert (or $RUNEVAL_CA_CERT) trusts the\n"
"CA certificates in FILE for HTTPS.\n", f);
}

static enum rv_code bench_shape(struct bench *b, const char *s,
				struct rv_err *err)
{
	char *end;

	if (!strcmp(s, "sequential"))
		b->shape = BENCH_SEQUENTIAL;
	else if (!strcmp(s, "burst"))
		b->shape = BENCH_BURST;
	else if (!strncmp(s, "staggered:", 10)) {
		b->shape = BENCH_STAGGERED;
		b->stagger_ms = strtol(s + 10, &end, 10);
		if (end == s + 10 || *end || b->stagger_ms < 0 ||
		    b->stagger_ms > 3600000)
			return rv_errf(err, RV_ERR_USAGE, "'--shape %s': the "
				       "stagger must be 0 to 3600000 ms", s);
	} else {
		return rv_errf(err, RV_ERR_USAGE, "unknown '--shape %s' "
			       "(sequential, burst or staggered:MS)", s);
	}
	return RV_OK;
}

static enum rv_code bench_count(const char *s, const char *what, long lo,
				long hi, unsigned *out, struct rv_err *err)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < lo || v > hi)
		return rv_errf(err, RV_ERR_USAGE, "invalid value '%s' for "
			       "'--%s': expected %ld to %ld", s, what, lo, hi);
	*out = (unsigned)v;
	return RV_OK;
}

/*
 * A --target, checked before any sandbox is made (a typo found after a
 * paid run wastes it): a gate the reporter reads, on a phase a bench
 * times, not an eval statistic (a bench runs no rollouts).
 */
static enum rv_code bench_check_target(const char *target,
				       struct rv_err *err)
{
	static const char *const phases[] = { "provision", "restore",
		"snapshot", "upload", "exec", "interpreter", "preview", "tti",
		"teardown" };
	char *text = bench_gate(target);
	struct report_gate g;
	enum rv_code rc = report_gate_parse(text, &g, err);
	bool known = false;

	free(text);
	if (rc != RV_OK) {
		rv_err_prefix(err, "--target '%s'", target);
		return rc;
	}
	for (size_t i = 0; g.phase && i < sizeof(phases) / sizeof(*phases);
	     i++)
		known |= !strcmp(g.phase, phases[i]);
	if (report_gate_is_eval(g.stat))
		rc = rv_errf(err, RV_ERR_USAGE, "--target '%s': a bench runs no "
			     "rollouts; its targets are phase times, counts "
			     "and success rates", target);
	else if (g.phase && !known)
		rc = rv_errf(err, RV_ERR_USAGE, "--target '%s': a bench times "
			     "no phase '%s' (it times provision (or create), "
			     "upload, exec, interpreter, preview, tti, "
			     "teardown, and with --snapshot snapshot and "
			     "restore)", target, g.phase);
	report_gate_release(&g);
	return rc;
}

/*
 * What the sandboxes are made from: an option that none of the providers
 * honours is refused, not dropped (with several, each takes what it
 * uses: bench_run).
 */
static enum rv_code bench_check_start(const struct bench *b,
				      struct rv_err *err)
{
	/* lifecycle's --snapshot and --target are the sandbox's; bench's
	   are --from-snapshot and --region */
	const char *given[3] = { b->image, b->from_snapshot, b->region };
	const char *flag[3] = { "--image", b->lifecycle ? "--snapshot" :
		"--from-snapshot", b->lifecycle ? "--target" : "--region" };
	const char *as[3] = { "--image", "--snapshot", "--target" };

	for (size_t k = 0; k < 3; k++) {
		if (!given[k] || !*given[k] || !b->n_providers ||
		    provider_any_uses_start(b->providers, b->n_providers,
					    as[k]))
			continue;
		if (b->n_providers == 1)
			return rv_errf(err, RV_ERR_USAGE, "provider '%s' does "
				       "not support '%s'%s", b->providers[0],
				       flag[k], provider_unsupported_hint(
					provider_find(b->providers[0]),
					as[k]));
		return rv_errf(err, RV_ERR_USAGE, "none of the providers "
			       "supports '%s'", flag[k]);
	}
	return RV_OK;
}

/* A provider's --<alias> (getopt called it unknown), or NULL. */
static const struct provider_ops *bench_alias(const char *arg)
{
	const struct provider_ops *ops;

	if (strncmp(arg, "--", 2) || !(ops = provider_find(arg + 2)))
		return NULL;
	return ops->alias && !strcmp(ops->alias, arg + 2) ? ops : NULL;
}

static const struct option bench_longopts[] = {
		{ "provider", required_argument, NULL, 'p' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "shape", required_argument, NULL, 's' },
		{ "snapshot", optional_argument, NULL, 'S' },
		{ "workload", required_argument, NULL, 'W' },
		{ "target", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ "lite", no_argument, NULL, 'l' },
		{ "from-snapshot", required_argument, NULL, 'f' },
		{ "image", required_argument, NULL, 'i' },
		{ "region", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-interactive", no_argument, NULL, 'I' },
		{ "ca-cert", required_argument, NULL, 'C' },
		{ "config", required_argument, NULL, 'F' },
		{ "force", no_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
};

/*
 * argv with --config FILE's words first (b->config holds them): the
 * words of argv[0], the file, then the rest of argv, in *all (to free;
 * the strings are argv's and b->config's); *n_file: the file's words.
 */
static enum rv_code bench_config(struct bench *b, int argc, char **argv,
				 char ***all, size_t *n_file,
				 const char **path, struct rv_err *err)
{
	/* what a file may set: every option but --config and --help */
	struct option keys[sizeof(bench_longopts) / sizeof(bench_longopts[0])];
	size_t k = 0, n = 0;
	enum rv_code rc = RV_OK;

	for (const struct option *o = bench_longopts; o->name; o++)
		if (strcmp(o->name, "config") && strcmp(o->name, "help"))
			keys[k++] = *o;
	memset(&keys[k], 0, sizeof(keys[k]));
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			break;
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			*path = argv[++i];
		else if (!strncmp(argv[i], "--config=", 9))
			*path = argv[i] + 9;
	}
	if (*path && (rc = cli_config_words(*path, keys, &b->config, err)))
		return rc;
	*n_file = b->config.n;
	*all = rv_xcalloc((size_t)argc + b->config.n + 1, sizeof(**all));
	(*all)[n++] = argv[0];
	for (size_t i = 0; i < b->config.n; i++)
		(*all)[n++] = b->config.v[i];
	for (int i = 1; i < argc; i++)
		(*all)[n++] = argv[i];
	return RV_OK;
}

enum rv_code bench_options(struct bench *b, int argc, char **argv,
			   bool *help, struct rv_err *err)
{
	const struct option *longopts = bench_longopts;
	/* --provider a,b (or repeated) and the aliases follow the job's
	   rules: lists, aliases, the known ones named in an error */
	struct cli_options popt = { 0 };
	const char *where = "'--provider'";
	bool cmd_targets = false, cmd_providers = false;
	enum rv_code rc = RV_OK;
	const char *path = NULL;
	size_t n_file = 0;
	char **all = NULL;
	int ch, li = -1;

	if ((rc = bench_config(b, argc, argv, &all, &n_file, &path, err)) !=
	    RV_OK)
		return rc;
	argc += (int)n_file;
	argv = all;
	optind = 1;
	opterr = 0;
	while (rc == RV_OK &&
	       (ch = getopt_long(argc, argv, ":h", longopts, &li)) != -1) {
		const char *arg = argv[optind - 1];
		const char *name = li >= 0 ? longopts[li].name : arg;
		const struct provider_ops *ops;

		li = -1;
		ops = ch == '?' && !optopt ? bench_alias(arg) : NULL;
		/* the command line's targets and providers replace the
		   file's */
		if (ch == 't' && !cmd_targets && optind > (int)n_file + 1) {
			cmd_targets = true;
			b->n_targets = 0;
		}
		if ((ch == 'p' || ops) && !cmd_providers &&
		    optind > (int)n_file + 1) {
			cmd_providers = true;
			popt.n_providers = 0;
		}
		if (ops) {
			rc = cli_set_provider(&popt, ops->name, where, err);
			continue;
		}
		/* lifecycle's --snapshot S and --target T are the sandbox's
		   snapshot and region, as in a job */
		if (b->lifecycle && (ch == 'S' || ch == 't')) {
			if (ch == 'S' && !optarg && optind < argc)
				optarg = argv[optind++];
			if (!optarg) {
				rc = rv_errf(err, RV_ERR_USAGE, "option '%s' "
					     "needs a value", arg);
				break;
			}
			ch = ch == 'S' ? 'f' : 'r';
		}
		switch (ch) {
		case 'p':
			rc = cli_set_provider(&popt, optarg, where, err);
			break;
		case 'n': rc = bench_count(optarg, name, 1, 100000,
					   &b->iterations, err); break;
		case 'w': rc = bench_count(optarg, "warmup", 0, 100000,
					   &b->warmup, err); break;
		case 'c': rc = bench_count(optarg, "concurrency", 1, 64,
					   &b->concurrency, err); break;
		case 's': rc = bench_shape(b, optarg, err); break;
		case 'S':
			if (optarg)
				rc = rv_errf(err, RV_ERR_USAGE, "'--snapshot' "
					     "takes no value in bench (start "
					     "from one: '--from-snapshot S')");
			b->snapshot = true;
			break;
		case 'W': b->workload = optarg; break;
		case 't':
			if (b->n_targets == BENCH_MAX_TARGETS)
				rc = rv_errf(err, RV_ERR_USAGE, "at most %d "
					     "targets", BENCH_MAX_TARGETS);
			else
				b->targets[b->n_targets++] = optarg;
			break;
		case 'o': b->out = optarg; break;
		case 'O': b->force = true; break;
		case 'l': b->lite = true; break;
		case 'f': b->from_snapshot = optarg; break;
		case 'i': b->image = optarg; break;
		case 'r': b->region = optarg; break;
		case 'j': b->json = true; break;
		case 'I': b->no_interactive = true; break;
		case 'C': rc = rv_http_set_ca_file(optarg, err); break;
		case 'F': break;	/* read first (bench_config) */
		case 'h': *help = true; break;
		default:
			rc = rv_errf(err, RV_ERR_USAGE, "%s '%s'",
				     ch == ':' ? "no value for" :
				     "unknown option", arg);
		}
	}
	/* a bad value from the file: say where it came from */
	if (rc != RV_OK && optind <= (int)n_file + 1 && n_file)
		rv_err_prefix(err, "'%s'", path);
	if (rc == RV_OK && optind < argc)
		rc = rv_errf(err, RV_ERR_USAGE, "unexpected argument '%s'",
			     argv[optind]);
	if (rc == RV_OK && !popt.n_providers && b->lifecycle)
		rc = cli_set_provider(&popt, "daytona", where, err);
	if (rc == RV_OK && !popt.n_providers && !*help)
		rc = rv_errf(err, RV_ERR_USAGE, "no provider: give "
			     "'--provider NAME' (e.g. bwrap, daytona, docker)");
	for (size_t i = 0; rc == RV_OK && !*help && !b->lifecycle &&
	     i < b->n_targets; i++)
		rc = bench_check_target(b->targets[i], err);
	for (size_t i = 0; i < popt.n_providers; i++)
		b->providers[i] = popt.providers[i];
	b->n_providers = popt.n_providers;
	if (rc == RV_OK && !*help)
		rc = bench_check_start(b, err);
	free(all);
	return rc;
}
