/*
 * app: the task app's process-wide settings, made once by main() before
 * the server starts and read-only afterwards (shared by every thread).
 */
#ifndef RUNEVAL_TASKAPP_APP_H
#define RUNEVAL_TASKAPP_APP_H

#include <stddef.h>

#include "auth.h"
#include "grade.h"
#include "toolchain.h"

#define TASKAPP_MAX_BODY (1u << 20)		/* POST bodies */
#define TASKAPP_MAX_ROLLOUT_S 3600.0		/* default and cap */
#define TASKAPP_DEFAULT_WORKERS 8
#define TASKAPP_MAX_WORKERS 64
#define TASKAPP_MAX_TURNS 20
#define TASKAPP_MAX_QUEUE 4096			/* rollouts waiting; more: 503 */

struct taskapp_app {
	struct taskapp_auth auth;
	struct taskapp_compiler cc;
	struct taskapp_grade_opts grade;	/* limits; cc points to .cc */
	double max_rollout_s;		/* a rollout's deadline, at most */
	unsigned workers;		/* rollouts at once */
	char sandbox_note[256];		/* why the sandbox fell back, or "" */
};

#endif
