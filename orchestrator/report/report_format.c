#include "report_format.h"

#include "report_util.h"
#include "rv_alloc.h"
#include "rv_fs.h"

#include <stdlib.h>

static void render_md(const struct report_view *v, struct rv_buf *out)
{
	report_render_md(v, REPORT_MD_MAX, out);
}

static void prom_strict(struct report_view *v)
{
	v->prom_strict = true;
}

const struct report_format report_formats[] = {
	{
		.name = "md", .option = "--md", .file = "report.md",
		.help = "write the Markdown report (--step-summary: also\n"
			"append it to $GITHUB_STEP_SUMMARY)",
		.flags = REPORT_FORMAT_STEP_SUMMARY, .render = render_md,
	}, {
		.name = "junit", .option = "--junit", .file = "junit.xml",
		.help = "write JUnit XML", .render = report_render_junit,
	}, {
		.name = "prom", .option = "--prom", .file = "metrics.prom",
		.help = "write Prometheus text metrics",
		.render = report_render_prom,
		.switch_option = "--prom-strict",
		.switch_help = "leave out the sandbox_provisioning_duration_p50_ms,\n"
			"_p95_ms and _p99_ms gauges (dashboard names that\n"
			"promtool's lint rejects for the abbreviated unit;\n"
			"the same quantiles are in runeval_phase_duration_seconds\n"
			"{phase=\"provision\"}), so `promtool check metrics` is clean",
		.switch_set = prom_strict,
	}, {
		.name = "svg", .option = "--svg", .file = "waterfall.svg",
		.help = "write the SVG waterfall and p50/p95 charts",
		.render = report_render_svg,
	}, {
		.name = "json", .option = "--json", .file = "summary.json",
		.help = "write summary.json", .render = report_render_summary,
	}, {
		.name = "csv", .option = "--csv", .file = "results.csv",
		.help = "write CSV: a row per rollout, then per provider\n"
			"and phase with its statistics",
		.render = report_render_csv,
	}, {
		.name = "hyperfine", .option = "--hyperfine",
		.file = "hyperfine.json",
		.help = "write hyperfine-compatible JSON",
		.render = report_render_hyperfine,
	},
};

const size_t report_n_formats = sizeof(report_formats) / sizeof(*report_formats);

/* dir/file of a format, or NULL (malloc'ed). */
static char *format_in_dir(const struct report_format *f, const char *dir)
{
	return dir && f->file ? rv_xasprintf("%s/%s", dir, f->file) : NULL;
}

static enum rv_code report_step_summary(const struct report_view *v,
					struct rv_err *err)
{
	const char *gh = getenv("GITHUB_STEP_SUMMARY");
	struct rv_buf b = RV_BUF_INIT;
	enum rv_code rc = RV_OK;

	if (!gh || !*gh)
		return RV_OK;
	for (size_t i = 0; i < report_n_formats && rc == RV_OK; i++) {
		if (!(report_formats[i].flags & REPORT_FORMAT_STEP_SUMMARY))
			continue;
		report_formats[i].render(v, &b);
		rc = report_append_file(gh, b.data, b.len, err);
		rv_buf_release(&b);
	}
	return rc;
}

void report_flush(const struct report_view *v, struct rv_buf *out, bool all)
{
	struct report_sink *s = v->sink;

	if (!s || (!all && out->len < REPORT_FLUSH_AT))
		return;
	if (!s->failed && out->len &&
	    fwrite(out->data, 1, out->len, s->f) != out->len)
		s->failed = true;
	rv_buf_reset(out);
}

struct format_fill {
	const struct report_view *v;
	const struct report_format *f;
};

/* Render into f as it goes (rv_replace_file's fill). */
static bool format_fill(FILE *f, void *arg)
{
	const struct format_fill *c = arg;
	struct report_sink sink = { .f = f };
	struct report_view v = *c->v;
	struct rv_buf b = RV_BUF_INIT;

	v.sink = &sink;
	c->f->render(&v, &b);
	report_flush(&v, &b, true);
	rv_buf_release(&b);
	return !sink.failed;
}

enum rv_code report_formats_write(const struct report_view *v,
				  char *const *paths, const char *dir,
				  bool step_summary, struct rv_err *err)
{
	enum rv_code rc = RV_OK;

	if (dir)
		rc = rv_mkdirs(dir, 0755, err);
	for (size_t i = 0; i < report_n_formats && rc == RV_OK; i++) {
		struct format_fill c = { v, &report_formats[i] };
		const char *p = paths ? paths[i] : NULL;
		char *d = format_in_dir(&report_formats[i], dir);

		/* rendered once per file: nothing is held in between */
		if (p && !strcmp(p, "-")) {
			if (!format_fill(stdout, &c) || fflush(stdout))
				rc = rv_errf(err, RV_ERR_IO, "cannot write "
					     "the %s to standard output",
					     report_formats[i].option + 2);
		} else if (p) {
			rc = rv_replace_file(p, format_fill, &c, false, err);
		}
		if (d && rc == RV_OK)
			rc = rv_replace_file(d, format_fill, &c, false, err);
		free(d);
	}
	return rc == RV_OK && step_summary ? report_step_summary(v, err) : rc;
}
