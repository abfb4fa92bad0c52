#include "report_opts.h"

#include "report_format.h"
#include "rv_alloc.h"
#include "rv_num.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Help: options in a column of 20 after two spaces, text from column 22. */
#define HELP_COL 22
#define HELP_WIDTH 79

static const char usage_head[] =
"usage: runeval report FILE... [--baseline FILE...] [--gate EXPR]...\n";

static const char usage_intro[] =
"\n"
"Merge runeval result.json files, JSON-lines span files and hyperfine\n"
"--export-json files (detected by content; - reads stdin), print the eval's\n"
"outcome per job identity (app, policy, model, provider) and statistics per\n"
"provider and phase, compare with a baseline and evaluate gates.  One\n"
"format's F may be - (standard output: the table then goes to stderr).\n"
"\n"
"  --baseline FILE...  the files after it are the baseline: rewards seed by\n"
"                      seed (mean difference, Wilcoxon, McNemar, flipped\n"
"                      seeds); medians, their ratio and a Mann-Whitney U\n"
"                      p-value per provider and phase\n"
"  --gate EXPR         fail (exit 1) unless EXPR holds; repeatable\n";

static const char usage_tail[] =
"  --pass-threshold R  a rollout passes at reward >= R (default: each job's\n"
"                      own, 1 when it has none)\n"
"  --junit-fail-below R\n"
"                      junit.xml fails rollouts with reward < R (default: a\n"
"                      reward of 0 passes; pipeline failures are errors)\n"
"  --allow-few-samples evaluate regress gates on phases with fewer than 6\n"
"                      samples a side (refused otherwise)\n"
"  --window N          statistics over the last N samples of each phase\n"
"  --quiet             print only gate results and errors\n"
"  --timings           say on stderr how long reading, statistics and\n"
"                      writing took (wall and CPU seconds)\n"
"  --step-summary      append the Markdown report to $GITHUB_STEP_SUMMARY\n"
"                      (a job appends its own unless --no-step-summary: use\n"
"                      this for a report step and --no-step-summary on jobs)\n"
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
"Eval gates:  STAT[(task=NAME|difficulty=NAME|task=*|difficulty=*)]\n"
"             [regress] OP VALUE, or count(STATUS) OP N\n"
"  STAT   mean_reward, mean_reward_all, pass_rate, pass@K\n"
"  VALUE  rewards as numbers; rates as 0.9 or 90%; with regress: the\n"
"         absolute drop, the baseline's value minus the candidate's\n"
"  e.g.   --gate 'mean_reward >= 0.8' --gate 'pass@5 >= 0.95'\n"
"         --gate 'count(network_error) == 0' --gate 'mean_reward regress < 0.05'\n"
"         --gate 'pass_rate(task=*) >= 0.5'\n"
"An eval gate must hold for every job identity (and every task for *).\n"
"\n"
"Percentiles interpolate linearly between closest ranks (numpy's default);\n"
"time statistics are over successful samples.\n"
"Exit status: 0 every gate holds, 1 a gate failed, 2 bad input or usage.\n";

/* The synopsis options after the formats' and before their switches. */
static const char *const usage_general[] = {
	"[--out DIR]", "[--pass-threshold R]", "[--junit-fail-below R]",
	"[--allow-few-samples]", "[--window N]", "[--quiet]", "[--timings]",
	"[--step-summary]",
};

/* Append word to the synopsis line that starts at *line, wrapping it. */
static void synopsis_word(struct rv_buf *b, size_t *line, const char *word)
{
	size_t len = strlen(word);

	if (b->len > *line && b->len - *line + 1 + len > HELP_WIDTH) {
		rv_buf_addch(b, '\n');
		*line = b->len;
	}
	if (b->len == *line)
		rv_buf_addf(b, "%*s", HELP_COL, "");
	else
		rv_buf_addch(b, ' ');
	rv_buf_adds(b, word);
}

/* "[OPTION ARG]" or "[OPTION]" in the synopsis. */
static void synopsis_option(struct rv_buf *b, size_t *line,
			    const char *option, const char *arg)
{
	char *w = rv_xasprintf("[%s%s%s]", option, arg ? " " : "",
			       arg ? arg : "");

	synopsis_word(b, line, w);
	free(w);
}

static void usage_synopsis(struct rv_buf *b)
{
	size_t line;

	rv_buf_adds(b, usage_head);
	line = b->len;
	for (size_t i = 0; i < report_n_formats; i++)
		synopsis_option(b, &line, report_formats[i].option, "F");
	for (size_t i = 0; i < sizeof(usage_general) / sizeof(*usage_general); i++)
		synopsis_word(b, &line, usage_general[i]);
	for (size_t i = 0; i < report_n_formats; i++)
		if (report_formats[i].switch_option)
			synopsis_option(b, &line,
					report_formats[i].switch_option, NULL);
	rv_buf_addch(b, '\n');
}

/* "  OPTION ARG          help", its next lines indented to HELP_COL. */
static void usage_option(struct rv_buf *b, const char *option,
			 const char *arg, const char *help)
{
	size_t start = b->len;

	rv_buf_addf(b, "  %s%s%s", option, arg ? " " : "", arg ? arg : "");
	if (b->len - start + 2 > HELP_COL) {	/* no room: text below */
		rv_buf_addch(b, '\n');
		start = b->len;
	}
	for (const char *nl; (nl = strchr(help, '\n')); help = nl + 1) {
		rv_buf_addf(b, "%*s", (int)(HELP_COL - (b->len - start)), "");
		rv_buf_add(b, help, (size_t)(nl - help + 1));
		start = b->len;
	}
	rv_buf_addf(b, "%*s%s\n", (int)(HELP_COL - (b->len - start)), "", help);
}

/* "six", for --out's help. */
static void usage_count(struct rv_buf *b, size_t n)
{
	static const char *const words[] = {
		"no", "one", "two", "three", "four", "five", "six",
		"seven", "eight", "nine", "ten", "eleven", "twelve",
	};

	if (n < sizeof(words) / sizeof(*words))
		rv_buf_adds(b, words[n]);
	else
		rv_buf_addf(b, "%zu", n);
}

void report_usage(struct rv_buf *b)
{
	size_t in_dir = 0;

	usage_synopsis(b);
	rv_buf_adds(b, usage_intro);
	for (size_t i = 0; i < report_n_formats; i++) {
		const struct report_format *f = &report_formats[i];

		usage_option(b, f->option, "F", f->help);
		if (f->switch_option)
			usage_option(b, f->switch_option, NULL, f->switch_help);
		in_dir += f->file != NULL;
	}
	rv_buf_adds(b, "  --out DIR           write all ");
	usage_count(b, in_dir);
	rv_buf_adds(b, " into DIR (made with its parents)\n");
	rv_buf_adds(b, usage_tail);
}

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

/* An option that names a file (a format's, --out) into *dest. */
static enum rv_code opt_file(int argc, char **argv, int *i, const char *name,
			     char **dest, bool *matched,
			     struct rv_err *err)
{
	char *v = opt_value(argc, argv, i, name, matched);

	if (*matched && (!v || !*v))
		return rv_errf(err, RV_ERR_USAGE, "%s needs a %s", name,
			       strcmp(name, "--out") ? "file name" :
			       "directory");
	/* '--json -q': an option taken for the file's name */
	if (*matched && v[0] == '-' && v[1])
		return rv_errf(err, RV_ERR_USAGE, "%s needs a %s, got the "
			       "option '%s' (a file of that name: './%s')",
			       name, strcmp(name, "--out") ? "file name" :
			       "directory", v, v);
	if (*matched && !strcmp(v, "-") && !strcmp(name, "--out"))
		return rv_errf(err, RV_ERR_USAGE, "--out needs a directory "
			       "('-', standard output, is for one format's "
			       "option, e.g. --json -)");
	if (*matched)
		*dest = v;
	return RV_OK;
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

/* A reward: a finite number within -1e9 and 1e9. */
static enum rv_code opt_reward(const char *name, const char *v, double *out,
			       struct rv_err *err)
{
	char *end;
	double x;

	errno = 0;
	x = v ? rv_strtod(v, &end) : NAN;
	if (!v || !*v || *end || errno || !isfinite(x) || fabs(x) > 1e9)
		return rv_errf(err, RV_ERR_USAGE, "%s needs a number within -1e9 and 1e9, got '%s'",
			       name, v ? v : "");
	*out = x;
	return RV_OK;
}

/* A format's option or switch at argv[*i]; *matched says whether it was. */
static enum rv_code opt_format(struct report_opts *o, int argc, char **argv,
			       int *i, bool *matched, struct rv_err *err)
{
	enum rv_code rc = RV_OK;

	for (size_t k = 0; k < report_n_formats && !*matched; k++) {
		const struct report_format *f = &report_formats[k];

		rc = opt_file(argc, argv, i, f->option, &o->paths[k], matched,
			      err);
		if (!*matched && f->switch_option &&
		    !strcmp(argv[*i], f->switch_option))
			*matched = o->switches[k] = true;
	}
	return rc;
}

/* One "--..." option at argv[*i]. */
static enum rv_code opt_one(struct report_opts *o, int argc, char **argv,
			    int *i, struct rv_err *err)
{
	const char *a = argv[*i];
	enum rv_code rc;
	bool m = false;
	char *v;

	if ((rc = opt_format(o, argc, argv, i, &m, err)) != RV_OK || m)
		return rc;
	if ((rc = opt_file(argc, argv, i, "--out", &o->out_dir, &m, err)) != RV_OK || m)
		return rc;
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
	v = opt_value(argc, argv, i, "--pass-threshold", &m);
	if (m)
		return opt_reward("--pass-threshold", v, &o->pass_threshold, err);
	v = opt_value(argc, argv, i, "--junit-fail-below", &m);
	if (m)
		return opt_reward("--junit-fail-below", v, &o->junit_fail_below,
				  err);
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
	else if (!strcmp(a, "--step-summary"))
		o->step_summary = true;
	else if (!strcmp(a, "--allow-few-samples"))
		o->allow_few = true;
	else if (!strcmp(a, "--help") || !strcmp(a, "-h"))
		o->help = true;
	else
		return rv_errf(err, RV_ERR_USAGE, "unknown option '%s'", a);
	return RV_OK;
}

enum rv_code report_opts_parse(struct report_opts *o, int argc, char **argv,
			       struct rv_err *err)
{
	bool no_more = false;
	enum rv_code rc;

	memset(o, 0, sizeof(*o));
	o->pass_threshold = o->junit_fail_below = NAN;
	o->paths = rv_xcalloc(report_n_formats, sizeof(*o->paths));
	o->switches = rv_xcalloc(report_n_formats, sizeof(*o->switches));
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
	for (size_t k = 0, dash = 0; k < report_n_formats; k++)
		if (o->paths[k] && !strcmp(o->paths[k], "-") && dash++)
			return rv_errf(err, RV_ERR_USAGE, "'-' (standard "
				       "output) can take one format only");
	return RV_OK;
}

bool report_opts_stdout(const struct report_opts *o)
{
	for (size_t k = 0; k < report_n_formats; k++)
		if (o->paths[k] && !strcmp(o->paths[k], "-"))
			return true;
	return false;
}

void report_opts_release(struct report_opts *o)
{
	free(o->inputs);
	free(o->baseline);
	free(o->gates);
	free(o->paths);
	free(o->switches);
}
