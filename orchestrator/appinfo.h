/*
 * appinfo: what the task app says of itself at GET /info (the task app
 * contract, section 2.5): who it is (service.task id, name and version,
 * else service.version) and, when it lists them, the policies it offers
 * ("policies": names, or objects with a "name").
 *
 * /info is hostile input like every answer of the app: strings are
 * redacted (a secret it echoes never reaches result.json or a report)
 * and cut to APP_INFO_STR_MAX bytes at a character boundary ("..."
 * added: answer_text()), the list to APP_INFO_MAX_POLICIES, and an
 * app without /info, or with one runeval cannot read, is simply not
 * known (nothing is checked, nothing recorded).
 */
#ifndef RUNEVAL_ORCHESTRATOR_APPINFO_H
#define RUNEVAL_ORCHESTRATOR_APPINFO_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "rv_err.h"

#define APP_INFO_STR_MAX 200
#define APP_INFO_MAX_POLICIES 64

struct app_info {
	bool known;			/* /info answered with a JSON object */
	char *id, *name, *version;	/* malloc'ed, or NULL */
	char **policies;		/* NULL with n_policies 0: no list */
	size_t n_policies;
};

/*
 * GET base_url/info with headers (NULL-ended "Name: value") within
 * timeout_ms into out (released first).  Never an error: an app whose
 * /info fails (404, not JSON, no answer) stays !known.
 */
void app_info_fetch(const char *base_url, const char *const *headers,
		    long timeout_ms, struct app_info *out);

/*
 * Does the app offer policy?  RV_OK when it does, or lists nothing;
 * else RV_ERR_USAGE naming the policies it offers.
 */
enum rv_code app_info_check_policy(const struct app_info *ai,
				   const char *policy, struct rv_err *err);

/* {"id", "name", "version", "policies"} for result.json, or null. */
json_t *app_info_json(const struct app_info *ai);

/* Move src into dst (dst released first; src left empty). */
void app_info_take(struct app_info *dst, struct app_info *src);

void app_info_release(struct app_info *ai);

#endif
