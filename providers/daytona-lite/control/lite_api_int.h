/*
 * lite_api_int: what lite_api's files share (not for other modules).
 * Handlers run with the store locked; they answer through lite_reply*()
 * or lite_fail(), or make the response wait with lite_park().
 */
#ifndef RUNEVAL_PROVIDERS_DAYTONA_LITE_CONTROL_LITE_API_INT_H
#define RUNEVAL_PROVIDERS_DAYTONA_LITE_CONTROL_LITE_API_INT_H

#include <jansson.h>
#include <stdbool.h>

#include "lite_api.h"

/* Answer with a JSON value (stolen). */
void lite_reply(struct lite_ctx *c, int status, json_t *v);
/* Answer with sb's full DTO. */
void lite_reply_dto(struct lite_ctx *c, struct lite_sandbox *sb);
/* Make the response wait for the transition sb just began. */
void lite_park(struct lite_ctx *c, struct lite_sandbox *sb,
	       enum lite_wait wait);

/* lite_api_sandbox.c */
void lite_api_create(struct lite_ctx *c);
void lite_api_list(struct lite_ctx *c, bool paginated);
void lite_api_labels(struct lite_ctx *c);

#endif
