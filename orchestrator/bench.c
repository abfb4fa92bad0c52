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

#include <errno.h>
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
		rv_info("%s: %s", b->prog, s);
		b->notes = rv_xreallocarray(b->notes, b->n_notes + 1,
					    sizeof(*b->notes));
		b->notes[b->n_notes++] = s;
	}
	pthread_mutex_unlock(&b->lock);
}

void bench_label(const struct bench *b, const char *provider, bool cold,
		 char *buf, size_t size)
{
	snprintf(buf, size, "%s%s", provider, cold && !b->lifecycle ?
		 ":cold" : "");
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

	/* a step our own SIGINT cut short is no failure of the provider:
	   neither recorded nor counted (bench.json says it was
	   interrupted) */
	if (rc == RV_ERR_INTR && signals_stop)
		return;
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
		if (b->spans_file)
			fprintf(b->spans_file, "%s\n", line);
		if (b->json) {
			printf("%s\n", line);
			fflush(stdout);
		} else if (b->lifecycle || b->iterations == 1) {
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
	struct provider_cmd cmd = { .shell = line,
				    .timeout_ms = BENCH_STEP_MS };
	enum rv_code rc = provider_exec(sb, &cmd, &res, err);

	*code = res.exit_code;
	provider_exec_result_release(&res);
	return rc;
}

/* A step's command (what: its name), which must exit 0. */
static enum rv_code bench_sh_ok(struct provider_sandbox *sb, const char *line,
				const char *what, struct rv_err *err)
{
	int code = 0;
	enum rv_code rc = bench_sh(sb, line, &code, err);

	if (rc == RV_OK && code != 0)
		rc = rv_errf(err, RV_ERR_PROVIDER, "%s '%s' exited %d", what,
			     line, code);
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
		.timeout_ms = 5000, .pool = pv->pool };
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
		/* at most 4 ms between tries: the step's figure is at most
		   that late (with 20 ms it read up to 20 ms late, and two
		   clients 14 ms apart) */
		if (nap < 4 * RV_NS_PER_MS)
			nap *= 2;
	}
	free(url);
	if (rc != RV_OK && signals_stop)
		rc = rv_errf(err, RV_ERR_INTR, "interrupted");
	else if (rc != RV_OK)
		rv_errf(err, rc, "no answer from the sandbox's server within "
			"%d s", BENCH_STEP_MS / 1000);
	return rc;
}

/*
 * Preview, then a tiny server until its first answer (python3): on
 * loopback on this host, on every address in a sandbox (a container's
 * preview reaches its network interface, not its loopback).
 */
static void bench_interactive(struct bench_iter *it,
			      struct provider_sandbox *sb, int port,
			      bool python)
{
	struct provider_preview pv = PROVIDER_PREVIEW_INIT;
	struct rv_err err = RV_ERR_INIT;
	struct provider_proc *p = NULL;
	bool remote = it->ops->caps & PROVIDER_CAP_REMOTE;
	char *line = rv_xasprintf("exec python3 -m http.server %d --bind %s",
				  port, remote ? "0.0.0.0" : "127.0.0.1");
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

/* A step that failed outside any timing: counted and said. */
static void bench_failed(struct bench_iter *it, const char *what,
			 const struct rv_err *err)
{
	pthread_mutex_lock(&it->b->lock);
	it->b->failed++;
	rv_error("%s: %s: %s", it->label, what, err->msg);
	pthread_mutex_unlock(&it->b->lock);
}

/*
 * --snapshot: sb saved as a snapshot (phase snapshot), then a sandbox
 * created from it until ready (phase restore), which must hold what the
 * upload put in sb; both go after, untimed.
 */
static void bench_snapshot(struct bench_iter *it, struct provider_sandbox *sb,
			   const struct provider_config *cfg)
{
	struct provider_config rcfg = *cfg;
	struct provider_sandbox *rsb = NULL;
	struct rv_err err = RV_ERR_INIT;
	char name[128], rname[128], *snap = NULL;
	int code = 0;

	snprintf(name, sizeof(name), "%s-snapshot", cfg->name);
	if (BENCH_STEP(it, "snapshot", provider_snapshot(sb, name, &snap,
							 &err)) != RV_OK)
		return;
	snprintf(rname, sizeof(rname), "%s-restored", cfg->name);
	rcfg.name = rname;
	rcfg.snapshot = snap;
	if (BENCH_STEP(it, "restore", provider_create(it->ops, &rcfg, &rsb,
						      &err)) == RV_OK) {
		if (it->ops->upload &&
		    bench_sh(rsb, "test -f " BENCH_DIR "/hello.txt", &code,
			     &err) == RV_OK && code != 0)
			rv_errf(&err, RV_ERR_PROVIDER, "the upload is not in "
				"the sandbox made from the snapshot");
		if (code != 0 || err.code != RV_OK)
			bench_failed(it, "restore", &err);
		if (provider_destroy(rsb, &err) != RV_OK)
			bench_failed(it, "teardown of the restored sandbox",
				     &err);
		provider_sandbox_free(rsb);
	}
	if (provider_snapshot_delete(it->ops, cfg, snap, &err) != RV_OK)
		bench_failed(it, "snapshot delete", &err);
	free(snap);
}

static void bench_one(struct bench_iter *it)
{
	struct bench *b = it->b;
	struct provider_config cfg = *it->base;
	struct provider_sandbox *sb = NULL;
	struct rv_err err = RV_ERR_INIT;
	bool python = false;
	char name[96];
	int code = 0, port = rv_net_free_port();

	pthread_mutex_lock(&b->lock);
	snprintf(name, sizeof(name), "%s-%u", b->job, ++b->seq);
	pthread_mutex_unlock(&b->lock);
	cfg.name = name;
	cfg.app_port = port;	/* published at create where that is how */
	if (BENCH_STEP(it, "provision", provider_create(it->ops, &cfg, &sb,
							 &err)) != RV_OK)
		return;
	if (it->ops->upload &&
	    BENCH_STEP(it, "upload", provider_upload(sb, b->tgz->path,
			b->tgz->sha256, BENCH_DIR, &err)) != RV_OK)
		goto teardown;
	if (BENCH_STEP(it, "exec", bench_sh_ok(sb, b->workload, "workload",
					       &err)) != RV_OK)
		goto teardown;
	/* the interpreter, where there is one */
	if (!b->no_interactive &&
	    bench_sh(sb, "command -v python3 >/dev/null", &code, &err) ==
	    RV_OK && code == 0) {
		python = true;
		BENCH_STEP(it, "interpreter", bench_sh_ok(sb, "python3 -c "
				"pass", "interpreter", &err));
	} else if (!b->no_interactive) {
		bench_note(b, "%s: no python3 in the sandbox: no interpreter "
			   "or tti step", it->ops->name);
	}
	bench_interactive(it, sb, port, python);
	if (b->snapshot && (it->ops->caps & PROVIDER_CAP_SNAPSHOT))
		bench_snapshot(it, sb, &cfg);
	else if (b->snapshot && it->ops->offline_server)
		bench_note(b, "%s: snapshots are not supported (no snapshot "
			   "operation; what its sandboxes start from, a "
			   "snapshot or template, is built ahead, and %s "
			   "accepts and ignores it): snapshot and restore are "
			   "not timed", it->ops->name,
			   it->ops->offline_server);
	else if (b->snapshot)
		bench_note(b, "%s: snapshots are not supported (no snapshot "
			   "operation): snapshot and restore are not timed",
			   it->ops->name);
teardown:
	BENCH_STEP(it, "teardown", provider_destroy(sb, &err));
	provider_sandbox_free(sb);
	pthread_mutex_lock(&b->lock);
	if (!b->made++)
		b->rss_first_kb = rv_self_status_kb("VmRSS");
	pthread_mutex_unlock(&b->lock);
}

static void *bench_thread(void *arg)
{
	bench_one(arg);
	return NULL;
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

/*
 * One provider's iterations, and the HTTP requests they made over how
 * many connections (keep-alive reuse), on stderr: stdout stays spans.
 */
static void bench_provider(struct bench *b, size_t i,
			   const struct provider_ops *ops,
			   const struct provider_config *cfg)
{
	struct bench_iter it = { .b = b, .ops = ops, .base = cfg };
	struct rv_http_counts c0, c1;
	uint64_t t0 = rv_now_ns();

	rv_http_counts(&c0);
	bench_label(b, ops->name, true, it.label, sizeof(it.label));
	it.record = true;
	bench_one(&it);			/* the first: cold */
	it.record = false;
	for (unsigned k = 0; k < b->warmup && !signals_stop; k++)
		bench_one(&it);
	bench_label(b, ops->name, false, it.label, sizeof(it.label));
	it.record = true;
	if (b->iterations > 1) {
		long kb = rv_self_status_kb("VmRSS");
		unsigned made = b->made;

		if (b->rss_start_kb < 0 || kb < b->rss_start_kb)
			b->rss_start_kb = kb;
		bench_warm(b, &it, b->iterations - 1);
		b->rss_end_kb = rv_self_status_kb("VmRSS");
		/* those made: fewer than asked when a signal came */
		b->measured += b->made - made;
	}
	rv_http_counts(&c1);
	b->http[i].requests = c1.requests - c0.requests;
	b->http[i].connects = c1.connects - c0.connects;
	fprintf(stderr, "%s: %s: %lu requests over %lu connections in %.1f "
		"ms\n", b->prog, ops->name, b->http[i].requests,
		b->http[i].connects, rv_ns_to_ms(rv_now_ns() - t0));
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
	mode_pack_app(dir, NULL, &tgz, err);
	unlink(file);
	rmdir(dir);
	free(file);
	return tgz;
}

static int bench_run(struct bench *b)
{
	struct lite_launch lite = LITE_LAUNCH_INIT;
	struct provider_config cfg = { 0 };
	struct rv_err err = RV_ERR_INIT;
	int code = CLI_EXIT_OK;

	cfg.job_id = b->job;
	cfg.snapshot = b->from_snapshot;
	cfg.image = b->image;
	cfg.target = b->region;
	cfg.auto_delete_min = 0;	/* ephemeral: gone once stopped */
	cfg.cancel = &signals_stop;
	for (size_t i = 0; i < b->n_providers && !signals_stop; i++) {
		const struct provider_ops *ops = provider_find(b->providers[i]);

		b->n_run = i + 1;
		cfg.api_url = cfg.api_key = NULL;
		/* what it is made from, where this provider uses it */
		cfg.image = ops->caps & PROVIDER_CAP_IMAGE ? b->image : NULL;
		cfg.snapshot = ops->caps & PROVIDER_CAP_TEMPLATE ?
			b->from_snapshot : NULL;
		cfg.target = ops->caps & PROVIDER_CAP_TARGET ? b->region : NULL;
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
		bench_provider(b, i, ops, &cfg);
		lite_launch_stop(&lite);
	}
	if (b->made > 1)
		fprintf(stderr, "%s: RSS %ld kB after sandbox 1, %ld kB after "
			"sandbox %u\n", b->prog, b->rss_first_kb,
			rv_self_status_kb("VmRSS"), b->made);
	if (!b->lifecycle)
		code = bench_write(b);
	if (signals_stop)
		return CLI_EXIT_INTERRUPTED;
	return b->failed ? CLI_EXIT_INFRA : code;
}

/*
 * An earlier bench's files in --out are not replaced without --force
 * (as a job's --out): its spans.jsonl would be truncated under it.
 */
static enum rv_code bench_check_out(const struct bench *b,
				    struct rv_err *err)
{
	static const char *const mine[] = { "spans.jsonl", "bench.json" };
	enum rv_code rc = RV_OK;

	for (size_t i = 0; i < 2 && rc == RV_OK && !b->force &&
	     !b->lifecycle; i++) {
		char *p = rv_xasprintf("%s/%s", b->out, mine[i]);

		if (access(p, F_OK) == 0)
			rc = rv_errf(err, RV_ERR_USAGE, "'%s' holds an earlier "
				     "bench (%s): give another --out, or "
				     "--force to replace it", b->out, mine[i]);
		free(p);
	}
	return rc;
}

/* OUT/spans.jsonl (bench; lifecycle writes no file). */
static enum rv_code bench_open(struct bench *b, struct rv_err *err)
{
	char *path;

	if (b->lifecycle)
		return RV_OK;
	if (rv_mkdirs(b->out, 0755, err) != RV_OK)
		return err->code;
	path = rv_xasprintf("%s/spans.jsonl", b->out);
	b->spans_file = fopen(path, "we");
	if (!b->spans_file)
		rv_errf(err, RV_ERR_IO, "cannot create '%s': %s", path,
			strerror(errno));
	free(path);
	return b->spans_file ? RV_OK : err->code;
}

int bench_main(int argc, char **argv)
{
	struct bench b = { .iterations = 10, .concurrency = 1,
			   .workload = "true", .rss_start_kb = -1,
			   .rss_end_kb = -1, .rss_first_kb = -1 };
	struct rv_err err = RV_ERR_INIT;
	bool help = false;
	int code;

	b.lifecycle = !strcmp(argv[0], "lifecycle");
	b.prog = b.lifecycle ? "lifecycle" : "bench";
	if (b.lifecycle) {
		b.iterations = 1;	/* --repeat N for more */
		signals_set_first_message("runeval: interrupted: stopping and "
					  "tearing down (lifecycle writes no "
					  "file)\n");
	}
	if (bench_options(&b, argc, argv, &help, &err) != RV_OK) {
		rv_error("%s: %s", b.prog, err.msg);
		cli_words_release(&b.config);
		return CLI_EXIT_USAGE;
	}
	if (help) {
		bench_usage(stdout, b.lifecycle);
		cli_words_release(&b.config);
		return CLI_EXIT_OK;
	}
	pthread_mutex_init(&b.lock, NULL);
	snprintf(b.job, sizeof(b.job), "bench-%lx-%ld",
		 (unsigned long)(rv_wall_ns() / RV_NS_PER_MS), (long)getpid());
	b.out = b.out ? rv_xstrdup(b.out) : rv_xasprintf("runs/%s", b.job);
	if (bench_check_out(&b, &err) != RV_OK) {
		rv_error("%s: %s", b.prog, err.msg);
		code = CLI_EXIT_USAGE;
	} else if (!(b.tgz = bench_tarball(&err)) ||
		   bench_open(&b, &err) != RV_OK) {
		rv_error("%s: %s", b.prog, err.msg);
		code = CLI_EXIT_INFRA;
	} else {
		code = bench_run(&b);
	}
	if (b.spans_file)
		fclose(b.spans_file);
	mode_pack_release(b.tgz);
	for (size_t i = 0; i < b.n_notes; i++)
		free(b.notes[i]);
	free(b.notes);
	free(b.spans);
	free((char *)b.out);
	cli_words_release(&b.config);
	pthread_mutex_destroy(&b.lock);
	return code;
}
