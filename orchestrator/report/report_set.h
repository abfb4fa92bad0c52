/*
 * report_set: the samples the reporter works on, merged from its inputs.
 *
 * A set holds jobs (one per input file) and samples (one per timed span),
 * in input order.  Strings (providers, phases, sandboxes, errors) are
 * interned: a sample refers to them by a small id, 0 meaning "none".
 * Everything belongs to the set and is freed by report_set_release().
 *
 * report_set_load() reads one file and detects its kind from the
 * content: a runeval result.json (an object with "schema":
 * "runeval.result/1"), a hyperfine --export-json file (an object with a
 * "results" array), or JSON lines, one span a line.  Malformed input fails
 * with RV_ERR_PROTO and a message naming the file and line; nothing is
 * skipped silently.  An empty file is an error too.
 */
#ifndef RUNEVAL_ORCHESTRATOR_REPORT_REPORT_SET_H
#define RUNEVAL_ORCHESTRATOR_REPORT_REPORT_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rv_err.h"

#define REPORT_NO_SEED INT64_MIN

struct evalstats;
struct report_set;
struct report_rollout;
struct report_sample;

/*
 * A job rendered from what is in memory (a job writing its own reports,
 * result_report.c): its rollouts and samples are made on demand from the
 * caller's records instead of being copied into the set (at 100 000
 * seeds, 12 MB of the peak).  The job's rollouts are not stored (its
 * rollouts array stays NULL, n_rollouts counts them); its samples are
 * made from set->samples (its stored ones, fewer than n_samples) and the
 * records.  Every string they refer to is interned before the set is
 * rendered, so nothing grows the set while the renderers read it.  The
 * maker owns it and keeps it alive while the set is in use; the set holds
 * at most this one job.  Read through report_rollout_at(),
 * report_sample_at() and report_tokens(), never the arrays.
 */
struct report_live {
	/* Rollout i into *row (may be NULL; then set may be NULL) and its
	   token counts into tokens (may be NULL). */
	void (*rollout)(struct report_live *l, const struct report_set *set,
			size_t i, struct report_rollout *row,
			int64_t tokens[3]);
	/* Sample i of the set: a pointer to a stored one, or *tmp filled. */
	const struct report_sample *(*sample)(struct report_live *l,
					      const struct report_set *set,
					      size_t i,
					      struct report_sample *tmp);
};

enum report_kind {
	REPORT_KIND_RESULT,	/* runeval result.json */
	REPORT_KIND_SPANS,	/* JSON lines */
	REPORT_KIND_HYPERFINE,	/* hyperfine --export-json */
};

struct report_sample {
	double ms;		/* duration, >= 0 */
	double start_ms;	/* offset from the job's start; NAN if unknown */
	int64_t seed;		/* REPORT_NO_SEED when none */
	uint32_t provider, phase, sandbox, error;	/* string ids */
	uint32_t attempts;	/* 0 when not recorded */
	bool ok;
};	/* its job: the one whose samples it is among (first_sample) */

/*
 * One rollout (one seed and epoch) of a job, for the per-rollout rows and
 * the eval's outcome.  status is the one-word status (eval.h): as written
 * by runeval, else derived from success_status, ok and state (older
 * result.json files); cls is an enum evalstats_class.
 */
struct report_rollout {
	int64_t seed;		/* REPORT_NO_SEED when none */
	uint32_t epoch;		/* 1-based */
	uint32_t sandbox, error, status;	/* string ids */
	uint32_t app_status, detail;	/* success_status, status_detail */
	uint32_t task, difficulty;	/* string ids, 0 when none */
	double reward;		/* NAN when none */
	double ms;		/* latency; NAN when unknown */
	double start_ms;	/* offset from the job's start; NAN */
	unsigned char cls;	/* enum evalstats_class */
	bool ok;
};	/* its token counts are the job's (report_tokens) */

/* One sandbox of a job, in shard order (result.json "sandboxes"). */
struct report_shard {
	uint32_t name, id;	/* string ids; id labels the spans */
};

struct report_job {
	char *name;		/* job id, or the file name */
	char *source;		/* the input path as given */
	enum report_kind kind;
	char *status;		/* job.status of a result.json, or NULL */
	char *error;		/* job.error, or NULL */
	char *started_utc;	/* or NULL */
	double duration_ms;	/* NAN when unknown */
	double epoch_ms;	/* wall-clock start (ms since 1970), or NAN */
	uint32_t provider;	/* environment.provider, 0 if none (may be
				   relabelled, see report_eval_relabel) */
	uint32_t eval_provider;	/* environment.provider as read */
	char *mode;		/* environment.mode, or NULL */
	/* the eval's identity and settings (result.json), or NULL / NAN */
	char *app, *app_version, *policy, *model, *env_name;
	double pass_threshold;
	struct report_shard *shards;
	size_t n_shards;
	size_t first_sample, n_samples;	/* its samples are contiguous */
	struct report_rollout *rollouts;
	size_t n_rollouts, cap_rollouts;
	/* per rollout: prompt, completion, total, -1 unknown; NULL while
	   none has a count (most jobs: 24 bytes a rollout spared) */
	int64_t (*tokens)[3];
	/*
	 * The eval of these rollouts when the caller already has it (a
	 * job rendering its own reports: its summary's), borrowed: a
	 * group of this job alone at its threshold uses it instead of
	 * computing the same again (at 100 000 seeds, 17 MB of the peak).
	 * NULL: computed from the rollouts.
	 */
	const struct evalstats *eval;
	struct report_live *live;	/* or NULL: see report_live */
};

struct report_strings {
	char **strs;		/* strs[0] is unused (id 0 = none) */
	size_t *lens;
	size_t n, cap;
	uint64_t *slots;	/* open addressing: 0 empty, else id with
				 * the high half of its hash above */
	size_t n_slots;
};

struct report_set {
	struct report_strings strings;
	struct report_sample *samples;
	size_t n_samples, cap_samples;
	struct report_job *jobs;
	size_t n_jobs, cap_jobs;
	struct report_live *live;	/* its one job's, or NULL */
};

void report_set_init(struct report_set *set);
void report_set_release(struct report_set *set);

/* Take the last job and its samples out of set (its strings stay). */
void report_set_drop_last(struct report_set *set);

/*
 * Read one input (path "-" is stdin) into set; see the kinds above.  At
 * most REPORT_INPUT_MAX bytes (a result.json of a million seeds is some
 * 430 MB): RV_ERR_LIMIT past it, so that /dev/zero or an endless pipe is
 * an error, not an abort for want of memory.
 */
#define REPORT_INPUT_MAX ((size_t)1 << 30)
enum rv_code report_set_load(struct report_set *set, const char *path,
			     struct rv_err *err);

/* The same from a buffer; name is used for the job and in messages. */
enum rv_code report_set_load_buf(struct report_set *set, const char *name,
				 const char *data, size_t len,
				 struct rv_err *err);

/* Intern s (len bytes), returning its id (never 0). */
uint32_t report_intern(struct report_set *set, const char *s, size_t len);

/*
 * The same, first trying *memo (an id of this set, or 0) and leaving the
 * id in it: the reader of a field keeps its last value there, which the
 * next line of a file often repeats.
 */
uint32_t report_intern_memo(struct report_set *set, const char *s,
			    size_t len, uint32_t *memo);

/* The string of an id, or NULL for 0 (borrowed, lives with the set). */
const char *report_str(const struct report_set *set, uint32_t id);

/* The id of s when it was interned, else 0. */
uint32_t report_find(const struct report_set *set, const char *s);

/* Append a new job (zeroed but name/source/kind) and return it. */
struct report_job *report_add_job(struct report_set *set, const char *name,
				  const char *source, enum report_kind kind);

/* Append a sample, returning it (valid until the next append). */
struct report_sample *report_add_sample(struct report_set *set);

/*
 * Append the samples of part (read into a set of its own, as one job) to
 * the last job of set, with part's strings interned into set in the order
 * of their ids; part is not changed.
 */
void report_append_samples(struct report_set *set,
			   const struct report_set *part);

/*
 * Rollout i of job (a job of set): the stored row, or for a live job
 * (report_live) *tmp filled and returned.  Valid until tmp's next use.
 */
const struct report_rollout *report_rollout_at(const struct report_set *set,
					       const struct report_job *job,
					       size_t i,
					       struct report_rollout *tmp);

/* Sample i of set (i < set->n_samples), as report_rollout_at(). */
const struct report_sample *report_sample_at(const struct report_set *set,
					     size_t i,
					     struct report_sample *tmp);

/* Does any rollout of job have an epoch above 1? */
bool report_job_epochs(const struct report_set *set,
		       const struct report_job *job);

/* Append a rollout to job j. */
struct report_rollout *report_add_rollout(struct report_job *job);

/* The token counts of job's rollout i, made for writing (all -1 at
   first); report_tokens() reads them. */
int64_t *report_tokens_set(struct report_job *job, size_t i);
void report_tokens(const struct report_job *job, size_t i, int64_t out[3]);

/*
 * Room for n more samples in set and m more rollouts in job, made once:
 * a caller that knows its counts spares the doubling's slack (up to half
 * of each array, at 100 000 rollouts some 10 MB).
 */
void report_reserve(struct report_set *set, struct report_job *job,
		    size_t n, size_t m);

/* Name of a kind ("result", "spans", "hyperfine"). */
const char *report_kind_name(enum report_kind kind);

#endif
