/* bench: sandboxes through their whole life, timed, in shapes. */
#include "bench.h"
#include "bench_int.h"

#include "lite_launch.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_clock.h"
#include "rv_fs.h"
#include "rv_http.h"
#include "rv_json.h"
#include "rv_log.h"
#include "rv_net.h"
#include "rv_term.h"
#include "signals.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BENCH_DIR "/tmp/runeval-bench"
#define BENCH_STEP_MS 60000

/* One iteration's sandbox and what it is called in the spans. */
struct bench_iter {
	struct bench *b;
	const struct provider_ops *ops;
	const struct provider_config *base;
	char label[64];
	bool record;
	pthread_t thread;
};

void bench_note(struct bench *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	pthread_mutex_lock(&b->lock);
	for (size_t i = 0; i < b->n_notes; i++)
		if (!strcmp(b->notes[i], s)) {	/* once is enough */
			free(s);
			s = NULL;
			break;
		}
	if (s) {
		rv_info("bench: %s", s);
		b->notes = rv_xreallocarray(b->notes, b->n_notes + 1,
					    sizeof(*b->notes));
		b->notes[b->n_notes++] = s;
	}
	pthread_mutex_unlock(&b->lock);
}

static void bench_utc(char *buf, size_t size, uint64_t wall_ns)
{
	time_t t = (time_t)(wall_ns / RV_NS_PER_SEC);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + strlen(buf), size - strlen(buf), ".%03uZ",
		 (unsigned)(wall_ns % RV_NS_PER_SEC / RV_NS_PER_MS));
}

/* One step's span: kept, on the spans file, and on stdout (--json). */
static void bench_span(struct bench_iter *it, const char *phase,
		       uint64_t t0, uint64_t wall0, enum rv_code rc,
		       const struct rv_err *err)
{
	struct bench *b = it->b;
	struct bench_span s = { .phase = phase, .ok = rc == RV_OK,
				.ms = rv_ns_to_ms(rv_now_ns() - t0) };
	char *line;
	json_t *o;

	snprintf(s.provider, sizeof(s.provider), "%s", it->label);
	bench_utc(s.ts, sizeof(s.ts), wall0);
	if (rc != RV_OK)
		snprintf(s.error, sizeof(s.error), "%s", err->msg);
	o = json_pack("{s:s, s:s, s:f, s:b, s:s}", "provider", s.provider,
		      "phase", phase, "ms", s.ms, "ok", s.ok, "ts", s.ts);
	if (rc != RV_OK)
		json_object_set_new(o, "error", json_string(s.error));
	line = rv_json_dumps(o);
	json_decref(o);
	pthread_mutex_lock(&b->lock);
	if (rc != RV_OK) {
		b->failed++;
		rv_error("%s: %s: %s", it->label, phase, s.error);
	}
	if (it->record) {
		if (b->n_spans == b->cap_spans) {
			b->cap_spans = b->cap_spans ? 2 * b->cap_spans : 64;
			b->spans = rv_xreallocarray(b->spans, b->cap_spans,
						    sizeof(*b->spans));
		}
		b->spans[b->n_spans++] = s;
		fprintf(b->spans_file, "%s\n", line);
		if (b->json) {
			printf("%s\n", line);
			fflush(stdout);
		} else if (b->iterations == 1) {
			printf("%-12s %9.1f ms  %s\n", phase, s.ms,
			       s.ok ? "ok" : "FAILED");
		}
	}
	pthread_mutex_unlock(&b->lock);
	free(line);
}

/* Time fn's call as phase; its code. */
#define BENCH_STEP(it, phase, call) ({ \
	uint64_t t0_ = rv_now_ns(), w0_ = rv_wall_ns(); \
	enum rv_code rc_ = (call); \
	bench_span((it), (phase), t0_, w0_, rc_, &err); rc_; })

static enum rv_code bench_sh(struct provider_sandbox *sb, const char *line,
			     int *code, struct rv_err *err)
{
	struct provider_exec_result res = PROVIDER_EXEC_RESULT_INIT;
	struct provider_cmd cmd = { .shell = line, .timeout_ms = BENCH_STEP_MS };
	enum rv_code rc = provider_exec(sb, &cmd, &res, err);

	*code = res.exit_code;
	provider_exec_result_release(&res);
	return rc;
}

static enum rv_code bench_workload(struct bench *b,
				   struct provider_sandbox *sb,
				   struct rv_err *err)
{
	int code = 0;
	enum rv_code rc = bench_sh(sb, b->workload, &code, err);

	if (rc == RV_OK && code != 0)
		rc = rv_errf(err, RV_ERR_PROVIDER, "workload '%s' exited %d",
			     b->workload, code);
	return rc;
}

/* GET url until 200 (or the step's deadline). */
static enum rv_code bench_first_200(const struct provider_preview *pv,
				    struct rv_err *err)
{
	uint64_t end = rv_now_ns() + (uint64_t)BENCH_STEP_MS * RV_NS_PER_MS;
	char *url = rv_xasprintf("%s/", pv->url);
	struct rv_http_request req = { .method = "GET", .url = url,
		.headers = (const char *const *)pv->headers,
		.timeout_ms = 5000 };
	enum rv_code rc = RV_ERR_TIMEOUT;
	uint64_t nap = RV_NS_PER_MS / 4;

	while (rv_now_ns() < end && !signals_stop) {
		struct rv_http_response resp = RV_HTTP_RESPONSE_INIT;

		long status;

		rv_http_do(&req, &resp, NULL);
		status = resp.status;
		rv_http_response_release(&resp);
		if (status == 200) {
			rc = RV_OK;
			break;
		}
		rv_sleep_ns(nap, &signals_stop);
		if (nap < 20 * RV_NS_PER_MS)
			nap *= 2;
	}
	free(url);
	if (rc != RV_OK)
		rv_errf(err, rc, "no answer from the sandbox's server within "
			"%d s", BENCH_STEP_MS / 1000);
	return rc;
}

/* Preview, then a tiny server until its first answer (python3). */
static void bench_interactive(struct bench_iter *it,
			      struct provider_sandbox *sb, bool python)
{
	struct provider_preview pv = PROVIDER_PREVIEW_INIT;
	struct rv_err err = RV_ERR_INIT;
	struct provider_proc *p = NULL;
	int port = rv_net_free_port();
	char *line = rv_xasprintf("exec python3 -m http.server %d --bind "
				  "127.0.0.1", port);
	struct provider_cmd cmd = { .shell = line, .cwd = it->ops->upload ?
				    BENCH_DIR : NULL };
	uint64_t t0, w0;
	enum rv_code rc;

	if (!python || !it->ops->start_process) {
		BENCH_STEP(it, "preview", provider_preview(sb, port, &pv,
							   &err));
		goto out;
	}
	t0 = rv_now_ns();
	w0 = rv_wall_ns();
	rc = provider_start_process(sb, &cmd, &p, &err);
	if (rc == RV_OK)
		rc = BENCH_STEP(it, "preview", provider_preview(sb, port, &pv,
								&err));
	if (rc == RV_OK)
		rc = bench_first_200(&pv, &err);
	bench_span(it, "tti", t0, w0, rc, &err);
	if (p)
		provider_stop_process(sb, p, 1000, &err);
out:
	provider_preview_release(&pv);
	free(line);
}

static void bench_one(struct bench_iter *it)
{
	struct bench *b = it->b;
	struct provider_config cfg = *it->base;
	struct provider_sandbox *sb = NULL;
	struct rv_err err = RV_ERR_INIT;
	bool python = false;
	char name[96];
	int code = 0;

	pthread_mutex_lock(&b->lock);
	snprintf(name, sizeof(name), "%s-%u", b->job, ++b->seq);
	pthread_mutex_unlock(&b->lock);
	cfg.name = name;
	if (BENCH_STEP(it, "provision", provider_create(it->ops, &cfg, &sb,
							 &err)) != RV_OK)
		return;
	if (it->ops->upload &&
	    BENCH_STEP(it, "upload", provider_upload(sb, b->tgz->path,
			b->tgz->sha256, BENCH_DIR, &err)) != RV_OK)
		goto teardown;
	if (BENCH_STEP(it, "exec", bench_workload(b, sb, &err)) != RV_OK)
		goto teardown;
	/* the interpreter, where there is one */
	if (bench_sh(sb, "command -v python3 >/dev/null", &code, &err) ==
	    RV_OK && code == 0) {
		python = true;
		BENCH_STEP(it, "interpreter", bench_sh(sb, "python3 -c pass",
						       &code, &err));
	} else {
		bench_note(b, "%s: no python3 in the sandbox: no interpreter "
			   "or tti step", it->ops->name);
	}
	bench_interactive(it, sb, python);
	if (b->snapshot)
		bench_note(b, "%s: no snapshot operation (snapshot and "
			   "restore are not timed)", it->ops->name);
teardown:
	BENCH_STEP(it, "teardown", provider_destroy(sb, &err));
	provider_sandbox_free(sb);
}

static void *bench_thread(void *arg)
{
	bench_one(arg);
	return NULL;
}

/* "VmRSS" of this process, in kB. */
static long bench_rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* The warm iterations of one provider, in b's shape. */
static void bench_warm(struct bench *b, struct bench_iter *proto,
		       unsigned n)
{
	unsigned c = b->shape == BENCH_SEQUENTIAL ? 1 : b->concurrency;
	struct bench_iter *its = rv_xcalloc(c, sizeof(*its));
	unsigned done = 0;

	while (done < n && !signals_stop) {
		unsigned k = n - done < c ? n - done : c;

		for (unsigned i = 0; i < k; i++) {
			its[i] = *proto;
			if (b->shape == BENCH_STAGGERED && (done || i))
				rv_sleep_ns((uint64_t)b->stagger_ms *
					    RV_NS_PER_MS, &signals_stop);
			pthread_create(&its[i].thread, NULL, bench_thread,
				       &its[i]);
		}
		for (unsigned i = 0; i < k; i++)
			pthread_join(its[i].thread, NULL);
		done += k;
	}
	free(its);
}

static void bench_provider(struct bench *b, const struct provider_ops *ops,
			   const struct provider_config *cfg)
{
	struct bench_iter it = { .b = b, .ops = ops, .base = cfg };

	snprintf(it.label, sizeof(it.label), "%s:cold", ops->name);
	it.record = true;
	bench_one(&it);			/* the first: cold */
	it.record = false;
	for (unsigned i = 0; i < b->warmup && !signals_stop; i++)
		bench_one(&it);
	snprintf(it.label, sizeof(it.label), "%s", ops->name);
	it.record = true;
	if (b->iterations > 1) {
		long kb = bench_rss_kb();

		if (b->rss_start_kb < 0 || kb < b->rss_start_kb)
			b->rss_start_kb = kb;
		bench_warm(b, &it, b->iterations - 1);
		b->rss_end_kb = bench_rss_kb();
		b->measured += b->iterations - 1;
	}
}

/* A directory with one file, packed: what the upload step sends. */
static struct mode_bundle *bench_tarball(struct rv_err *err)
{
	char dir[] = "/tmp/runeval-bench-XXXXXX";
	struct mode_bundle *tgz = NULL;
	char *file;
	FILE *f;

	if (!mkdtemp(dir)) {
		rv_errf(err, RV_ERR_IO, "cannot make a temporary directory");
		return NULL;
	}
	file = rv_xasprintf("%s/hello.txt", dir);
	f = fopen(file, "w");
	if (f) {
		fputs("hello from runeval\n", f);
		fclose(f);
	}
	mode_pack_app(dir, &tgz, err);
	unlink(file);
	rmdir(dir);
	free(file);
	return tgz;
}

static void bench_usage(FILE *f)
{
	fputs(
"usage: runeval bench --provider P[,Q...] [--iterations N] [--warmup W]\n"
"           [--concurrency C] [--shape sequential|burst|staggered:MS]\n"
"           [--snapshot] [--workload CMD] [--target EXPR]... [--out DIR]\n"
"           [--lite] [--from-snapshot S] [--image I] [--region R] [--json]\n"
"       runeval lifecycle [--daytona ...]    (bench --iterations 1)\n"
"\n"
"Sandboxes through create, upload, exec (the workload, default 'true'),\n"
"interpreter start, preview, time to interactive and teardown, each step\n"
"timed; the first is cold, W warm-ups are not recorded, the N-1 others\n"
"are warm.  Shapes: one at a time; C at once (burst); one every MS ms,\n"
"C at most (staggered).  --target 'p95(create) < 30s' (a report gate;\n"
"create is provision) exits 1 when it fails.  Writes spans.jsonl,\n"
"summary.json, report.md, metrics.prom, latency.json, bench.json into\n"
"--out (default runs/bench-<time>).  --json prints the spans on stdout.\n",
	      f);
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
		return rv_errf(err, RV_ERR_USAGE, "'%s %s': must be %ld to %ld",
			       what, s, lo, hi);
	*out = (unsigned)v;
	return RV_OK;
}

/* --provider a,b and the aliases (--daytona). */
static enum rv_code bench_add_providers(struct bench *b, const char *list,
					struct rv_err *err)
{
	char *copy = rv_xstrdup(list), *save = NULL;
	enum rv_code rc = RV_OK;

	for (char *p = strtok_r(copy, ",", &save); p && rc == RV_OK;
	     p = strtok_r(NULL, ",", &save)) {
		const struct provider_ops *ops = provider_find(p);

		if (!ops)
			rc = rv_errf(err, RV_ERR_USAGE, "bench: unknown "
				     "provider '%s'", p);
		else if (b->n_providers == CLI_MAX_PROVIDERS)
			rc = rv_errf(err, RV_ERR_USAGE, "bench: at most %d "
				     "providers", CLI_MAX_PROVIDERS);
		else
			b->providers[b->n_providers++] = ops->name;
	}
	free(copy);
	return rc;
}

static enum rv_code bench_options(struct bench *b, int argc, char **argv,
				  bool lifecycle, bool *help,
				  struct rv_err *err)
{
	static const struct option longopts[] = {
		{ "provider", required_argument, NULL, 'p' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "concurrency", required_argument, NULL, 'c' },
		{ "shape", required_argument, NULL, 's' },
		{ "snapshot", no_argument, NULL, 'S' },
		{ "workload", required_argument, NULL, 'W' },
		{ "target", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ "lite", no_argument, NULL, 'l' },
		{ "from-snapshot", required_argument, NULL, 'f' },
		{ "image", required_argument, NULL, 'i' },
		{ "region", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum rv_code rc = RV_OK;
	int ch;

	optind = 1;
	opterr = 0;
	while (rc == RV_OK &&
	       (ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		const char *arg = argv[optind - 1];
		const struct provider_ops *ops;

		/* --<alias>: getopt says unknown; take a provider's */
		if (ch == '?' && !optopt && !strncmp(arg, "--", 2) &&
		    (ops = provider_find(arg + 2)) && ops->alias &&
		    !strcmp(ops->alias, arg + 2)) {
			rc = bench_add_providers(b, ops->name, err);
			continue;
		}
		switch (ch) {
		case 'p': rc = bench_add_providers(b, optarg, err); break;
		case 'n': rc = bench_count(optarg, "--iterations", 1, 100000,
					   &b->iterations, err); break;
		case 'w': rc = bench_count(optarg, "--warmup", 0, 100000,
					   &b->warmup, err); break;
		case 'c': rc = bench_count(optarg, "--concurrency", 1, 64,
					   &b->concurrency, err); break;
		case 's': rc = bench_shape(b, optarg, err); break;
		case 'S': b->snapshot = true; break;
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
		case 'h': *help = true; break;
		default:
			rc = rv_errf(err, RV_ERR_USAGE, "bench: %s '%s'",
				     ch == ':' ? "no value for" :
				     "unknown option", arg);
		}
	}
	if (rc == RV_OK && optind < argc)
		rc = rv_errf(err, RV_ERR_USAGE, "bench: unexpected argument "
			     "'%s'", argv[optind]);
	if (rc == RV_OK && !b->n_providers && !*help && !lifecycle)
		rc = rv_errf(err, RV_ERR_USAGE, "bench: no provider: give "
			     "'--provider NAME' (e.g. bwrap, daytona)");
	return rc;
}

static int bench_run(struct bench *b)
{
	struct lite_launch lite = LITE_LAUNCH_INIT;
	struct provider_config cfg = { 0 };
	struct rv_err err = RV_ERR_INIT;
	int code;

	cfg.job_id = b->job;
	cfg.snapshot = b->from_snapshot;
	cfg.image = b->image;
	cfg.target = b->region;
	cfg.auto_delete_min = 0;	/* ephemeral: gone once stopped */
	cfg.cancel = &signals_stop;
	for (size_t i = 0; i < b->n_providers && !signals_stop; i++) {
		const struct provider_ops *ops = provider_find(b->providers[i]);

		cfg.api_url = cfg.api_key = NULL;
		if (b->lite && ops->offline_server) {
			if (lite_launch_start(&lite, ops->offline_server,
					      &err) != RV_OK) {
				rv_error("%s", err.msg);
				b->failed++;
				continue;
			}
			cfg.api_url = lite.api_url;
			cfg.api_key = lite.api_key;
		}
		bench_provider(b, ops, &cfg);
		lite_launch_stop(&lite);
	}
	code = bench_write(b);
	if (signals_stop)
		return CLI_EXIT_INTERRUPTED;
	return b->failed ? CLI_EXIT_INFRA : code;
}

int bench_main(int argc, char **argv)
{
	struct bench b = { .iterations = 10, .concurrency = 1,
			   .workload = "true", .rss_start_kb = -1 };
	struct rv_err err = RV_ERR_INIT;
	bool lifecycle = !strcmp(argv[0], "lifecycle"), help = false;
	int code;

	if (bench_options(&b, argc, argv, lifecycle, &help, &err) != RV_OK) {
		rv_error("%s", err.msg);
		return CLI_EXIT_USAGE;
	}
	pthread_mutex_init(&b.lock, NULL);
	if (help) {
		bench_usage(stdout);
		return CLI_EXIT_OK;
	}
	if (lifecycle) {
		b.iterations = 1;
		if (!b.n_providers)
			b.providers[b.n_providers++] = "daytona";
	}
	snprintf(b.job, sizeof(b.job), "bench-%lx-%ld",
		 (unsigned long)(rv_wall_ns() / RV_NS_PER_MS), (long)getpid());
	b.out = b.out ? rv_xstrdup(b.out) : rv_xasprintf("runs/%s", b.job);
	b.tgz = bench_tarball(&err);
	if (!b.tgz || rv_mkdirs(b.out, 0755, &err) != RV_OK) {
		rv_error("bench: %s", err.msg);
		mode_pack_release(b.tgz);
		free((char *)b.out);
		return CLI_EXIT_INFRA;
	}
	{
		char *path = rv_xasprintf("%s/spans.jsonl", b.out);

		b.spans_file = fopen(path, "we");
		if (!b.spans_file) {
			rv_error("bench: cannot create '%s'", path);
			free(path);
			mode_pack_release(b.tgz);
			free((char *)b.out);
			return CLI_EXIT_INFRA;
		}
		free(path);
	}
	code = bench_run(&b);
	mode_pack_release(b.tgz);
	for (size_t i = 0; i < b.n_notes; i++)
		free(b.notes[i]);
	free(b.notes);
	free(b.spans);
	free((char *)b.out);
	pthread_mutex_destroy(&b.lock);
	return code;
}
