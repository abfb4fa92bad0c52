/* lite_life: sandbox transitions, the periodic tick, restart recovery. */
#include "lite.h"

#include "lite_jobs.h"
#include "rv_alloc.h"
#include "rv_clock.h"
#include "rv_log.h"

#include <stdio.h>
#include <string.h>

enum lite_op { LITE_OP_START, LITE_OP_STOP, LITE_OP_DESTROY };

struct lite_job_arg {
	struct lite *l;
	struct lite_sandbox *sb;	/* busy: ours until the job ends */
	enum lite_op op;
};

void lite_sandbox_set_proc(struct lite_sandbox *sb,
			   const struct lite_box_proc *p, bool own)
{
	sb->proc = p ? *p : (struct lite_box_proc){ 0 };
	sb->own_child = p && own;
}

static void lite_job_stop(struct lite *l, struct lite_sandbox *sb,
			  bool destroy);

/* Is uid some sandbox's (store locked)? */
static bool lite_uid_used(long uid, void *arg)
{
	for (struct lite_sandbox *x = lite_store_first(arg); x; x = x->next)
		if (x->uid == uid)
			return true;
	return false;
}

/*
 * sb's budget (store locked): host ids of its own, picked at its first
 * start and kept with its files, and the resources of its record.
 */
static bool lite_job_limits(struct lite *l, struct lite_sandbox *sb,
			    struct lite_box_limits *lim)
{
	lim->uid = sb->uid;
	lim->gid = sb->gid;
	lim->cpu = sb->cpu;
	lim->memory = sb->memory;
	if (!l->box.drop_ids || sb->uid >= 0)
		return true;
	if (!lite_box_pick_ids(&l->box, lite_uid_used, l->store, lim))
		return false;
	sb->uid = lim->uid;
	sb->gid = lim->gid;
	return true;
}

static void lite_job_start(struct lite *l, struct lite_sandbox *sb)
{
	struct rv_err err = RV_ERR_INIT;
	struct lite_box_proc p;
	struct lite_box_limits lim;
	enum lite_fault_kind fault;
	json_t *env, *applied = NULL;
	struct lite_net_allow net = { 0 };
	enum rv_code rc = RV_OK;

	lite_store_lock(l->store);
	lite_sandbox_set_state(l->store, sb,
			       sb->state == LITE_ARCHIVED ||
			       sb->state == LITE_RESTORING ? LITE_RESTORING :
			       LITE_STARTING, NULL);
	env = json_deep_copy(sb->env);
	if (!sb->net_block_all)
		net = sb->net_allow;
	fault = sb->fault;
	if (!lite_job_limits(l, sb, &lim))
		rc = rv_errf(&err, RV_ERR_CONFLICT, "no free sandbox uid: all "
			     "%u are taken", l->box.uids);
	lite_store_unlock(l->store);
	lite_wake(l);

	if (fault == LITE_FAULT_STUCK) {
		json_decref(env);
		lite_store_lock(l->store);
		sb->busy = false;	/* stays in starting, no process */
		lite_store_unlock(l->store);
		return;
	}
	if (rc == RV_OK && fault == LITE_FAULT_ERROR)
		rc = rv_errf(&err, RV_ERR_PROVIDER, "simulated error "
			     "(%s --fault-error-rate)", l->face->name);
	else if (rc == RV_OK)
		rc = lite_box_start(&l->box, sb->id, env, &lim, &net, &p,
				    &applied, &l->cancel, &err);
	json_decref(env);

	lite_store_lock(l->store);
	if (rc == RV_OK) {
		json_decref(sb->applied);
		sb->applied = applied;
		lite_sandbox_set_proc(sb, &p, true);
		lite_random_token(sb->token, LITE_TOKEN_LEN);
		sb->started_mono_ns = rv_now_ns();
		sb->activity_ns = rv_wall_ns();
		if (sb->life_ns)
			sb->end_ns = sb->activity_ns + sb->life_ns;
		lite_sandbox_set_state(l->store, sb, LITE_STARTED, NULL);
	} else {
		lite_sandbox_set_proc(sb, NULL, false);
		rv_warn("sandbox '%s' failed to start: %s", sb->id, err.msg);
		lite_sandbox_set_state(l->store, sb, LITE_ERROR, err.msg);
	}
	if (sb->desired == LITE_DESTROYED) {
		/* deleted while it started: still busy, it goes now */
		lite_store_unlock(l->store);
		lite_job_stop(l, sb, true);
		return;
	}
	sb->busy = false;
	lite_store_unlock(l->store);
}

static void lite_job_stop(struct lite *l, struct lite_sandbox *sb,
			  bool destroy)
{
	struct rv_err err = RV_ERR_INIT;
	struct lite_box_proc p;
	bool own;

	lite_store_lock(l->store);
	lite_sandbox_set_state(l->store, sb, destroy ? LITE_DESTROYING :
			       LITE_STOPPING, NULL);
	p = sb->proc;
	own = sb->own_child;
	lite_store_unlock(l->store);
	lite_wake(l);

	lite_box_kill(&l->box, sb->id, &p, own);
	if (destroy && lite_box_remove(&l->box, sb->id, &err))
		rv_warn("sandbox '%s': %s", sb->id, err.msg);

	lite_store_lock(l->store);
	lite_sandbox_set_proc(sb, NULL, false);
	if (destroy) {
		lite_store_remove(l->store, sb);	/* frees sb */
	} else {
		lite_sandbox_set_state(l->store, sb, LITE_STOPPED, NULL);
		if (sb->auto_delete == 0) {
			/* ephemeral: deleted once stopped, still busy */
			sb->desired = LITE_DESTROYED;
			lite_store_unlock(l->store);
			lite_job_stop(l, sb, true);
			return;
		}
		sb->busy = false;
	}
	lite_store_unlock(l->store);
}

static void lite_job_main(void *arg)
{
	struct lite_job_arg *a = arg;
	struct lite *l = a->l;
	struct lite_sandbox *sb = a->sb;
	enum lite_op op = a->op;

	free(a);
	/* each job clears sb->busy itself, or frees sb */
	if (op == LITE_OP_START)
		lite_job_start(l, sb);
	else
		lite_job_stop(l, sb, op == LITE_OP_DESTROY);
	lite_wake(l);
}

static void lite_submit(struct lite *l, struct lite_sandbox *sb,
			enum lite_op op)
{
	struct lite_job_arg *a = rv_xcalloc(1, sizeof(*a));

	a->l = l;
	a->sb = sb;
	a->op = op;
	sb->busy = true;
	lite_jobs_submit(l->jobs, lite_job_main, a);
}

bool lite_life_admit(struct lite *l, struct lite_sandbox *sb, char *why,
		     size_t size)
{
	struct lite_faults *f = &l->conf->faults;

	if (lite_store_count(l->store) >= l->conf->max_sandboxes) {
		snprintf(why, size, "Sandbox quota exceeded: at most %u "
			 "sandboxes at once", l->conf->max_sandboxes);
		return false;
	}
	if (lite_fault_hit(f, f->error_rate))
		sb->fault = LITE_FAULT_ERROR;
	else if (lite_fault_hit(f, f->stuck_rate))
		sb->fault = LITE_FAULT_STUCK;
	lite_store_add(l->store, sb);
	lite_store_save(l->store, sb);
	lite_life_start(l, sb);
	return true;
}

void lite_life_start(struct lite *l, struct lite_sandbox *sb)
{
	sb->desired = LITE_STARTED;
	sb->updated_ns = rv_wall_ns();
	lite_submit(l, sb, LITE_OP_START);
}

void lite_life_stop(struct lite *l, struct lite_sandbox *sb)
{
	sb->desired = LITE_STOPPED;
	sb->updated_ns = rv_wall_ns();
	lite_submit(l, sb, LITE_OP_STOP);
}

void lite_life_destroy(struct lite *l, struct lite_sandbox *sb)
{
	sb->desired = LITE_DESTROYED;
	sb->updated_ns = rv_wall_ns();
	lite_submit(l, sb, LITE_OP_DESTROY);
}

void lite_life_touch(struct lite_sandbox *sb)
{
	sb->activity_ns = rv_wall_ns();
	sb->dirty = true;
}

long lite_life_tick_ms(const struct lite *l)
{
	long t = l->conf->interval_unit_ms / 4;

	return t < 5 ? 5 : t > 1000 ? 1000 : t;
}

/* Has a running sandbox lost its processes?  Reaps bwrap if ours. */
static bool lite_died(struct lite_sandbox *sb)
{
	if (!sb->proc.init_pid)
		return false;
	if (sb->own_child && lite_box_reaped(&sb->proc, NULL)) {
		sb->proc.bwrap_pid = 0;
		sb->own_child = false;
	}
	return !lite_box_alive(&sb->proc);
}

static uint64_t lite_minutes_ns(const struct lite *l, long minutes)
{
	return (uint64_t)minutes * (uint64_t)l->conf->interval_unit_ms *
		RV_NS_PER_MS;
}

/* One sandbox's share of the tick (store locked, sb not busy). */
static void lite_tick_one(struct lite *l, struct lite_sandbox *sb,
			  uint64_t now)
{
	uint64_t idle = now > sb->activity_ns ? now - sb->activity_ns : 0;
	uint64_t since = now > sb->since_ns ? now - sb->since_ns : 0;
	long archive = sb->auto_archive ? sb->auto_archive : 43200;

	if (sb->end_ns && now >= sb->end_ns) {
		lite_life_destroy(l, sb);	/* its lifetime is over */
		return;
	}
	if (sb->state == LITE_STARTED && lite_died(sb)) {
		rv_warn("sandbox '%s' exited unexpectedly", sb->id);
		lite_sandbox_set_proc(sb, NULL, false);
		lite_sandbox_set_state(l->store, sb, LITE_ERROR, "sandbox "
				       "processes exited unexpectedly");
		return;
	}
	if (sb->state == LITE_STARTED && sb->auto_stop > 0 &&
	    idle >= lite_minutes_ns(l, sb->auto_stop)) {
		lite_life_stop(l, sb);
		return;
	}
	if ((sb->state == LITE_STOPPED || sb->state == LITE_ARCHIVED) &&
	    sb->auto_delete >= 0 &&
	    since >= lite_minutes_ns(l, sb->auto_delete)) {
		lite_life_destroy(l, sb);
		return;
	}
	if (sb->state == LITE_STOPPED &&
	    since >= lite_minutes_ns(l, archive)) {
		sb->desired = LITE_ARCHIVED;
		lite_sandbox_set_state(l->store, sb, LITE_ARCHIVED, NULL);
		return;
	}
	if (sb->dirty)
		lite_store_save(l->store, sb);
}

void lite_life_tick(struct lite *l)
{
	uint64_t now = rv_wall_ns();

	lite_store_lock(l->store);
	for (struct lite_sandbox *sb = lite_store_first(l->store); sb;
	     sb = sb->next)
		if (!sb->busy)
			lite_tick_one(l, sb, now);
	lite_store_unlock(l->store);
}
