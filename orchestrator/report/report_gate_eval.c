/* Gates over the eval's outcome (see report_gate.h). */
#include "report_gate.h"

#include "rv_alloc.h"
#include "rv_buf.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

const char *report_gate_parse_eval(const char **p, struct report_gate *g)
{
	const char *s = *p, *close, *eq;

	while (isspace((unsigned char)*s))
		s++;
	if (*s != '(')
		return g->stat == GATE_COUNT ?
		       "count needs a status, as in count(network_error)" : NULL;
	close = strchr(s, ')');
	if (!close)
		return "missing ')'";
	*p = close + 1;
	if (g->stat == GATE_COUNT) {
		g->status = report_gate_trimmed(s + 1, (size_t)(close - s - 1));
		return g->status ? NULL : "count needs a status, as in count(network_error)";
	}
	eq = memchr(s, '=', (size_t)(close - s));
	if (eq) {
		char *key = report_gate_trimmed(s + 1, (size_t)(eq - s - 1));

		g->by = !key ? EVALSTATS_ALL : !strcmp(key, "task") ?
			EVALSTATS_TASK : !strcmp(key, "difficulty") ?
			EVALSTATS_DIFFICULTY : EVALSTATS_ALL;
		free(key);
		g->slice = report_gate_trimmed(eq + 1, (size_t)(close - eq - 1));
	}
	if (!eq || g->by == EVALSTATS_ALL || !g->slice)
		return "expected (task=NAME), (difficulty=NAME), (task=*) or (difficulty=*)";
	return NULL;
}

static const struct evalstats_slice *slices_of(const struct evalstats *e,
					       enum evalstats_by by, size_t *n)
{
	*n = by == EVALSTATS_TASK ? e->n_tasks : e->n_difficulties;
	return by == EVALSTATS_TASK ? e->tasks : e->difficulties;
}

/*
 * The statistic over slice `index` of g->by (ignored for every rollout);
 * *few gets the fewest attempts of a seed when pass@K cannot be had.
 */
static double stat_of(const struct report_gate *g, const struct evalstats *e,
		      int index, size_t *few)
{
	enum evalstats_by by = index < 0 ? EVALSTATS_ALL : g->by;
	size_t n = 0;
	const struct evalstats_slice *s = index < 0 ? NULL :
		&slices_of(e, by, &n)[index];
	double v;
	int st;

	switch (g->stat) {
	case GATE_MEAN_REWARD:
		return s ? s->mean_reward : e->reward.mean;
	case GATE_MEAN_REWARD_ALL:
		if (!s)
			return e->mean_reward_all;
		return s->completed ? s->mean_reward * (double)s->completed /
		       (double)s->n : s->n ? 0 : NAN;
	case GATE_PASS_RATE:
		if (!s)
			return e->pass_rate;
		return s->n ? (double)s->passed / (double)s->n : NAN;
	case GATE_PASS_AT:
		v = evalstats_pass_at(e, g->k, by, index, few);
		if (!isnan(v))
			*few = 0;
		return v;
	case GATE_COUNT:
		st = evalstats_find(e->statuses, e->n_statuses, g->status);
		return st < 0 ? 0 : (double)e->statuses[st].n;
	default:
		return NAN;
	}
}

struct eval_gate {
	const struct report_gate *g;
	const struct report_gate_ctx *c;
	struct report_gate_result *out;
	size_t checked, few;
	const char *few_of;
};

/* One check: the group (or its slice `index`, named name). */
static void check_one(struct eval_gate *x, const struct report_eval_group *grp,
		      int index, const char *name)
{
	const struct report_gate *g = x->g;
	const struct report_pair *pair = NULL;
	double v, b = NAN, c = NAN;
	struct rv_buf label = RV_BUF_INIT;
	size_t few = 0;
	int bi = -1;

	if (g->regress) {
		size_t n;
		const struct evalstats_slice *bs;

		pair = report_pair_of(x->c->pairs, grp);
		if (!pair)
			return;
		bs = index < 0 ? NULL : slices_of(&pair->base->st, g->by, &n);
		if (bs && (bi = evalstats_find(bs, n, name)) < 0)
			return;	/* the baseline has no such task */
	}
	v = stat_of(g, &grp->st, index, &few);
	if (few && g->stat == GATE_PASS_AT) {
		x->few = few;
		x->few_of = grp->name;
		return;
	}
	if (pair) {
		b = stat_of(g, &pair->base->st, bi, &few);
		if (few && g->stat == GATE_PASS_AT) {
			x->few = few;
			x->few_of = pair->base->name;
			return;
		}
		c = v;
		v = b - c;	/* the drop */
	}
	rv_buf_adds(&label, grp->name);
	if (name)
		rv_buf_addf(&label, " %s %s", g->by == EVALSTATS_TASK ? "task" :
			    "difficulty", name);
	report_gate_add(g, x->out, label.data, v, b, c, isnan(v) ?
			"no rollout with a reward" : NULL);
	x->checked++;
	rv_buf_release(&label);
}

static void check_group(struct eval_gate *x, const struct report_eval_group *grp)
{
	const struct report_gate *g = x->g;
	const struct evalstats_slice *s;
	size_t n;
	int i;

	if (!g->slice) {
		check_one(x, grp, -1, NULL);
		return;
	}
	s = slices_of(&grp->st, g->by, &n);
	if (strcmp(g->slice, "*")) {
		i = evalstats_find(s, n, g->slice);
		if (i >= 0)
			check_one(x, grp, i, s[i].name);
		return;
	}
	for (size_t k = 0; k < n; k++)
		check_one(x, grp, (int)k, s[k].name);
}

enum rv_code report_gate_eval_outcome(const struct report_gate *g,
				      const struct report_gate_ctx *c,
				      struct report_gate_result *out,
				      struct rv_err *err)
{
	struct eval_gate x = { .g = g, .c = c, .out = out };

	if (!c->evals || !c->evals->n)
		return rv_errf(err, RV_ERR_USAGE, "gate '%s': no eval in the inputs (it needs a runeval result.json with rollouts)",
			       g->text);
	for (size_t i = 0; i < c->evals->n; i++)
		check_group(&x, &c->evals->groups[i]);
	if (x.few) {
		report_gate_result_release(out);
		return rv_errf(err, RV_ERR_USAGE, "gate '%s': pass@%zu needs %zu attempts of every seed, and %s has seeds with %zu (run more with --epochs %zu)",
			       g->text, g->k, g->k, x.few_of, x.few, g->k);
	}
	if (!x.checked) {
		report_gate_result_release(out);
		if (g->regress)
			return rv_errf(err, RV_ERR_USAGE, "gate '%s': no job identity%s is in both the candidate and the baseline",
				       g->text, g->slice ? " with that slice" : "");
		return rv_errf(err, RV_ERR_USAGE, "gate '%s': no rollouts of %s '%s'",
			       g->text, g->by == EVALSTATS_TASK ? "task" :
			       "difficulty", g->slice);
	}
	return RV_OK;
}
