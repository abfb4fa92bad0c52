/*
 * rv_random: bytes from the kernel's random source (getrandom(2)), for
 * job ids, minted keys and anything else that must not be guessed.
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_RANDOM_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_RANDOM_H

#include <stddef.h>

/*
 * Fill buf with n random bytes, retrying short reads and EINTR.  Aborts
 * (rv_bug) when the kernel has no getrandom(2): like rv_x* allocators,
 * it never fails to a caller.
 */
void rv_random(void *buf, size_t n);

/* A random (version 4) UUID, "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", into
   buf, which holds at least RV_UUID_LEN + 1 bytes. */
#define RV_UUID_LEN 36
void rv_random_uuid(char *buf);

#endif
