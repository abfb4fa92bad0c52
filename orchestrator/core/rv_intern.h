/*
 * rv_intern: strings kept once for the life of the process.
 *
 *	const char *label = rv_intern(sandbox_id, 63);
 *
 * For the few names that every record of a job repeats (the sandbox a
 * rollout ran on): a record holds an 8-byte pointer where a copy of the
 * name took 64 bytes, 6 MB at 100 000 seeds.  Equal strings give the same
 * pointer.  Thread-safe.  The strings are never freed: they stay reachable
 * through the table until the process exits.
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_INTERN_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_INTERN_H

#include <stddef.h>

/* The interned copy of the first max bytes of s ("" for NULL). */
const char *rv_intern(const char *s, size_t max);

#endif
