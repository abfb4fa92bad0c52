/* bench's files: the reporter's renderings, latency.json, bench.json. */
#include "bench_int.h"

#include "report.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_json.h"
#include "rv_log.h"
#include "signals.h"
#include "stats.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *bench_gate(const char *target)
{
	const char *p = strstr(target, "(create");
	char end;

	if (!p || ((end = p[7]) != ')' && end != ',' && end != ' '))
		return rv_xstrdup(target);
	return rv_xasprintf("%.*s(provision%s", (int)(p - target), target,
			    p + 7);
}

/* One series of the devs task's latency report. */
static json_t *bench_series(const struct bench *b, const char *provider,
			    const char *start_type)
{
	char label[80];
	double *v = rv_xcalloc(b->n_spans + 1, sizeof(*v));
	json_t *o, *samples = json_array();
	size_t n = 0;

	bench_label(b, provider, !strcmp(start_type, "cold"), label,
		    sizeof(label));
	for (size_t i = 0; i < b->n_spans; i++) {
		const struct bench_span *s = &b->spans[i];

		if (!s->ok || strcmp(s->phase, "provision") ||
		    strcmp(s->provider, label))
			continue;
		v[n++] = s->ms;
		json_array_append_new(samples, json_pack("{s:f, s:s}",
			"durationMs", s->ms, "timestamp", s->ts));
	}
	if (!n) {
		json_decref(samples);
		free(v);
		return NULL;
	}
	stats_sort(v, n);
	o = json_pack("{s:s, s:s, s:o, s:f, s:f, s:f}", "driver", provider,
		      "startType", start_type, "samples", samples,
		      "p50Ms", stats_quantile_sorted(v, n, 0.50),
		      "p95Ms", stats_quantile_sorted(v, n, 0.95),
		      "p99Ms", stats_quantile_sorted(v, n, 0.99));
	free(v);
	return o;
}

/*
 * latency.json: the first provider's warm series (its cold one when it
 * has no other) at the top, in the devs task's shape, and every series
 * under "series".
 */
static json_t *bench_latency(const struct bench *b)
{
	static const char *const types[] = { "warm", "cold" };
	json_t *all = json_array(), *top = NULL, *s;

	for (size_t i = 0; i < b->n_providers; i++)
		for (size_t t = 0; t < 2; t++)
			if ((s = bench_series(b, b->providers[i], types[t]))) {
				if (!top)
					top = json_deep_copy(s);
				json_array_append_new(all, s);
			}
	if (!top)
		top = json_pack("{s:s, s:s, s:[], s:n, s:n, s:n}", "driver",
				b->n_providers ? b->providers[0] : "",
				"startType", "cold", "samples", "p50Ms",
				"p95Ms", "p99Ms");
	json_object_set_new(top, "series", all);
	return top;
}

static json_t *bench_summary(const struct bench *b)
{
	json_t *o = json_object(), *provs = json_array(), *notes = json_array();
	json_t *targets = json_array(), *mem = json_object();
	json_t *http = json_object(), *not_run = json_array();
	static const char *const shapes[] = { "sequential", "burst",
					      "staggered" };
	double growth = b->rss_start_kb >= 0 && b->rss_end_kb >= 0 ?
		(double)(b->rss_end_kb - b->rss_start_kb) : NAN;

	for (size_t i = 0; i < b->n_providers; i++) {
		if (i >= b->n_run) {	/* interrupted before it */
			json_array_append_new(not_run,
					      json_string(b->providers[i]));
			continue;
		}
		json_array_append_new(provs, json_string(b->providers[i]));
		json_object_set_new(http, b->providers[i], json_pack(
			"{s:I, s:I}", "requests",
			(json_int_t)b->http[i].requests, "connections",
			(json_int_t)b->http[i].connects));
	}
	for (size_t i = 0; i < b->n_notes; i++)
		json_array_append_new(notes, json_string(b->notes[i]));
	for (size_t i = 0; i < b->n_targets; i++)
		json_array_append_new(targets, json_string(b->targets[i]));
	json_object_set_new(o, "schema", json_string("runeval.bench/1"));
	json_object_set_new(o, "job", json_string(b->job));
	json_object_set_new(o, "providers", provs);
	json_object_set_new(o, "iterations", json_integer(b->iterations));
	json_object_set_new(o, "warmup", json_integer(b->warmup));
	json_object_set_new(o, "concurrency", json_integer(b->concurrency));
	json_object_set_new(o, "shape", json_string(shapes[b->shape]));
	json_object_set_new(o, "stagger_ms", json_integer(b->stagger_ms));
	json_object_set_new(o, "workload", json_string(b->workload));
	json_object_set_new(o, "snapshot", json_boolean(b->snapshot));
	json_object_set_new(o, "targets", targets);
	json_object_set_new(o, "spans", json_integer((json_int_t)b->n_spans));
	json_object_set_new(o, "failed_steps", json_integer(b->failed));
	json_object_set_new(o, "interrupted", json_boolean(signals_stop));
	json_object_set_new(o, "providers_not_run", not_run);
	json_object_set_new(mem, "rss_start_kb", b->rss_start_kb >= 0 ?
			    json_integer(b->rss_start_kb) : json_null());
	json_object_set_new(mem, "rss_end_kb", b->rss_end_kb >= 0 ?
			    json_integer(b->rss_end_kb) : json_null());
	json_object_set_new(mem, "growth_kb", isnan(growth) ? json_null() :
			    json_real(growth));
	json_object_set_new(mem, "sandboxes", json_integer(b->measured));
	json_object_set_new(mem, "growth_kb_per_sandbox", isnan(growth) ||
			    !b->measured ? json_null() :
			    json_real(growth / b->measured));
	json_object_set_new(o, "memory", mem);
	json_object_set_new(o, "http", http);
	json_object_set_new(o, "notes", notes);
	return o;
}

/* runeval's own memory, as gauges next to the reporter's. */
static void bench_prom(const struct bench *b)
{
	char *path = rv_xasprintf("%s/metrics.prom", b->out);
	FILE *f = fopen(path, "ae");

	if (f && b->rss_start_kb >= 0 && b->rss_end_kb >= 0) {
		fprintf(f, "# HELP runeval_bench_rss_bytes runeval's resident "
			"memory around the warm iterations.\n"
			"# TYPE runeval_bench_rss_bytes gauge\n"
			"runeval_bench_rss_bytes{when=\"start\"} %ld\n"
			"runeval_bench_rss_bytes{when=\"end\"} %ld\n"
			"# HELP runeval_bench_rss_growth_bytes How much "
			"runeval's resident memory grew over them.\n"
			"# TYPE runeval_bench_rss_growth_bytes gauge\n"
			"runeval_bench_rss_growth_bytes %ld\n",
			b->rss_start_kb * 1024, b->rss_end_kb * 1024,
			(b->rss_end_kb - b->rss_start_kb) * 1024);
	}
	if (f)
		fclose(f);
	free(path);
}

/* `runeval report OUT/spans.jsonl --out OUT --gate ...`, its table on
   stderr (nowhere for one iteration, whose lines are on stdout). */
static int bench_report(const struct bench *b)
{
	char **v = rv_xcalloc(2 * b->n_targets + 6, sizeof(*v));
	char *spans = rv_xasprintf("%s/spans.jsonl", b->out);
	int k = 0, code, saved = dup(1);
	int to = b->iterations == 1 ? open("/dev/null", O_WRONLY | O_CLOEXEC) :
		b->json ? dup(2) : -1;

	v[k++] = "report";
	v[k++] = spans;
	v[k++] = "--out";
	v[k++] = (char *)b->out;
	for (size_t i = 0; i < b->n_targets; i++) {
		v[k++] = "--gate";
		v[k++] = bench_gate(b->targets[i]);
	}
	fflush(stdout);
	if (to >= 0)
		dup2(to, 1);
	code = report_main(k, v);
	fflush(stdout);
	if (to >= 0) {
		dup2(saved, 1);
		close(to);
	}
	close(saved);
	for (int i = 5; i < k; i += 2)
		free(v[i]);
	free(spans);
	free(v);
	return code;
}

int bench_write(struct bench *b)
{
	struct rv_err err = RV_ERR_INIT;
	char *path;
	json_t *o;
	int code = 0;

	fclose(b->spans_file);
	b->spans_file = NULL;
	if (b->n_spans)
		code = bench_report(b);
	else
		rv_warn("bench: no step was timed");
	bench_prom(b);
	o = bench_latency(b);
	path = rv_xasprintf("%s/latency.json", b->out);
	if (rv_json_write_file(path, o, &err) != RV_OK)
		rv_error("%s", err.msg);
	json_decref(o);
	free(path);
	o = bench_summary(b);
	path = rv_xasprintf("%s/bench.json", b->out);
	if (rv_json_write_file(path, o, &err) != RV_OK)
		rv_error("%s", err.msg);
	json_decref(o);
	free(path);
	if (b->rss_start_kb >= 0 && b->rss_end_kb >= 0 && b->measured)
		rv_info("bench: runeval's memory grew %ld kB over %u sandbox%s "
			"(%.1f kB each)", b->rss_end_kb - b->rss_start_kb,
			b->measured, b->measured == 1 ? "" : "es",
			(double)(b->rss_end_kb - b->rss_start_kb) /
			b->measured);
	rv_info("bench: results in %s (report.md, summary.json, latency.json, "
		"bench.json)", b->out);
	return code;
}
