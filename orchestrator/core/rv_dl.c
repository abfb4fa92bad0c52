#include "rv_dl.h"

#include <dlfcn.h>
#include <pthread.h>

static pthread_mutex_t rv_dl_lock = PTHREAD_MUTEX_INITIALIZER;

static enum rv_code rv_dl_fail(const struct rv_dl_lib *lib,
			       const char *purpose, struct rv_err *err)
{
	const char *why = dlerror();

	return rv_errf(err, RV_ERR_CONFIG,
		       "cannot load '%s', needed for %s: %s (install the Debian package '%s')",
		       lib->soname, purpose, why ? why : "unknown reason",
		       lib->package);
}

static enum rv_code rv_dl_resolve(struct rv_dl_lib *lib, const char *purpose,
				  struct rv_err *err)
{
	void *handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);

	if (!handle)
		return rv_dl_fail(lib, purpose, err);
	for (size_t i = 0; i < lib->n_syms; i++) {
		void *p;

		dlerror();
		p = dlsym(handle, lib->syms[i].name);
		if (!p) {
			enum rv_code rc = rv_dl_fail(lib, purpose, err);

			dlclose(handle);
			return rc;
		}
		*lib->syms[i].addr = p;
	}
	lib->loaded = true;
	return RV_OK;
}

enum rv_code rv_dl_load(struct rv_dl_lib *lib, const char *purpose,
			struct rv_err *err)
{
	enum rv_code rc = RV_OK;

	pthread_mutex_lock(&rv_dl_lock);
	if (!lib->loaded)
		rc = rv_dl_resolve(lib, purpose, err);
	pthread_mutex_unlock(&rv_dl_lock);
	return rc;
}
