/*
 * daytona_internal: helpers shared by the files of the Daytona client
 * (daytona_api.c, daytona_sandbox.c, daytona_toolbox.c).  Not for other
 * modules.
 */
#ifndef RUNEVAL_PROVIDERS_DAYTONA_DAYTONA_INTERNAL_H
#define RUNEVAL_PROVIDERS_DAYTONA_DAYTONA_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "daytona_api.h"
#include "rv_http.h"

/* Has the call's stop flag been raised? */
bool dt_stopped(const struct daytona_call *call);

/* Sleep ms in 20 ms slices, returning early when the call is stopped. */
void dt_sleep_ms(long ms, const struct daytona_call *call);

/* call->deadline_ns, or now + default_ms. */
uint64_t dt_deadline(const struct daytona_call *call, uint64_t default_ms);

/*
 * A 2xx response's JSON body into *out (new reference), or an error for
 * the status (daytona_status_error) or for a body that is not JSON.
 */
enum rv_code dt_json_response(const struct rv_http_response *resp,
			      const char *what, json_t **out,
			      struct rv_err *err);

/* url without its trailing slashes, malloc'ed. */
char *dt_url_trim(const char *url);

/* base + urlencode(id) + suffix, malloc'ed. */
char *dt_url(const char *base, const char *id, const char *suffix);

#endif
