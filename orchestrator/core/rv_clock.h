/*
 * rv_clock: the one clock.  Durations come from CLOCK_MONOTONIC in
 * nanoseconds; wall-clock time is only for correlating with other logs.
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_CLOCK_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define RV_NS_PER_MS 1000000ULL
#define RV_NS_PER_SEC 1000000000ULL

/* Nanoseconds on CLOCK_MONOTONIC. */
uint64_t rv_now_ns(void);

/* The calling thread's CPU time (user + system) in nanoseconds. */
uint64_t rv_thread_cpu_ns(void);

/* Nanoseconds since the epoch on CLOCK_REALTIME. */
uint64_t rv_wall_ns(void);

/* Milliseconds as a double, for reporting. */
double rv_ns_to_ms(uint64_t ns);

/*
 * Format an epoch time in ns as UTC ISO-8601 with milliseconds
 * ("2026-11-21T20:48:44.123Z") into buf (at least 32 bytes).
 * Returns buf.
 */
char *rv_wall_iso8601(uint64_t wall_ns, char *buf, size_t size);

/* Sleep for ns nanoseconds, resuming after signals unless *stop is set. */
void rv_sleep_ns(uint64_t ns, const volatile int *stop);

#endif
