/*
 * fuzz_dotenv: a .env file as runeval reads it (orchestrator/dotenv.c,
 * dotenv_parse behind dotenv_load): every variable it yields has a valid
 * name, and a malformed line is a one-line error naming the file.
 */
#include "fuzz.h"

#include "dotenv.h"

#include <ctype.h>
#include <stdbool.h>

static void fuzz_set(void *arg, const char *key, const char *value)
{
	size_t *n = arg;

	FUZZ_CHECK(isalpha((unsigned char)key[0]) || key[0] == '_');
	for (const char *k = key; *k; k++)
		FUZZ_CHECK(isalnum((unsigned char)*k) || *k == '_');
	FUZZ_CHECK(value);
	(void)dotenv_name_is_secret(key);
	++*n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rv_err err = RV_ERR_INIT;
	size_t n = 0;
	enum rv_code rc;

	rc = dotenv_parse(".env", (const char *)data, size, fuzz_set, &n,
			  &err);
	FUZZ_CHECK(n <= size);
	if (rc != RV_OK)
		FUZZ_CHECK(rc == RV_ERR_CONFIG && strstr(err.msg, "'.env'") &&
			   !strchr(err.msg, '\n'));
	return 0;
}
