/* `runeval report` and the renderings of one job. */
#include "report.h"

#include "report_render.h"
#include "report_util.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_fs.h"
#include "rv_term.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char report_usage[] =
"usage: runeval report FILE... [--baseline FILE...] [--gate EXPR]...\n"
"                      [--md F] [--junit F] [--prom F] [--svg F] [--json F]\n"
"                      [--hyperfine F] [--out DIR] [--window N] [--quiet]\n"
"                      [--timings] [--prom-strict]\n"
"\n"
"Merge runeval result.json files, JSON-lines span files and hyperfine\n"
"--export-json files (detected by content; - reads stdin), print statistics\n"
"per provider and phase, compare with a baseline and evaluate gates.\n"
"\n"
"  --baseline FILE...  the files after it are the baseline: medians, their\n"
"                      ratio and a Mann-Whitney U p-value per provider and phase\n"
"  --gate EXPR         fail (exit 1) unless EXPR holds; repeatable\n"
"  --md F              write the Markdown report (also appended to\n"
"                      $GITHUB_STEP_SUMMARY when that is set)\n"
"  --junit F           write JUnit XML\n"
"  --prom F            write Prometheus text metrics\n"
"  --prom-strict       leave out the sandbox_provisioning_duration_p50_ms,\n"
"                      _p95_ms and _p99_ms gauges (dashboard names that\n"
"                      promtool's lint rejects for the abbreviated unit;\n"
"                      the same quantiles are in runeval_phase_duration_seconds\n"
"                      {phase=\"provision\"}), so `promtool check metrics` is clean\n"
"  --svg F             write the SVG waterfall and p50/p95 charts\n"
"  --json F            write summary.json\n"
"  --hyperfine F       write hyperfine-compatible JSON\n"
"  --out DIR           write all six into DIR (made with its parents)\n"
"  --window N          statistics over the last N samples of each phase\n"
"  --quiet             print only gate results and errors\n"
"  --timings           say on stderr how long reading, statistics and\n"
"                      writing took (wall and CPU seconds)\n"
"\n"
"Gates:  STAT[(PHASE[,PROVIDER])] [regress] OP VALUE\n"
"  STAT   p50 p90 p95 p99 pNN median min max mean stddev mad (times, need\n"
"         a PHASE), success_rate, n, ok, failures (PHASE optional)\n"
"  OP     < <= > >= ==\n"
"  VALUE  times in ms (default) or s; success_rate as 0.95 or 95%;\n"
"         with regress: the change against --baseline in %\n"
"  e.g.   --gate 'p95(provision) < 30s' --gate 'success_rate >= 0.95'\n"
"         --gate 'p50(health) regress < 20%'\n"
"A gate must hold for every provider with samples of that phase.\n"
"\n"
"Percentiles interpolate linearly between closest ranks (numpy's default);\n"
"time statistics are over successful samples.\n"
"Exit status: 0 every gate holds, 1 a gate failed, 2 bad input or usage.\n";

struct report_opts {
	char **inputs, **baseline, **gates;
	size_t n_inputs, n_baseline, n_gates;
	const char *md, *junit, *prom, *svg, *json, *hyperfine, *out_dir;
	size_t window;
	bool has_baseline, quiet, help, timings, prom_strict;
};

static char **push(char **list, size_t *n, char *s)
{
	list = rv_xreallocarray(list, *n + 1, sizeof(*list));
	list[(*n)++] = s;
	return list;
}

/* "--name=value" or "--name value"; NULL when a value is missing. */
static char *opt_value(int argc, char **argv, int *i, const char *name,
		       bool *matched)
{
	size_t n = strlen(name);
	char *a = argv[*i];

	*matched = !strncmp(a, name, n) && (a[n] == '\0' || a[n] == '=');
	if (!*matched)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

static enum rv_code opt_window(const char *v, size_t *out, struct rv_err *err)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = v ? strtoull(v, &end, 10) : 0;
	if (!v || !*v || *end || errno || n == 0 || n > SIZE_MAX || *v == '-')
		return rv_errf(err, RV_ERR_USAGE, "--window needs a whole number > 0, got '%s'",
			       v ? v : "");
	*out = (size_t)n;
	return RV_OK;
}

/* One "--..." option at argv[*i]. */
static enum rv_code opt_one(struct report_opts *o, int argc, char **argv,
			    int *i, struct rv_err *err)
{
	const struct { const char *name; const char **dest; } files[] = {
		{ "--md", &o->md }, { "--junit", &o->junit },
		{ "--prom", &o->prom }, { "--svg", &o->svg },
		{ "--json", &o->json }, { "--hyperfine", &o->hyperfine },
		{ "--out", &o->out_dir },
	};
	const char *a = argv[*i];
	bool m;
	char *v;

	for (size_t k = 0; k < sizeof(files) / sizeof(*files); k++) {
		v = opt_value(argc, argv, i, files[k].name, &m);
		if (m && (!v || !*v))
			return rv_errf(err, RV_ERR_USAGE, "%s needs a file name",
				       files[k].name);
		if (m) {
			*files[k].dest = v;
			return RV_OK;
		}
	}
	v = opt_value(argc, argv, i, "--gate", &m);
	if (m && !v)
		return rv_errf(err, RV_ERR_USAGE, "--gate needs an expression");
	if (m) {
		o->gates = push(o->gates, &o->n_gates, v);
		return RV_OK;
	}
	v = opt_value(argc, argv, i, "--window", &m);
	if (m)
		return opt_window(v, &o->window, err);
	if (!strncmp(a, "--baseline", 10) && (a[10] == '\0' || a[10] == '=')) {
		o->has_baseline = true;
		if (a[10] == '=')
			o->baseline = push(o->baseline, &o->n_baseline,
					   (char *)a + 11);
		return RV_OK;
	}
	if (!strcmp(a, "--quiet") || !strcmp(a, "-q"))
		o->quiet = true;
	else if (!strcmp(a, "--timings"))
		o->timings = true;
	else if (!strcmp(a, "--prom-strict"))
		o->prom_strict = true;
	else if (!strcmp(a, "--help") || !strcmp(a, "-h"))
		o->help = true;
	else
		return rv_errf(err, RV_ERR_USAGE, "unknown option '%s'", a);
	return RV_OK;
}

static enum rv_code opts_parse(struct report_opts *o, int argc, char **argv,
			       struct rv_err *err)
{
	bool no_more = false;
	enum rv_code rc;

	for (int i = 1; i < argc; i++) {
		char *a = argv[i];

		if (!no_more && !strcmp(a, "--")) {
			no_more = true;
		} else if (!no_more && a[0] == '-' && a[1]) {
			if ((rc = opt_one(o, argc, argv, &i, err)) != RV_OK)
				return rc;
		} else if (o->has_baseline) {
			o->baseline = push(o->baseline, &o->n_baseline, a);
		} else {
			o->inputs = push(o->inputs, &o->n_inputs, a);
		}
	}
	if (o->help)
		return RV_OK;
	if (!o->n_inputs)
		return rv_errf(err, RV_ERR_USAGE, "no input files");
	if (o->has_baseline && !o->n_baseline)
		return rv_errf(err, RV_ERR_USAGE, "--baseline needs at least one file");
	return RV_OK;
}

static enum rv_code load_all(struct report_set *set, char **paths, size_t n,
			     struct rv_err *err)
{
	enum rv_code rc = RV_OK;

	report_set_init(set);
	for (size_t i = 0; i < n && rc == RV_OK; i++)
		rc = report_set_load(set, paths[i], err);
	if (rc == RV_OK && set->n_samples == 0)
		rc = rv_errf(err, RV_ERR_PROTO, "no samples in %s",
			     n == 1 ? "the input" : "the inputs");
	return rc;
}

/* Everything one report holds; released by report_ctx_release(). */
struct report_ctx {
	struct report_set cand, base;
	struct report_stats st, bst;
	struct report_comparison cmp;
	struct report_gate *gates;
	struct report_gate_result *results;
	size_t n_gates;
	bool has_base;
	struct report_view view;
};

static void report_ctx_release(struct report_ctx *c)
{
	for (size_t i = 0; i < c->n_gates; i++) {
		report_gate_release(&c->gates[i]);
		report_gate_result_release(&c->results[i]);
	}
	free(c->gates);
	free(c->results);
	if (c->has_base) {
		report_comparison_release(&c->cmp);
		report_stats_release(&c->bst);
	}
	report_stats_release(&c->st);
	report_set_release(&c->cand);
	report_set_release(&c->base);
}

/* Statistics, comparison and the view, once the sets are loaded. */
static void report_ctx_compute(struct report_ctx *c, size_t window)
{
	report_stats_compute(&c->st, &c->cand, window);
	if (c->has_base) {
		report_stats_compute(&c->bst, &c->base, window);
		report_compare(&c->st, &c->bst, &c->cmp);
	}
	c->view.set = &c->cand;
	c->view.st = &c->st;
	c->view.base = c->has_base ? &c->bst : NULL;
	c->view.cmp = c->has_base ? &c->cmp : NULL;
	report_view_times(&c->view);
}

static enum rv_code report_ctx_gates(struct report_ctx *c,
				     const struct report_opts *o,
				     bool evaluate, struct rv_err *err)
{
	enum rv_code rc = RV_OK;

	if (!evaluate) {
		c->gates = rv_xcalloc(o->n_gates + 1, sizeof(*c->gates));
		c->results = rv_xcalloc(o->n_gates + 1, sizeof(*c->results));
		for (; c->n_gates < o->n_gates && rc == RV_OK; c->n_gates++)
			rc = report_gate_parse(o->gates[c->n_gates],
					       &c->gates[c->n_gates], err);
		return rc;
	}
	for (size_t i = 0; i < c->n_gates && rc == RV_OK; i++)
		rc = report_gate_eval(&c->gates[i], &c->st, c->view.base,
				      &c->results[i], err);
	c->view.gates = c->gates;
	c->view.results = c->results;
	c->view.n_gates = c->n_gates;
	return rc;
}

typedef void (*render_fn)(const struct report_view *v, struct rv_buf *out);

static void render_md(const struct report_view *v, struct rv_buf *out)
{
	report_render_md(v, REPORT_MD_MAX, out);
}

struct report_outputs {
	const char *summary, *md, *junit, *prom, *svg, *hyperfine;
};

/* Write every output that has a path. */
static enum rv_code report_write_outputs(const struct report_view *v,
					 const struct report_outputs *o,
					 struct rv_err *err)
{
	const struct { const char *path; render_fn fn; } outs[] = {
		{ o->summary, report_render_summary }, { o->md, render_md },
		{ o->junit, report_render_junit }, { o->prom, report_render_prom },
		{ o->svg, report_render_svg },
		{ o->hyperfine, report_render_hyperfine },
	};
	struct rv_buf b = RV_BUF_INIT;
	enum rv_code rc = RV_OK;

	for (size_t i = 0; i < sizeof(outs) / sizeof(*outs) && rc == RV_OK; i++) {
		if (!outs[i].path)
			continue;
		outs[i].fn(v, &b);
		rc = report_write_file(outs[i].path, b.data, b.len, err);
		rv_buf_release(&b);	/* not held while the next renders */
	}
	rv_buf_release(&b);
	return rc;
}

/* Append report.md to $GITHUB_STEP_SUMMARY when that is set. */
static enum rv_code report_step_summary(const struct report_view *v,
					struct rv_err *err)
{
	const char *gh = getenv("GITHUB_STEP_SUMMARY");
	struct rv_buf b = RV_BUF_INIT;
	enum rv_code rc;

	if (!gh || !*gh)
		return RV_OK;
	render_md(v, &b);
	rc = report_append_file(gh, b.data, b.len, err);
	rv_buf_release(&b);
	return rc;
}

/* The six usual names in dir (the strings are the caller's to free). */
static void report_outputs_in(const char *dir, struct report_outputs *o)
{
	o->summary = rv_xasprintf("%s/summary.json", dir);
	o->md = rv_xasprintf("%s/report.md", dir);
	o->junit = rv_xasprintf("%s/junit.xml", dir);
	o->prom = rv_xasprintf("%s/metrics.prom", dir);
	o->svg = rv_xasprintf("%s/waterfall.svg", dir);
	o->hyperfine = rv_xasprintf("%s/hyperfine.json", dir);
}

static void report_outputs_free(struct report_outputs *o)
{
	free((char *)o->summary);
	free((char *)o->md);
	free((char *)o->junit);
	free((char *)o->prom);
	free((char *)o->svg);
	free((char *)o->hyperfine);
}

enum rv_code report_write_job(const char *result_path, const char *outdir,
			      struct rv_err *err)
{
	struct report_ctx c;
	struct report_outputs o;
	enum rv_code rc;

	memset(&c, 0, sizeof(c));
	report_set_init(&c.cand);
	report_set_init(&c.base);
	rc = report_set_load(&c.cand, result_path, err);
	if (rc == RV_OK)
		rc = rv_mkdirs(outdir, 0755, err);
	if (rc == RV_OK) {
		report_ctx_compute(&c, 0);
		report_outputs_in(outdir, &o);
		rc = report_write_outputs(&c.view, &o, err);
		if (rc == RV_OK)
			rc = report_step_summary(&c.view, err);
		report_outputs_free(&o);
	}
	report_ctx_release(&c);
	return rc;
}

/*
 * The table (or the gates) on stdout: names and errors come from the
 * inputs, so no control character but the line ends reaches the terminal.
 */
static void report_print(const struct rv_buf *b)
{
	struct rv_buf safe = RV_BUF_INIT;

	rv_term_escape(&safe, b->data, b->len, true);
	fwrite(safe.data, 1, safe.len, stdout);
	fflush(stdout);
	rv_buf_release(&safe);
}

/* Wall and CPU clocks, for --timings. */
struct report_clock {
	uint64_t wall, cpu;
};

static void report_clock_now(struct report_clock *c)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	c->cpu = (uint64_t)ts.tv_sec * RV_NS_PER_SEC + (uint64_t)ts.tv_nsec;
	c->wall = rv_now_ns();
}

/* "<what> in W s (cpu C s)" to stderr, and restart the clock. */
static void report_lap(const struct report_opts *o, struct report_clock *c,
		       const char *what)
{
	struct report_clock now;

	if (!o->timings)
		return;
	report_clock_now(&now);
	fprintf(stderr, "runeval report: %s in %.3f s (cpu %.3f s)\n", what,
		(double)(now.wall - c->wall) / 1e9,
		(double)(now.cpu - c->cpu) / 1e9);
	*c = now;
}

/* Load, compute, gate, print, write: the exit code. */
static int report_run(const struct report_opts *o, struct rv_err *err)
{
	struct report_outputs out = { o->json, o->md, o->junit, o->prom,
				      o->svg, o->hyperfine };
	struct report_outputs dir = { 0 };
	struct report_ctx c;
	struct rv_buf b = RV_BUF_INIT;
	struct report_clock clock;
	enum rv_code rc;
	size_t failed = 0;
	int code = 2;

	report_clock_now(&clock);
	memset(&c, 0, sizeof(c));
	c.has_base = o->has_baseline;
	c.view.prom_strict = o->prom_strict;
	report_set_init(&c.base);
	rc = report_ctx_gates(&c, o, false, err);
	if (rc == RV_OK)
		rc = load_all(&c.cand, o->inputs, o->n_inputs, err);
	if (rc == RV_OK && c.has_base)
		rc = load_all(&c.base, o->baseline, o->n_baseline, err);
	if (rc != RV_OK)
		goto out;
	report_lap(o, &clock, "read the inputs");
	report_ctx_compute(&c, o->window);
	if ((rc = report_ctx_gates(&c, o, true, err)) != RV_OK)
		goto out;
	report_lap(o, &clock, "computed the statistics");
	if (!o->quiet) {
		report_render_table(&c.view, &b);
	} else {
		for (size_t i = 0; i < c.n_gates; i++)
			report_gate_describe(&c.gates[i], &c.results[i], &b);
	}
	report_print(&b);
	if (o->out_dir && (rc = rv_mkdirs(o->out_dir, 0755, err)) != RV_OK)
		goto out;
	if (o->out_dir)
		report_outputs_in(o->out_dir, &dir);
	rc = report_write_outputs(&c.view, &out, err);
	if (rc == RV_OK && o->out_dir)
		rc = report_write_outputs(&c.view, &dir, err);
	if (rc == RV_OK)
		rc = report_step_summary(&c.view, err);
	if (rc != RV_OK)
		goto out;
	report_lap(o, &clock, "printed and wrote the report");
	for (size_t i = 0; i < c.n_gates; i++)
		failed += !c.results[i].pass;
	if (failed)
		fprintf(stderr, "runeval report: %zu of %zu gate%s failed\n",
			failed, c.n_gates, c.n_gates == 1 ? "" : "s");
	code = failed ? 1 : 0;
out:
	report_outputs_free(&dir);
	rv_buf_release(&b);
	report_ctx_release(&c);
	return code;
}

int report_main(int argc, char **argv)
{
	struct report_opts o;
	struct rv_err err = RV_ERR_INIT;
	int code;

	memset(&o, 0, sizeof(o));
	if (opts_parse(&o, argc, argv, &err) != RV_OK) {
		rv_term_printf(stderr, "runeval report: %s (see runeval "
			       "report --help)\n", err.msg);
		code = 2;
	} else if (o.help) {
		fputs(report_usage, stdout);
		code = 0;
	} else {
		code = report_run(&o, &err);
		if (code == 2)
			rv_term_printf(stderr, "runeval report: %s\n",
				       err.msg);
	}
	free(o.inputs);
	free(o.baseline);
	free(o.gates);
	return code;
}
