#include "reap.h"

#include "journal.h"
#include "provider.h"
#include "rv_alloc.h"
#include "rv_log.h"
#include "rv_term.h"

#include <getopt.h>
#include <string.h>

/* Delete one sandbox (by id or name); RV_ERR_NOTFOUND when gone. */
static enum rv_code reap_one(const struct provider_ops *ops,
			     const struct provider_config *cfg,
			     const char *id_or_name, struct rv_err *err)
{
	struct provider_sandbox *sb = NULL;
	enum rv_code rc = provider_attach(ops, cfg, id_or_name, &sb, err);

	if (rc != RV_OK)
		return rc;
	rc = provider_destroy(sb, err);
	provider_sandbox_free(sb);
	return rc;
}

static void reap_count(struct reap_counts *c, enum rv_code rc,
		       enum rv_code *first, struct rv_err *err,
		       const struct rv_err *e)
{
	if (rc == RV_OK) {
		c->deleted++;
	} else if (rc == RV_ERR_NOTFOUND) {
		c->gone++;
	} else {
		c->failed++;
		if (*first == RV_OK) {
			*first = rc;
			if (err)
				*err = *e;
		}
	}
}

static const char *reap_word(enum rv_code rc)
{
	return rc == RV_OK ? "deleted" : rc == RV_ERR_NOTFOUND ?
		"already gone" : "FAILED";
}

/* Add s (when set) to the list of ids and names already seen. */
static void reap_remember(char ***done, size_t *ndone, const char *s)
{
	if (!s)
		return;
	*done = rv_xreallocarray(*done, *ndone + 1, sizeof(char *));
	(*done)[(*ndone)++] = rv_xstrdup(s);
}

/* The journals: every sandbox without a tombstone. */
static enum rv_code reap_journal(const struct reap_options *o,
				 struct reap_counts *c, char ***done,
				 size_t *ndone, struct rv_err *err)
{
	struct journal_entry *v = NULL;
	enum rv_code first = RV_OK, rc;
	size_t n = 0;

	rc = journal_scan(o->state_dir, o->job, &v, &n, err);
	if (rc != RV_OK)
		return rc;
	for (size_t i = 0; i < n; i++) {
		const struct provider_ops *ops = provider_find(v[i].provider);
		const char *key = v[i].id ? v[i].id : v[i].name;
		struct provider_config cfg = { 0 };
		struct rv_err e = RV_ERR_INIT;

		/* seen here, whatever comes of it: a provider that lists
		   it by label must not count it again */
		reap_remember(done, ndone, v[i].id);
		reap_remember(done, ndone, v[i].name);
		c->found++;
		if (v[i].job_running || (v[i].kept && !o->job) || !ops ||
		    !key) {
			c->skipped++;
			rv_term_printf(o->out, "skip %s %s (job %s): %s\n",
				       v[i].provider ? v[i].provider : "?",
				       key ? key : "?",
				       v[i].job ? v[i].job : "?",
				       v[i].job_running ? "its job is running" :
				       v[i].kept ? "kept (--keep); name the "
				       "job with --job to delete it" :
				       "unknown provider");
			continue;
		}
		if (o->dry_run) {
			rv_term_printf(o->out, "would delete %s %s (job "
				       "%s)\n", ops->name, key, v[i].job);
			continue;
		}
		cfg.job_id = v[i].job;
		cfg.api_url = v[i].api_url;
		rc = reap_one(ops, &cfg, key, &e);
		reap_count(c, rc, &first, err, &e);
		rv_term_printf(o->out, "%s %s %s (job %s)%s%s\n",
			       reap_word(rc), ops->name, key, v[i].job,
			       rc == RV_OK || rc == RV_ERR_NOTFOUND ? "" : ": ",
			       rc == RV_OK || rc == RV_ERR_NOTFOUND ? "" :
			       e.msg);
		if (rc == RV_OK || rc == RV_ERR_NOTFOUND)
			journal_tombstone(o->state_dir, &v[i], NULL);
	}
	journal_entries_free(v, n);
	return first;
}

static bool reap_seen(char **done, size_t n, const struct provider_listed *l)
{
	for (size_t i = 0; i < n; i++)
		if ((l->id && !strcmp(done[i], l->id)) ||
		    (l->name && !strcmp(done[i], l->name)))
			return true;
	return false;
}

static bool reap_kept(const struct journal_entry *v, size_t n,
		      const struct provider_listed *l)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].kept && ((l->id && v[i].id && !strcmp(l->id, v[i].id)) ||
				  (l->name && v[i].name &&
				   !strcmp(l->name, v[i].name))))
			return true;
	return false;
}

/* One listing provider: its sandboxes labelled runeval.job[=job]. */
static enum rv_code reap_listed(const struct reap_options *o,
				const struct provider_ops *ops,
				struct reap_counts *c, char **done,
				size_t ndone, struct rv_err *err)
{
	struct provider_config cfg = { .job_id = o->job };
	struct provider_list l = PROVIDER_LIST_INIT;
	struct journal_entry *v = NULL;
	struct rv_err e = RV_ERR_INIT;
	enum rv_code first = RV_OK, rc;
	size_t nv = 0;

	rc = provider_list(ops, &cfg, PROVIDER_LABEL_JOB, o->job, &l, &e);
	if (rc == RV_ERR_CONFIG) {
		rv_term_printf(o->out, "skip provider %s: %s\n", ops->name,
			       e.msg);
		return RV_OK;
	}
	if (rc != RV_OK) {
		c->failed++;
		if (err)
			*err = e;
		return rc;
	}
	journal_scan(o->state_dir, NULL, &v, &nv, NULL);
	for (size_t i = 0; i < l.n; i++) {
		struct provider_listed *it = &l.items[i];
		const char *job = it->job_id ? it->job_id : "?";
		bool kept;

		if (reap_seen(done, ndone, it))
			continue;
		c->found++;
		kept = reap_kept(v, nv, it);
		if (journal_job_running(o->state_dir, job) ||
		    (!o->job && kept)) {
			c->skipped++;
			rv_term_printf(o->out, "skip %s %s (job %s): %s\n",
				       ops->name, it->id, job, kept ?
				       "kept (--keep); name the job with "
				       "--job to delete it" :
				       "its job is running");
			continue;
		}
		if (o->dry_run) {
			rv_term_printf(o->out, "would delete %s %s (job %s, "
				       "state %s)\n", ops->name, it->id, job,
				       it->state ? it->state : "?");
			continue;
		}
		cfg.job_id = job;
		rv_err_clear(&e);
		rc = reap_one(ops, &cfg, it->id, &e);
		reap_count(c, rc, &first, err, &e);
		rv_term_printf(o->out, "%s %s %s (job %s)%s%s\n",
			       reap_word(rc), ops->name, it->id, job,
			       rc == RV_OK || rc == RV_ERR_NOTFOUND ? "" : ": ",
			       rc == RV_OK || rc == RV_ERR_NOTFOUND ? "" :
			       e.msg);
	}
	journal_entries_free(v, nv);
	provider_list_release(&l);
	return first;
}

static void reap_pruned(const char *path, void *arg)
{
	const struct reap_options *o = arg;

	rv_term_printf(o->out, "removed %s (nothing left in it)\n", path);
}

enum rv_code reap_run(const struct reap_options *o, struct reap_counts *c,
		      struct rv_err *err)
{
	enum rv_code first, rc;
	char **done = NULL;
	size_t ndone = 0;

	memset(c, 0, sizeof(*c));
	first = reap_journal(o, c, &done, &ndone, err);
	for (const struct provider_ops *const *p = provider_all(); *p; p++) {
		if (!((*p)->caps & PROVIDER_CAP_LIST))
			continue;
		rc = reap_listed(o, *p, c, done, ndone,
				 first == RV_OK ? err : NULL);
		if (first == RV_OK)
			first = rc;
	}
	for (size_t i = 0; i < ndone; i++)
		free(done[i]);
	free(done);
	/* journals with nothing left in them (a job killed before its
	   first create, by a runeval that made the file at once) */
	if (!o->dry_run)
		journal_prune(o->state_dir, o->job, reap_pruned, (void *)o);
	return first;
}

static void reap_usage(FILE *f)
{
	fputs("usage: runeval reap [--dry-run] [--job ID]\n"
	      "\n"
	      "Delete the sandboxes that a crashed or killed runeval left:\n"
	      "those in the journals (" "$RUNEVAL_STATE_DIR, else\n"
	      "$XDG_STATE_HOME/runeval, else ~/.local/state/runeval) and\n"
	      "those a provider lists with the label runeval.job.  Jobs\n"
	      "still running are left alone; sandboxes kept with --keep\n"
	      "only go when --job names their job.\n"
	      "\n"
	      "  --dry-run   list what would be deleted, delete nothing\n"
	      "  --job ID    only this job's sandboxes\n", f);
}

int reap_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "job", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct reap_options o = { .out = stdout };
	struct reap_counts c;
	struct rv_err err = RV_ERR_INIT;
	enum rv_code rc;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n': o.dry_run = true; break;
		case 'j': o.job = optarg; break;
		case 'h': reap_usage(stdout); return 0;
		default:
			rv_error("reap: unknown option '%s' (see runeval reap "
				 "--help)", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		rv_error("reap: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	rc = reap_run(&o, &c, &err);
	printf("reap: %u found, %u deleted, %u already gone, %u skipped, "
	       "%u failed%s\n", c.found, c.deleted, c.gone, c.skipped,
	       c.failed, o.dry_run ? " (dry run)" : "");
	if (rc != RV_OK) {
		rv_error("reap: %s", err.msg);
		return rc == RV_ERR_USAGE ? 2 : 3;
	}
	return 0;
}
