#include "lifecycle.h"

#include "mode.h"
#include "provider.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_fs.h"
#include "rv_http.h"
#include "rv_log.h"
#include "rv_phase.h"
#include "rv_redact.h"
#include "rv_term.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct lc_run {
	const char *provider;
	bool json;
	int failed;
};

static void lc_report(struct lc_run *r, enum rv_phase p, uint64_t t0,
		      enum rv_code rc, const struct rv_err *err)
{
	double ms = rv_ns_to_ms(rv_now_ns() - t0);
	const char *phase = rv_phase_name(p);

	if (rc != RV_OK)
		r->failed++;
	if (r->json) {
		printf("{\"provider\":\"%s\",\"phase\":\"%s\",\"ms\":%.3f,"
		       "\"ok\":%s}\n", r->provider, phase, ms,
		       rc == RV_OK ? "true" : "false");
		fflush(stdout);
	} else {
		printf("%-10s %9.1f ms  %s\n", phase, ms,
		       rc == RV_OK ? "ok" : "FAILED");
	}
	if (rc != RV_OK)
		rv_error("%s: %s", phase, err->msg);
}

/* A directory with one file, packed: what the upload step sends. */
static struct mode_bundle *lc_make_tarball(char *dir_tmpl,
					   struct rv_err *err)
{
	struct mode_bundle *tgz = NULL;
	char *file;
	FILE *f;

	if (!mkdtemp(dir_tmpl)) {
		rv_errf(err, RV_ERR_IO, "cannot make a temporary directory");
		return NULL;
	}
	file = rv_xasprintf("%s/hello.txt", dir_tmpl);
	f = fopen(file, "w");
	if (f) {
		fputs("hello from runeval\n", f);
		fclose(f);
	}
	mode_pack_app(dir_tmpl, NULL, &tgz, err);
	unlink(file);
	rmdir(dir_tmpl);
	free(file);
	return tgz;
}

static void lc_steps(struct lc_run *r, const struct provider_ops *ops,
		     const struct provider_config *cfg,
		     const struct mode_bundle *tgz)
{
	static const char *const cat[] = { "cat",
		"/tmp/runeval-lifecycle/hello.txt", NULL };
	static const char *const echo[] = { "echo", "hello from runeval",
		NULL };
	struct provider_exec_result res = PROVIDER_EXEC_RESULT_INIT;
	struct provider_preview pv = PROVIDER_PREVIEW_INIT;
	struct provider_cmd cmd = { .argv = cat, .timeout_ms = 30000 };
	struct provider_sandbox *sb = NULL;
	struct rv_err err = RV_ERR_INIT;
	enum rv_code rc;
	uint64_t t0;

	t0 = rv_now_ns();
	rc = provider_create(ops, cfg, &sb, &err);
	lc_report(r, RV_PHASE_PROVISION, t0, rc, &err);
	if (rc != RV_OK)
		return;
	if (ops->upload) {
		t0 = rv_now_ns();
		rc = provider_upload(sb, tgz->path, tgz->sha256,
				     "/tmp/runeval-lifecycle", &err);
		lc_report(r, RV_PHASE_UPLOAD, t0, rc, &err);
	} else {
		cmd.argv = echo;	/* this host: nothing to upload */
	}
	t0 = rv_now_ns();
	if (rc == RV_OK && ops->exec) {
		rc = provider_exec(sb, &cmd, &res, &err);
		if (rc == RV_OK && (res.exit_code != 0 ||
				    !strstr(res.output.data, "hello from")))
			rc = rv_errf(&err, RV_ERR_PROVIDER, "the uploaded file "
				     "did not come back (exit %d)",
				     res.exit_code);
		lc_report(r, RV_PHASE_EXEC, t0, rc, &err);
	}
	t0 = rv_now_ns();
	rc = provider_preview(sb, 8000, &pv, &err);
	lc_report(r, RV_PHASE_PREVIEW, t0, rc, &err);
	if (rc == RV_OK && !r->json)
		rv_term_printf(stdout, "           preview %s\n", pv.url);
	t0 = rv_now_ns();
	rv_err_clear(&err);
	rc = provider_destroy(sb, &err);
	lc_report(r, RV_PHASE_TEARDOWN, t0, rc, &err);
	provider_sandbox_free(sb);
	provider_preview_release(&pv);
	provider_exec_result_release(&res);
}

/*
 * How many HTTP requests the lifecycle made and how many connections
 * they opened (keep-alive reuse), on stderr: stdout stays spans only.
 */
static void lc_connections(const struct lc_run *r,
			   const struct rv_http_counts *before, uint64_t t0)
{
	struct rv_http_counts now;

	rv_http_counts(&now);
	fprintf(stderr, "lifecycle: %s: %lu requests over %lu connections "
		"in %.1f ms\n", r->provider, now.requests - before->requests,
		now.connects - before->connects,
		rv_ns_to_ms(rv_now_ns() - t0));
}

/* "--daytona" and the like: the provider with that alias. */
static bool lc_alias(const char *arg, struct lc_run *r)
{
	const struct provider_ops *ops;

	if (strncmp(arg, "--", 2) || !(ops = provider_find(arg + 2)) ||
	    !ops->alias || strcmp(ops->alias, arg + 2))
		return false;
	r->provider = ops->name;
	return true;
}

static void lc_usage(FILE *f)
{
	fputs("usage: runeval lifecycle --provider NAME [--snapshot S]\n"
	      "                         [--image I] [--target T] [--json]\n"
	      "                         [--ca-cert FILE] [--repeat N]\n"
	      "       runeval lifecycle --daytona ...   (any provider's alias)\n"
	      "\n"
	      "One sandbox through create, upload, exec, preview and destroy,\n"
	      "each step timed: a check of the provider and its credentials.\n"
	      "The default provider is daytona.  --json prints one span per\n"
	      "line for 'runeval report'.  On stderr, last: how many HTTP\n"
	      "requests it made over how many connections.  --ca-cert (or\n"
	      "$RUNEVAL_CA_CERT) trusts the CA certificates in FILE for\n"
	      "HTTPS.  --repeat N runs N sandboxes one after the other and\n"
	      "prints this process's RSS after the first and the last\n"
	      "(memory growth across sandboxes).\n", f);
}

int lifecycle_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "provider", required_argument, NULL, 'p' },
		{ "snapshot", required_argument, NULL, 's' },
		{ "image", required_argument, NULL, 'i' },
		{ "target", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "ca-cert", required_argument, NULL, 'c' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct provider_config cfg = { 0 };
	struct lc_run r = { "daytona", false, 0 };
	struct rv_err err = RV_ERR_INIT;
	char dir[] = "/tmp/runeval-lifecycle-XXXXXX", job[40];
	struct mode_bundle *tgz;
	const struct provider_ops *ops;
	struct rv_http_counts before;
	uint64_t t0;
	long repeat = 1, rss_first = -1;
	char *end;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		/* --<alias>: getopt reports it unknown; take a provider's */
		if (ch == '?' && !optopt && lc_alias(argv[optind - 1], &r))
			continue;
		switch (ch) {
		case 'p': r.provider = optarg; break;
		case 's': cfg.snapshot = optarg; break;
		case 'i': cfg.image = optarg; break;
		case 't': cfg.target = optarg; break;
		case 'j': r.json = true; break;
		case 'c':
			if (rv_http_set_ca_file(optarg, &err) != RV_OK) {
				rv_error("lifecycle: %s", err.msg);
				return 2;
			}
			break;
		case 'r':
			repeat = strtol(optarg, &end, 10);
			if (*end || repeat < 1 || repeat > 10000) {
				rv_error("lifecycle: invalid value '%s' for "
					 "'--repeat': expected 1 to 10000",
					 optarg);
				return 2;
			}
			break;
		case 'h': lc_usage(stdout); return 0;
		default:
			rv_error("lifecycle: unknown option '%s'",
				 argv[optind - 1]);
			return 2;
		}
	}
	ops = provider_find(r.provider);
	if (!ops) {
		rv_error("lifecycle: unknown provider '%s'", r.provider);
		return 2;
	}
	r.provider = ops->name;
	snprintf(job, sizeof(job), "lifecycle-%lx-%ld",
		 (unsigned long)(rv_wall_ns() / RV_NS_PER_MS), (long)getpid());
	cfg.job_id = job;
	cfg.auto_delete_min = 0;	/* ephemeral: gone once stopped */
	tgz = lc_make_tarball(dir, &err);
	if (!tgz) {
		rv_error("lifecycle: %s", err.msg);
		return 3;
	}
	rv_http_counts(&before);
	t0 = rv_now_ns();
	for (long i = 0; i < repeat; i++) {
		lc_steps(&r, ops, &cfg, tgz);
		if (i == 0)
			rss_first = rv_self_status_kb("VmRSS");
	}
	lc_connections(&r, &before, t0);
	if (repeat > 1)
		fprintf(stderr, "lifecycle: RSS %ld kB after sandbox 1, %ld kB "
			"after sandbox %ld\n", rss_first,
			rv_self_status_kb("VmRSS"), repeat);
	mode_pack_release(tgz);
	return r.failed ? 3 : 0;
}
