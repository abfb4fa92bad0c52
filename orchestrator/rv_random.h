/*
 * rv_random: bytes from the kernel's random source (getrandom(2)), for
 * job ids, minted keys and anything else that must not be guessed.
 */
#ifndef RUNEVAL_ORCHESTRATOR_RV_RANDOM_H
#define RUNEVAL_ORCHESTRATOR_RV_RANDOM_H

#include <stddef.h>

/*
 * Fill buf with n random bytes, retrying short reads and EINTR.  Aborts
 * (rv_bug) when the kernel has no getrandom(2): like rv_x* allocators,
 * it never fails to a caller.
 */
void rv_random(void *buf, size_t n);

#endif
