#include "reap.h"

#include "journal.h"
#include "provider.h"
#include "rv_alloc.h"
#include "rv_log.h"
#include "rv_term.h"

#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

/* Deletes in flight at once: each is a few round trips of waiting (a
   DELETE, then GETs until it is gone), so width, not CPU, is the cost;
   bounded so as not to trip a provider's rate limits. */
#define REAP_PARALLEL 8

/* One sandbox to delete, and how it went. */
struct reap_item {
	const struct provider_ops *ops;
	struct provider_config cfg;	/* job_id, api_url: borrowed */
	const char *key;		/* id or name, borrowed */
	size_t entry;			/* its journal entry, or SIZE_MAX */
	enum rv_code rc;
	struct rv_err err;
};

struct reap_batch {
	struct reap_item *v;
	size_t n, cap;
	atomic_size_t next;
};

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

static struct reap_item *reap_batch_add(struct reap_batch *b)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		b->v = rv_xreallocarray(b->v, b->cap, sizeof(*b->v));
	}
	memset(&b->v[b->n], 0, sizeof(b->v[0]));
	b->v[b->n].entry = SIZE_MAX;
	return &b->v[b->n++];
}

static void *reap_worker(void *arg)
{
	struct reap_batch *b = arg;
	size_t i;

	while ((i = atomic_fetch_add(&b->next, 1)) < b->n) {
		struct reap_item *it = &b->v[i];

		rv_err_clear(&it->err);
		it->rc = reap_one(it->ops, &it->cfg, it->key, &it->err);
	}
	return NULL;
}

/* Delete every item, REAP_PARALLEL at a time (fewer threads when fewer
   items; on this thread when threads cannot be had). */
static void reap_batch_run(struct reap_batch *b)
{
	pthread_t th[REAP_PARALLEL];
	size_t nth = b->n < REAP_PARALLEL ? b->n : REAP_PARALLEL, started = 0;

	atomic_store(&b->next, 0);
	for (size_t i = 0; i + 1 < nth; i++)
		if (pthread_create(&th[started], NULL, reap_worker, b) == 0)
			started++;
	reap_worker(b);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
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

/* Count a finished deletion and print its line. */
static void reap_report(const struct reap_options *o, struct reap_counts *c,
			const struct reap_item *x, enum rv_code *first,
			struct rv_err *err)
{
	bool fine = x->rc == RV_OK || x->rc == RV_ERR_NOTFOUND;

	reap_count(c, x->rc, first, err, &x->err);
	rv_term_printf(o->out, "%s %s %s (job %s)%s%s\n", reap_word(x->rc),
		       x->ops->name, x->key, x->cfg.job_id, fine ? "" : ": ",
		       fine ? "" : x->err.msg);
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
	struct reap_batch b = { 0 };
	struct reap_item *it;
	enum rv_code first = RV_OK, rc;
	size_t n = 0, refused;

	rc = journal_scan(o->state_dir, o->job, &v, &n, &refused, err);
	if (rc != RV_OK)
		return rc;
	/* what a journal not read lists may still be there: not done */
	if (refused)
		first = rv_errf(err, RV_ERR_CONFIG, "%zu journal%s not read "
				"(see the warning%s above)", refused,
				refused == 1 ? "" : "s", refused == 1 ? "" : "s");
	for (size_t i = 0; i < n; i++) {
		const struct provider_ops *ops = provider_find(v[i].provider);
		const char *key = v[i].id ? v[i].id : v[i].name;

		/* seen here, whatever comes of it: a provider that lists
		   it by label must not count it again */
		reap_remember(done, ndone, v[i].id);
		reap_remember(done, ndone, v[i].name);
		c->found++;
		if (v[i].job_running ||
		    (v[i].kept && (!o->job || o->leave_kept)) || !ops ||
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
		it = reap_batch_add(&b);
		it->ops = ops;
		it->cfg.job_id = v[i].job;
		it->cfg.api_url = v[i].api_url;
		it->key = key;
		it->entry = i;
	}
	reap_batch_run(&b);
	for (size_t k = 0; k < b.n; k++) {
		struct reap_item *x = &b.v[k];

		reap_report(o, c, x, &first, err);
		if (x->rc == RV_OK || x->rc == RV_ERR_NOTFOUND)
			journal_tombstone(o->state_dir, &v[x->entry], NULL);
	}
	free(b.v);
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
	struct reap_batch b = { 0 };
	struct reap_item *x;
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
	journal_scan(o->state_dir, NULL, &v, &nv, NULL, NULL);
	for (size_t i = 0; i < l.n; i++) {
		struct provider_listed *it = &l.items[i];
		const char *job = it->job_id;
		bool kept;

		/* only what carries runeval's label, whatever the provider's
		   listing let through */
		if (!job || !*job || reap_seen(done, ndone, it))
			continue;
		c->found++;
		kept = reap_kept(v, nv, it);
		if (journal_job_running(o->state_dir, job) ||
		    ((!o->job || o->leave_kept) && kept)) {
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
		x = reap_batch_add(&b);
		x->ops = ops;
		x->cfg.job_id = job;
		x->key = it->id;
	}
	reap_batch_run(&b);
	for (size_t k = 0; k < b.n; k++)
		reap_report(o, c, &b.v[k], &first, err);
	free(b.v);
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
		if (!((*p)->caps & PROVIDER_CAP_LIST) ||
		    (o->provider && *p != o->provider))
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
	      "only go when --job names their job; a sandbox without the\n"
	      "runeval.job label is never touched.  Up to 8 deletions run\n"
	      "at once.\n"
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
