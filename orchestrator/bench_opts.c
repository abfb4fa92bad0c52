/* bench's command line: `runeval bench` and `runeval lifecycle`. */
#include "bench_int.h"

#include "cli_opts.h"
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
"       runeval lifecycle --daytona ...   (any provider's alias)\n"
"\n"
"One sandbox through create, upload, exec, preview and destroy, each step\n"
"timed: a check of the provider and its credentials ('runeval bench\n"
"--iterations 1', writing no file).  The default provider is daytona.\n"
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
"           [--ca-cert FILE]\n"
"\n"
"Sandboxes through create, upload, exec (the workload, default 'true'),\n"
"interpreter start, preview, time to interactive and teardown, each step\n"
"timed; the first is cold, W warm-ups are not recorded, the N-1 others\n"
"are warm.  Shapes: one at a time; C at once (burst); one every MS ms,\n"
"C at most (staggered).  --snapshot also times a snapshot of each\n"
"sandbox and a sandbox made from it, where the provider can (docker).\n"
"--target 'p95(create) < 30s' (a report gate; create is provision) exits\n"
"1 when it fails.  Writes spans.jsonl, summary.json, report.md,\n"
"metrics.prom, latency.json, bench.json into --out (default\n"
"runs/bench-<time>).  --json prints the spans on stdout.  On stderr: HTTP\n"
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

/* A provider's --<alias> (getopt called it unknown), or NULL. */
static const struct provider_ops *bench_alias(const char *arg)
{
	const struct provider_ops *ops;

	if (strncmp(arg, "--", 2) || !(ops = provider_find(arg + 2)))
		return NULL;
	return ops->alias && !strcmp(ops->alias, arg + 2) ? ops : NULL;
}

enum rv_code bench_options(struct bench *b, int argc, char **argv,
			   bool *help, struct rv_err *err)
{
	static const struct option longopts[] = {
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
		{ "ca-cert", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	/* --provider a,b (or repeated) and the aliases follow the job's
	   rules: lists, aliases, the known ones named in an error */
	struct cli_options popt = { 0 };
	const char *where = "'--provider'";
	enum rv_code rc = RV_OK;
	int ch, li = -1;

	optind = 1;
	opterr = 0;
	while (rc == RV_OK &&
	       (ch = getopt_long(argc, argv, ":h", longopts, &li)) != -1) {
		const char *arg = argv[optind - 1];
		const char *name = li >= 0 ? longopts[li].name : arg;
		const struct provider_ops *ops;

		li = -1;
		if (ch == '?' && !optopt && (ops = bench_alias(arg))) {
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
		case 'l': b->lite = true; break;
		case 'f': b->from_snapshot = optarg; break;
		case 'i': b->image = optarg; break;
		case 'r': b->region = optarg; break;
		case 'j': b->json = true; break;
		case 'C': rc = rv_http_set_ca_file(optarg, err); break;
		case 'h': *help = true; break;
		default:
			rc = rv_errf(err, RV_ERR_USAGE, "%s '%s'",
				     ch == ':' ? "no value for" :
				     "unknown option", arg);
		}
	}
	if (rc == RV_OK && optind < argc)
		rc = rv_errf(err, RV_ERR_USAGE, "unexpected argument '%s'",
			     argv[optind]);
	if (rc == RV_OK && !popt.n_providers && b->lifecycle)
		rc = cli_set_provider(&popt, "daytona", where, err);
	if (rc == RV_OK && !popt.n_providers && !*help)
		rc = rv_errf(err, RV_ERR_USAGE, "no provider: give "
			     "'--provider NAME' (e.g. bwrap, daytona, docker)");
	for (size_t i = 0; i < popt.n_providers; i++)
		b->providers[i] = popt.providers[i];
	b->n_providers = popt.n_providers;
	return rc;
}
