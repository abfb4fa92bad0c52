/*
 * minibench_known: answers known independently of the task app, one
 * entry per minibench task, so that a wrong reference solution (which
 * would make every expected output wrong) is caught.
 *
 * Each entry's code is the body of a main() compiled with the task's
 * reference; it calls CHECK(condition) (which prints and counts a
 * failure).  <limits.h>, <stdio.h>, <stdlib.h>, <string.h> and
 * <stdint.h> are included and the function is declared.
 */
#ifndef RUNEVAL_TESTS_MINIBENCH_KNOWN_H
#define RUNEVAL_TESTS_MINIBENCH_KNOWN_H

#include <stddef.h>

struct minibench_known {
	const char *id;
	const char *code;
};

extern const struct minibench_known minibench_known[];
extern const size_t minibench_known_n;

/* The checker TU for an entry and signature sig (malloc'ed). */
char *minibench_known_source(const struct minibench_known *k,
			     const char *sig);

#endif
