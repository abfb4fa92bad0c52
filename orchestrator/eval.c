/* eval: the eval's outcome on the runner's side (see eval.h). */
#include "eval.h"

#include "cli.h"
#include "rollouts.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const char *eval_status(const struct rollout *r)
{
	enum rollout_transport t = rollout_transport(r);

	if (t != ROLLOUT_T_OK)
		return rollout_transport_name(t);
	return rollout_success_status(r) ? rollout_success_status(r) :
	       "success";
}

enum evalstats_class eval_class(const struct rollout *r,
				const struct cli_options *opt)
{
	if (rollout_transport(r) != ROLLOUT_T_OK)
		return EVALSTATS_TRANSPORT;
	return cli_status_allowed(opt, rollout_success_status(r)) ? EVALSTATS_OK :
	       EVALSTATS_PIPELINE;
}

const char *eval_reason(const struct rollout *r)
{
	if (rollout_transport(r) != ROLLOUT_T_OK)
		return r->error ? r->error : "";
	return rollout_status_detail(r) ? rollout_status_detail(r) : "";
}

struct eval_occ {
	long seed;
	size_t at;
};

static int eval_occ_cmp(const void *a, const void *b)
{
	const struct eval_occ *x = a, *y = b;

	if (x->seed != y->seed)
		return x->seed < y->seed ? -1 : 1;
	return (x->at > y->at) - (x->at < y->at);
}

struct rollout *eval_plan(const struct cli_options *opt, size_t *n)
{
	size_t m = opt->n_seeds, e = opt->epochs ? opt->epochs : 1;
	struct eval_occ *occ = rv_xcalloc(m + 1, sizeof(*occ));
	size_t *nth = rv_xcalloc(m + 1, sizeof(*nth));
	struct rollout *rs = rv_xcalloc(m * e + 1, sizeof(*rs));

	/* the how-manieth time each list entry's seed appears */
	for (size_t i = 0; i < m; i++)
		occ[i] = (struct eval_occ){ opt->seeds[i], i };
	qsort(occ, m, sizeof(*occ), eval_occ_cmp);
	for (size_t i = 1; i < m; i++)
		if (occ[i].seed == occ[i - 1].seed)
			nth[occ[i].at] = nth[occ[i - 1].at] + 1;
	for (size_t k = 0; k < e; k++)
		for (size_t i = 0; i < m; i++) {
			struct rollout *r = &rs[k * m + i];

			r->seed = opt->seeds[i];
			r->epoch = (unsigned)(nth[i] * e + k + 1);
		}
	free(nth);
	free(occ);
	*n = m * e;
	return rs;
}

struct eval_src {	/* the records as evalstats reads them */
	struct evalstats_src src;
	const struct rollout *rs;
	const struct cli_options *opt;
};

static void eval_at(const struct evalstats_src *src, size_t i,
		    struct evalstats_rollout *row)
{
	const struct eval_src *e = (const struct eval_src *)src;
	const struct rollout *r = &e->rs[i];
	const int64_t *t = rollout_tokens(r);

	*row = (struct evalstats_rollout){
		.seed = r->seed, .epoch = r->epoch ? r->epoch : 1,
		.reward = r->ok ? r->reward : NAN,
		.cls = eval_class(r, e->opt), .status = eval_status(r),
		.task = rollout_task(r), .difficulty = rollout_difficulty(r),
		.tokens = { t[0], t[1], t[2] },
	};
}

/* Read where they are: a copy was 8 MB at 100 000 seeds. */
void eval_compute(const struct rollout *rs, size_t n,
		  const struct cli_options *opt, struct evalstats *out)
{
	struct eval_src e = { { n, eval_at }, rs, opt };

	evalstats_compute_src(&e.src, opt->pass_threshold, out);
}

void eval_count(const struct rollout *rs, size_t n,
		const struct cli_options *opt, size_t *pipeline,
		size_t *transport)
{
	*pipeline = *transport = 0;
	for (size_t i = 0; i < n; i++) {
		enum evalstats_class c = eval_class(&rs[i], opt);

		*pipeline += c == EVALSTATS_PIPELINE;
		*transport += c == EVALSTATS_TRANSPORT;
	}
}

#define EVAL_LINE_NAMES 3

/* "(network_error 2, runtime_error 1, 1 more)" of the class's statuses. */
static void eval_statuses_of(const struct rollout *rs, size_t n,
			     const struct cli_options *opt,
			     enum evalstats_class cls, struct rv_buf *b)
{
	const char *name[EVAL_LINE_NAMES];
	size_t count[EVAL_LINE_NAMES] = { 0 }, k = 0, more = 0;

	for (size_t i = 0; i < n; i++) {
		const char *st = eval_status(&rs[i]);
		size_t j = 0;

		if (eval_class(&rs[i], opt) != cls)
			continue;
		while (j < k && strcmp(name[j], st))
			j++;
		if (j == k && k == EVAL_LINE_NAMES) {
			more++;
			continue;
		}
		if (j == k)
			name[k++] = st;
		count[j]++;
	}
	rv_buf_adds(b, " (");
	for (size_t j = 0; j < k; j++)
		rv_buf_addf(b, "%s%s %zu", j ? ", " : "", name[j], count[j]);
	if (more)
		rv_buf_addf(b, ", %zu more", more);
	rv_buf_addch(b, ')');
}

void eval_failure_line(const struct rollout *rs, size_t n,
		       const struct cli_options *opt, struct rv_buf *b)
{
	size_t pipeline, transport;

	eval_count(rs, n, opt, &pipeline, &transport);
	if (pipeline) {
		rv_buf_addf(b, "%zu of %zu rollout%s %s pipeline failure%s",
			    pipeline, n, n == 1 ? "" : "s",
			    pipeline == 1 ? "is a" : "are",
			    pipeline == 1 ? "" : "s");
		eval_statuses_of(rs, n, opt, EVALSTATS_PIPELINE, b);
	}
	if (transport) {
		rv_buf_addf(b, "%s%zu of %zu rollout%s failed", pipeline ?
			    "; " : "", transport, n, n == 1 ? "" : "s");
		eval_statuses_of(rs, n, opt, EVALSTATS_TRANSPORT, b);
	}
}

void eval_rollout_text(struct rv_buf *b, const struct rollout *r,
		       const struct cli_options *opt, double start_ms)
{
	static const char *const cls[] = {
		[EVALSTATS_OK] = "ok", [EVALSTATS_PIPELINE] = "pipeline_failure",
		[EVALSTATS_TRANSPORT] = "transport_failure",
	};
	enum evalstats_class c = eval_class(r, opt);

	rv_buf_adds(b, ",\"status\":");
	rv_json_add_str(b, eval_status(r));
	rv_buf_adds(b, ",\"outcome\":\"");
	rv_buf_adds(b, cls[c]);
	rv_buf_adds(b, c != EVALSTATS_TRANSPORT &&
		    r->reward >= opt->pass_threshold ?
		    "\",\"passed\":true,\"start_ms\":" :
		    "\",\"passed\":false,\"start_ms\":");
	rv_json_add_num(b, round(start_ms * 1000) / 1000);
}

void eval_config_json(json_t *config, const struct cli_options *opt)
{
	json_t *allow = json_array();

	for (size_t i = 0; i < opt->allow_status.n; i++)
		json_array_append_new(allow,
				      json_string(opt->allow_status.v[i]));
	json_object_set_new(config, "epochs", json_integer(opt->epochs));
	json_object_set_new(config, "pass_threshold",
			    json_real(opt->pass_threshold));
	json_object_set_new(config, "allow_status", allow);
}
