/* history: runeval ls and runeval show (see history.h). */
#include "history.h"

#include "cli.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_fs.h"
#include "rv_json.h"
#include "rv_log.h"
#include "rollouts.h"
#include "rv_term.h"
#include "report_jscan.h"
#include "seedlog.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define HISTORY_DEFAULT_DIR "runs"

/* One job, as ls and show need it (strings borrowed from doc). */
struct history_job {
	json_t *doc;
	const char *path;
	const char *id, *started, *status, *provider, *server, *app;
	const char *app_name, *app_version;	/* its GET /info, or NULL */
	const char *policy, *model;
	double seeds, mean_reward, pass_rate, duration_ms;
	/* a job known only from its seed log (no result.json) */
	bool from_log;
	size_t done, ok;		/* its seeds that ended, ok */
	char *log;			/* ls: its directory when from_log */
};

/* The first of the dotted paths that is a number, else NAN. */
static double history_num(const json_t *doc, const char *const *paths)
{
	double v;

	for (; *paths; paths++)
		if (rv_json_num(doc, *paths, &v))
			return v;
	return NAN;
}

/* Pass rate: the eval block's, else rollouts that are ok with reward 1. */
static double history_pass_rate(const json_t *doc)
{
	static const char *const paths[] = { "eval.pass_rate",
		"summary.eval.pass_rate", "summary.pass_rate", NULL };
	json_t *rs = json_object_get(doc, "rollouts");
	double v = history_num(doc, paths), r;
	size_t n = json_array_size(rs), pass = 0, i;
	json_t *ro;

	if (!isnan(v) || !n)
		return v;
	json_array_foreach(rs, i, ro)
		pass += rv_json_bool(ro, "ok", false) &&
			rv_json_num(ro, "reward", &r) && r >= 1.0;
	return (double)pass / (double)n;
}

/* h's fields from its doc. */
static void history_fields(struct history_job *h)
{
	static const char *const mean[] = { "eval.mean_reward",
		"summary.eval.mean_reward", "summary.mean_reward", NULL };
	static const char *const dur[] = { "job.duration_ms", NULL };

	h->id = rv_json_str(h->doc, "job.id");
	h->started = rv_json_str(h->doc, "job.started_utc");
	h->status = rv_json_str(h->doc, "job.status");
	h->provider = rv_json_str(h->doc, "environment.provider");
	h->server = rv_json_str(h->doc, "environment.server");
	h->app = rv_json_str(h->doc, "config.app");
	h->app_name = rv_json_str(h->doc, "environment.task_app.name");
	h->app_version = rv_json_str(h->doc, "environment.task_app.version");
	h->policy = rv_json_str(h->doc, "config.policy");
	h->model = rv_json_str(h->doc, "config.model");
	h->seeds = (double)json_array_size(rv_json_path(h->doc,
							"config.seeds"));
	h->mean_reward = history_num(h->doc, mean);
	h->pass_rate = history_pass_rate(h->doc);
	h->duration_ms = history_num(h->doc, dur);
}

/*
 * result.json at path without its rollouts and spans, which ls does not
 * show: a job of 100 000 seeds has 40 MB of them, and jansson's tree of
 * them costs several times that (ls over six jobs of 20 000 seeds peaked
 * at 1.1 GB).  The file is scanned (report_jscan) and only the other
 * members are parsed.  NULL with err.
 */
static json_t *history_load_head(const char *path, struct rv_err *err)
{
	struct rv_buf b = RV_BUF_INIT, scratch = RV_BUF_INIT;
	json_t *doc = NULL;
	struct jscan s;
	bool first = true;
	const char *key;
	size_t klen;

	if (rv_read_file(path, RV_JSON_FILE_MAX, &b, err) != RV_OK)
		goto out;
	jscan_init(&s, b.data, b.len);
	if (jscan_peek(&s) != JSCAN_OBJECT || !jscan_object_begin(&s)) {
		rv_errf(err, RV_ERR_PROTO, "'%s' is not a runeval result (not "
			"a JSON object)", path);
		goto out;
	}
	doc = json_object();
	while (jscan_object_next(&s, &first, &scratch, &key, &klen)) {
		char *name = rv_xstrndup(key, klen);
		const char *at;
		json_t *v;

		jscan_ws(&s);
		at = s.p;
		if (!jscan_skip(&s)) {
			free(name);
			break;
		}
		if (strcmp(name, "rollouts") && strcmp(name, "spans") &&
		    (v = json_loadb(at, (size_t)(s.p - at), JSON_DECODE_ANY,
				    NULL)))
			json_object_set_new(doc, name, v);
		free(name);
	}
	if (s.err || !jscan_at_end(&s)) {
		rv_errf(err, RV_ERR_PROTO, "'%s' is no JSON: %s", path,
			s.err ? s.err : "text after the object");
		json_decref(doc);
		doc = NULL;
	}
out:
	rv_buf_release(&scratch);
	rv_buf_release(&b);
	return doc;
}

/* A job's result.json, whole (show) or without its rollouts (ls). */
static bool history_load(struct history_job *h, const char *path,
			 bool whole, struct rv_err *err)
{
	memset(h, 0, sizeof(*h));
	h->path = path;
	h->doc = whole ? rv_json_load_file(path, err) :
		history_load_head(path, err);
	if (!h->doc)
		return false;
	if (!json_is_object(h->doc) || !rv_json_str(h->doc, "job.id")) {
		rv_errf(err, RV_ERR_PROTO, "'%s' is not a runeval result "
			"(no job.id)", path);
		json_decref(h->doc);
		h->doc = NULL;
		return false;
	}
	history_fields(h);
	return true;
}

/* "2026-12-06T05:01:02Z" from a job id "20261206T050102Z-..." */
static json_t *history_id_time(const char *id)
{
	int n = 0;

	if (sscanf(id, "%*4[0-9]%*2[0-9]%*2[0-9]T%*2[0-9]%*2[0-9]%*2[0-9]Z%n",
		   &n) != 0 || n != 16)
		return json_null();
	return json_sprintf("%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", id, id + 4,
			    id + 6, id + 9, id + 11, id + 13);
}

/*
 * Does a process hold a lock on dir (a runeval running there)?  Read
 * from /proc/locks, so that looking takes no lock that a job starting
 * there at that moment would find held; where it cannot be read, a
 * lock taken and let go at once tells.
 */
static bool history_running(const char *dir)
{
	struct rv_err e = RV_ERR_INIT;
	FILE *f = fopen("/proc/locks", "re");
	char line[256];
	struct stat st;
	bool held = false;
	int fd = -1;

	if (!f) {
		held = rv_lock_dir(dir, &fd, &e) == RV_ERR_USAGE;
		if (fd >= 0)
			close(fd);
		return held;
	}
	if (stat(dir, &st) < 0) {
		fclose(f);
		return false;
	}
	while (!held && fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		unsigned long long ino;

		/* "1: FLOCK  ADVISORY  WRITE 9774 fe:00:11100328 0 EOF" */
		held = strstr(line, " FLOCK ") &&
			sscanf(line, "%*s %*s %*s %*s %*s %x:%x:%llu", &maj,
			       &min, &ino) == 3 && maj == major(st.st_dev) &&
			min == minor(st.st_dev) && ino == st.st_ino;
	}
	fclose(f);
	return held;
}

static int history_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Count the records of st that are the job's own (a seed of its
 * configuration, an epoch from 1 to its epochs): a line copied in from
 * another job's log, or with an epoch past the job's, is not a seed done.
 */
static void history_count_own(struct history_job *h,
			      const struct seedlog_state *st)
{
	const json_t *seeds = rv_json_path(st->config, "seeds");
	double epochs = 1;
	size_t n = json_array_size(seeds), k = 0;
	int64_t *own = rv_xcalloc(n + 1, sizeof(*own));

	rv_json_num(st->config, "epochs", &epochs);
	for (size_t i = 0; i < n; i++)
		if (json_is_integer(json_array_get(seeds, i)))
			own[k++] = json_integer_value(json_array_get(seeds, i));
	qsort(own, k, sizeof(*own), history_cmp_i64);
	for (size_t i = 0; i < st->n; i++) {
		const struct rollout *r = &st->rs[i];
		int64_t seed = r->seed;

		if (r->epoch < 1 || r->epoch > epochs ||
		    !bsearch(&seed, own, k, sizeof(*own), history_cmp_i64))
			continue;
		h->done += r->state == ROLLOUT_DONE;
		h->ok += r->ok;
	}
	free(own);
}

/*
 * A job with a seed log and no result.json in dir: killed, or running
 * now (another runeval holds the directory).  What the log says: the
 * configuration, the seeds that ended.
 */
static bool history_load_log(struct history_job *h, const char *dir,
			     const char *path, struct rv_err *err)
{
	struct seedlog_state st;
	const char *provider;
	char *server = NULL;
	bool running;

	memset(h, 0, sizeof(*h));
	h->path = path;
	if (seedlog_read(dir, &st, err) != RV_OK) {
		seedlog_state_release(&st);
		return false;
	}
	running = history_running(dir);
	provider = rv_json_str(st.config, "provider");
	if (provider && rv_json_bool(st.config, "lite", false))
		server = rv_xasprintf("%s-lite", provider);
	h->doc = json_pack("{s:{s:s,s:s,s:o},s:O?,s:{s:s?,s:s?}}", "job", "id",
			   st.job, "status", running ? "running" :
			   "interrupted", "started_utc",
			   history_id_time(st.job), "config", st.config,
			   "environment", "provider", provider, "server",
			   server);
	free(server);
	history_count_own(h, &st);
	seedlog_state_release(&st);
	if (!h->doc) {
		rv_errf(err, RV_ERR_PROTO, "'%s': a header without its job",
			path);
		return false;
	}
	h->from_log = true;
	history_fields(h);
	return true;
}

static const char *history_s(const char *s)
{
	return s && *s ? s : "-";
}

/* "2026-12-06 05:01" from the ISO time. */
static void history_date(const char *iso, char out[17])
{
	snprintf(out, 17, "%s", iso ? iso : "-");
	if (strlen(out) >= 16)
		out[10] = ' ';
}

static void history_line(FILE *f, const struct history_job *h)
{
	char date[17], prov[64], pm[96], mean[16], pass[16], dur[24];

	history_date(h->started, date);
	snprintf(prov, sizeof(prov), "%s%s%s", history_s(h->provider),
		 h->server ? "/" : "", h->server ? "lite" : "");
	snprintf(pm, sizeof(pm), "%s%s%s", history_s(h->policy),
		 h->model ? "/" : "", h->model ? h->model : "");
	snprintf(mean, sizeof(mean), isnan(h->mean_reward) ? "-" : "%.3f",
		 h->mean_reward);
	snprintf(pass, sizeof(pass), isnan(h->pass_rate) ? "-" : "%.1f%%",
		 100.0 * h->pass_rate);
	snprintf(dur, sizeof(dur), isnan(h->duration_ms) ? "-" : "%.1fs",
		 h->duration_ms / 1000.0);
	rv_term_printf(f, "%-24s %-16s %-13s %-10.10s %-18.18s %6.0f %7s %6s "
		       "%-11s %9s\n", h->id, date, prov,
		       strcmp(history_s(h->app), "bundled") ?
		       history_s(h->app) : "bundled", pm, h->seeds, mean, pass,
		       history_s(h->status), dur);
}

static int history_cmp(const void *a, const void *b)
{
	const struct history_job *x = a, *y = b;

	return strcmp(history_s(x->started), history_s(y->started));
}

/* Does path name a result.json? */
static bool history_is_result(const char *path)
{
	size_t n = strlen(path), k = strlen("/result.json");

	return n > k && !strcmp(path + n - k, "/result.json");
}

/*
 * The job kept in dir: its result.json, else its seed log (*log: dir,
 * malloc'ed; a job that has not ended or never will), else NULL.
 */
static char *history_find_in(const char *dir, char **log)
{
	char *p = rv_xasprintf("%s/result.json", dir);

	*log = NULL;
	if (access(p, F_OK) == 0)
		return p;
	free(p);
	p = rv_xasprintf("%s/%s", dir, SEEDLOG_NAME);
	if (access(p, F_OK) == 0) {
		*log = rv_xstrdup(dir);
		return p;
	}
	free(p);
	return NULL;
}

/* What ls found: the jobs it read, and every path it tried. */
struct history_list {
	struct history_job *jobs;
	size_t n, bad;
	char **paths;
};

/*
 * The jobs in dir's subdirectories; a subdirectory with no job of its
 * own is looked into once more (runeval --provider a,b keeps each
 * provider's job in OUT/<provider>).
 */
static void history_scan(const char *dir, bool nested, const char *cmd,
			 struct history_list *l)
{
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		struct rv_err e = RV_ERR_INIT;
		char *log = NULL, *sub, *p;
		struct history_job *h;

		if (de->d_name[0] == '.')
			continue;
		sub = rv_xasprintf("%s/%s", dir, de->d_name);
		p = history_find_in(sub, &log);
		if (!p && nested)
			history_scan(sub, false, cmd, l);
		free(sub);
		if (!p)
			continue;
		l->jobs = rv_xreallocarray(l->jobs, l->n + 1, sizeof(*l->jobs));
		l->paths = rv_xreallocarray(l->paths, l->n + l->bad + 1,
					    sizeof(*l->paths));
		l->paths[l->n + l->bad] = p;
		h = &l->jobs[l->n];
		if (log ? history_load_log(h, log, p, &e) :
		    history_load(h, p, false, &e)) {
			h->log = log;
			log = NULL;
			l->n++;
		} else {
			if (cmd)	/* show's lookup looks, says nothing */
				rv_warn("%s: %s", cmd, e.msg);
			l->bad++;
		}
		free(log);
	}
	if (d)
		closedir(d);
}

static void history_list_release(struct history_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		json_decref(l->jobs[i].doc);
		free(l->jobs[i].log);
	}
	for (size_t i = 0; i < l->n + l->bad; i++)
		free(l->paths[i]);
	free(l->paths);
	free(l->jobs);
}

int history_ls_main(int argc, char **argv)
{
	const char *dir = HISTORY_DEFAULT_DIR;
	struct history_list l = { 0 };
	DIR *d;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: runeval ls [DIR]\n\nOne line per job kept under "
		       "DIR (default runs/), oldest first: id,\nstart, "
		       "provider, app, policy/model, seeds, mean reward, pass "
		       "rate,\nstatus and duration; the jobs of a run on several "
		       "providers too.  A job\nwithout result.json but with a "
		       "seed log is 'interrupted' (runeval resume\nDIR finishes "
		       "it) or 'running'.\n");
		return CLI_EXIT_OK;
	}
	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		rv_error("ls: usage: runeval ls [DIR]");
		return CLI_EXIT_USAGE;
	}
	if (argc == 2)
		dir = argv[1];
	d = opendir(dir);
	if (!d && errno == ENOENT && argc == 1) {
		printf("no jobs in '%s' (no such directory yet)\n", dir);
		return CLI_EXIT_OK;
	}
	if (!d) {
		rv_error("ls: cannot read '%s': %m", dir);
		return CLI_EXIT_USAGE;
	}
	closedir(d);
	history_scan(dir, true, "ls", &l);
	qsort(l.jobs, l.n, sizeof(*l.jobs), history_cmp);
	if (l.n)
		printf("%-24s %-16s %-13s %-10s %-18s %6s %7s %6s %-11s %9s\n",
		       "job", "started (UTC)", "provider", "app",
		       "policy/model", "seeds", "reward", "pass", "status",
		       "duration");
	for (size_t i = 0; i < l.n; i++)
		history_line(stdout, &l.jobs[i]);
	if (!l.n && !l.bad)
		printf("no jobs in '%s'\n", dir);
	history_list_release(&l);
	return CLI_EXIT_OK;
}

/*
 * The job whose id is id among those ls lists under runs/ (a job of a
 * run on several providers is in runs/<run>/<provider>): its file
 * (*log: its directory when it has only a seed log), or NULL.
 */
static char *history_find_id(const char *id, char **log)
{
	struct history_list l = { 0 };
	char *found = NULL;

	*log = NULL;
	history_scan(HISTORY_DEFAULT_DIR, true, NULL, &l);
	for (size_t i = 0; i < l.n && !found; i++)
		if (l.jobs[i].id && !strcmp(l.jobs[i].id, id)) {
			found = rv_xstrdup(l.jobs[i].path);
			*log = l.jobs[i].log ? rv_xstrdup(l.jobs[i].log) : NULL;
		}
	history_list_release(&l);
	return found;
}

/* JOB as a path: an id under runs/, a directory, or a result.json. */
static char *history_resolve(const char *job)
{
	struct stat st;

	if (stat(job, &st) == 0)
		return S_ISDIR(st.st_mode) ?
			rv_xasprintf("%s/result.json", job) : rv_xstrdup(job);
	if (strchr(job, '/'))	/* a path, not an id */
		return rv_xstrdup(job);
	return rv_xasprintf("%s/%s/result.json", HISTORY_DEFAULT_DIR, job);
}

/* "name 1, name 2" of an object of numbers, after label. */
static void history_show_counts(FILE *f, const char *label,
				const char *prefix, json_t *o)
{
	const char *key;
	json_t *v;
	bool first = true;

	if (!json_object_size(o))
		return;
	fprintf(f, "%-9s", label);
	json_object_foreach(o, key, v) {
		if (!json_is_number(v))
			continue;
		rv_term_printf(f, "%s %s%s %.*f", first ? "" : ",", prefix, key,
			       json_is_integer(v) ? 0 : 3,
			       json_number_value(v));
		first = false;
	}
	fputc('\n', f);
}

/*
 * The eval's outcome (summary.eval, when the job wrote one): how the
 * rollouts ended, their statuses and pass@k.
 */
static void history_show_eval(FILE *f, json_t *ev)
{
	double n = 0, ok = 0, pipe = 0, trans = 0;

	rv_json_num(ev, "rollouts", &n);
	rv_json_num(ev, "ok", &ok);
	rv_json_num(ev, "pipeline_failures", &pipe);
	rv_json_num(ev, "transport_failures", &trans);
	fprintf(f, "rollouts  %.0f: %.0f ok, %.0f pipeline failure%s, %.0f "
		"failed in transport\n", n, ok, pipe, pipe == 1 ? "" : "s",
		trans);
	history_show_counts(f, "statuses", "", json_object_get(ev,
							     "statuses"));
	if (json_object_size(json_object_get(ev, "pass_at_k")) > 1)
		history_show_counts(f, "pass@k", "pass@",
				    json_object_get(ev, "pass_at_k"));
}

/* "seed 3: PIPELINE network_error: its detail", as the console's -q. */
static void history_show_failed(FILE *f, const json_t *ro, bool first)
{
	const char *outcome = rv_json_str(ro, "outcome");
	const char *status = rv_json_str(ro, "status");
	const char *why = rv_json_str(ro, "status_detail");
	double epoch = 1;
	bool pipe = outcome && !strcmp(outcome, "pipeline_failure");

	if (!pipe || !why)
		why = rv_json_str(ro, "error");
	/* "cancelled: cancelled: interrupted ...": the word once */
	if (status && why && !strncmp(why, status, strlen(status)) &&
	    !strncmp(why + strlen(status), ": ", 2))
		why += strlen(status) + 2;
	rv_json_num(ro, "epoch", &epoch);
	rv_term_printf(f, "%s  seed %.0f", first ? "failed  " : "        ",
		       json_number_value(json_object_get(ro, "seed")));
	if (epoch > 1)
		fprintf(f, " (epoch %.0f)", epoch);
	rv_term_printf(f, ": %s%s%s%s%s\n", pipe ? "PIPELINE" : "FAILED",
		       status ? " " : "", status ? status : "",
		       why ? ": " : "", why ? why : "");
}

/* "%10.1f" of ms, or "-" (no sample ended ok: the statistics are null) */
static const char *history_ms(double ms, char out[24])
{
	if (isnan(ms))
		snprintf(out, 24, "%10s", "-");
	else
		snprintf(out, 24, "%10.1f", ms);
	return out;
}

static void history_show(FILE *f, const struct history_job *h,
			 const char *log_dir)
{
	json_t *phases = rv_json_path(h->doc, "summary.phases"), *ph;
	json_t *rs = json_object_get(h->doc, "rollouts"), *ro;
	json_t *ev = rv_json_path(h->doc, "summary.eval");
	const char *key;
	size_t i, failed = 0;
	double epochs = 1;
	char a[24], b[24], c[24];

	rv_term_printf(f, "job       %s  (%s)\n", h->id, h->path);
	rv_term_printf(f, "status    %s%s%s\n", history_s(h->status),
		       rv_json_str(h->doc, "job.error") ? ": " : "",
		       rv_json_str(h->doc, "job.error") ?
		       rv_json_str(h->doc, "job.error") : "");
	if (isnan(h->duration_ms))
		rv_term_printf(f, "started   %s\n", history_s(h->started));
	else
		rv_term_printf(f, "started   %s, %.1f s\n",
			       history_s(h->started), h->duration_ms / 1000.0);
	rv_term_printf(f, "provider  %s%s%s\n", history_s(h->provider),
		       h->server ? " on " : "", h->server ? h->server : "");
	if (h->app_name)
		rv_term_printf(f, "app       %s%s%s (%s)\n", h->app_name,
			       h->app_version ? " " : "",
			       h->app_version ? h->app_version : "",
			       history_s(h->app));
	else
		rv_term_printf(f, "app       %s\n", history_s(h->app));
	rv_term_printf(f, "policy    %s%s%s\n", history_s(h->policy),
		       h->model ? ", model " : "", h->model ? h->model : "");
	fprintf(f, "seeds     %.0f", h->seeds);
	if (rv_json_num(h->doc, "config.epochs", &epochs) && epochs > 1)
		fprintf(f, " x %.0f epochs", epochs);
	fputc('\n', f);
	if (h->from_log) {
		fprintf(f, "done      %zu of %.0f (%zu ok); no result.json yet\n",
			h->done, h->seeds * (epochs > 1 ? epochs : 1), h->ok);
		if (!strcmp(h->status, "running"))
			rv_term_printf(f, "running   another runeval holds "
				       "'%s' now\n", log_dir);
		else
			rv_term_printf(f, "resume    runeval resume %s (runs "
				       "the seeds that are not done)\n",
				       log_dir);
	}
	if (!isnan(h->mean_reward)) {
		json_t *ci = json_object_get(ev, "mean_reward_ci95");

		fprintf(f, "reward    mean %.3f", h->mean_reward);
		if (json_array_size(ci) == 2)
			fprintf(f, " (95%% CI %.3f to %.3f)",
				json_number_value(json_array_get(ci, 0)),
				json_number_value(json_array_get(ci, 1)));
		fprintf(f, ", pass rate %.1f%%\n", 100.0 * h->pass_rate);
	}
	if (json_is_object(ev))
		history_show_eval(f, ev);
	json_array_foreach(rs, i, ro) {
		const char *outcome = rv_json_str(ro, "outcome");

		if (outcome ? !strcmp(outcome, "ok") :
		    rv_json_bool(ro, "ok", true))
			continue;
		if (failed++ < 10)
			history_show_failed(f, ro, failed == 1);
	}
	if (failed > 10)
		fprintf(f, "          ... and %zu more\n", failed - 10);
	if (json_object_size(phases))
		fprintf(f, "\n%-10s %6s %6s %10s %10s %10s\n", "phase", "n",
			"ok", "p50 ms", "p95 ms", "max ms");
	json_object_foreach(phases, key, ph) {
		double n = 0, ok = 0, p50 = NAN, p95 = NAN, max = NAN;

		rv_json_num(ph, "n", &n);
		rv_json_num(ph, "ok", &ok);
		rv_json_num(ph, "p50", &p50);
		rv_json_num(ph, "p95", &p95);
		rv_json_num(ph, "max", &max);
		rv_term_printf(f, "%-10s %6.0f %6.0f %s %s %s\n", key, n, ok,
			       history_ms(p50, a), history_ms(p95, b),
			       history_ms(max, c));
	}
}

/*
 * dir holds the jobs of several providers run at once (dir/<provider>/):
 * say so, naming them; false when it does not.
 */
char *history_provider_jobs(const char *dir)
{
	struct rv_buf names = RV_BUF_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);

	while (d && (de = readdir(d))) {
		char *sub, *log, *found;

		if (de->d_name[0] == '.')
			continue;
		sub = rv_xasprintf("%s/%s", dir, de->d_name);
		found = history_find_in(sub, &log);
		if (found)
			rv_buf_addf(&names, "%s%s", names.len ? ", " : "",
				    de->d_name);
		free(found);
		free(log);
		free(sub);
	}
	if (d)
		closedir(d);
	if (!names.len) {
		rv_buf_release(&names);
		return NULL;
	}
	return names.data;
}

bool history_multi_hint(const char *dir, const char *cmd)
{
	char *names = history_provider_jobs(dir);

	if (names)
		rv_error("%s: '%s' holds the jobs of several providers (%s): "
			 "runeval %s %s/<provider>", cmd, dir, names, cmd, dir);
	free(names);
	return names != NULL;
}

int history_show_main(int argc, char **argv)
{
	struct rv_err e = RV_ERR_INIT;
	struct history_job h;
	char *path, *log = NULL;

	if (argc == 2 && (!strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "--help"))) {
		printf("usage: runeval show JOB\n\nOne job's summary: JOB is a "
		       "job id (under runs/), a results\ndirectory or a "
		       "result.json.\n");
		return CLI_EXIT_OK;
	}
	if (argc != 2 || !*argv[1]) {
		rv_error("show: usage: runeval show JOB");
		return CLI_EXIT_USAGE;
	}
	path = history_resolve(argv[1]);
	if (access(path, F_OK) != 0 && !strchr(argv[1], '/')) {
		/* an id ls lists, in a run on several providers */
		char *p = history_find_id(argv[1], &log);

		if (p) {
			free(path);
			path = p;
		}
	}
	if (!log && access(path, F_OK) != 0 && history_is_result(path)) {
		/* no result.json: the job's seed log, if it has one */
		char *dir = rv_xstrndup(path, strlen(path) -
					strlen("/result.json"));
		char *p = history_find_in(dir, &log);

		if (p) {
			free(path);
			path = p;
		} else if (history_multi_hint(dir, "show")) {
			free(dir);
			free(path);
			return CLI_EXIT_USAGE;
		}
		free(dir);
	}
	if (!(log ? history_load_log(&h, log, path, &e) :
	      history_load(&h, path, true, &e))) {
		rv_error("show: %s", e.msg);
		free(log);
		free(path);
		return CLI_EXIT_USAGE;
	}
	history_show(stdout, &h, log);
	json_decref(h.doc);
	free(log);
	free(path);
	return CLI_EXIT_OK;
}
