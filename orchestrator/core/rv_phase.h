/*
 * rv_phase: the phases of a job, from one table.
 *
 * Every span has a phase.  The runner, the modes, the console,
 * result.json and the reporter all name phases through this table, so a
 * phase is added (or recoloured) in one place: RV_PHASE_MAP lists them
 * in the order they happen in one sandbox's life (DESIGN.md §1), which
 * is the order of every table that shows them.  Producers other than
 * runeval may send phases outside the table (a span file's "phase" is
 * free text): rv_phase_find() then says RV_PHASE_NONE and the reporter
 * places them after the known ones.
 *
 * X(ID, "name", "#colour of its waterfall bar")
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_PHASE_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_PHASE_H

#define RV_PHASE_MAP(X) \
	X(BUNDLE, "bundle", "#9467bd") \
	X(PROVISION, "provision", "#4e79a7") \
	X(RESTORE, "restore", "#2f6690") \
	X(UPLOAD, "upload", "#f28e2b") \
	X(INSTALL, "install", "#76b7b2") \
	X(SNAPSHOT, "snapshot", "#3a7d44") \
	X(START, "start", "#edc948") \
	X(PREVIEW, "preview", "#af7aa1") \
	X(HEALTH, "health", "#9c755f") \
	X(EXEC, "exec", "#ff7f0e") \
	X(ROLLOUTS, "rollouts", "#c9d5e3") \
	X(ROLLOUT, "rollout", "#59a14f") \
	X(TEARDOWN, "teardown", "#8c8c8c") \
	X(HTTP, "http", "#ff9da7") \
	X(COMMAND, "command", "#bcbd22")

enum rv_phase {
	RV_PHASE_NONE = -1,		/* not one of the table's */
#define RV_PHASE_ENUM_(id, name, colour) RV_PHASE_##id,
	RV_PHASE_MAP(RV_PHASE_ENUM_)
#undef RV_PHASE_ENUM_
	RV_PHASE_COUNT
};

/* "provision", ...; p must be a phase of the table. */
const char *rv_phase_name(enum rv_phase p);

/* The phase called name, or RV_PHASE_NONE (NULL is fine). */
enum rv_phase rv_phase_find(const char *name);

/* "#4e79a7": the colour of p's bars; p must be a phase of the table. */
const char *rv_phase_colour(enum rv_phase p);

#endif
