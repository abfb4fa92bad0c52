/*
 * rv_dl: libraries that only some modes need, loaded on first use.
 *
 * `runeval --local` needs libcurl and jansson; libarchive (packing the
 * task app for upload) and libwebsockets (following Daytona's log stream)
 * pull in some twenty more libraries (libxml2, ICU, libstdc++, ...) that
 * would cost every run megabytes of memory and start-up time.  A module
 * that uses such a library declares its functions with RV_DL_DECLARE,
 * lists them with RV_DL_ENTRY, and calls rv_dl_load() before the first
 * call through a sym_* pointer:
 *
 *	#define ARCHIVE_FUNCS(X) X(archive_write_new) X(archive_write_free)
 *	ARCHIVE_FUNCS(RV_DL_DECLARE)
 *	static const struct rv_dl_sym archive_syms[] = {
 *		ARCHIVE_FUNCS(RV_DL_ENTRY)
 *	};
 *	static struct rv_dl_lib archive_lib =
 *		RV_DL_LIB("libarchive.so.13", "libarchive13", archive_syms);
 *	...
 *	if (rv_dl_load(&archive_lib, "packing the task app", err) != RV_OK)
 *		return err->code;
 *	w = sym_archive_write_new();
 *
 * Ownership: a loaded library stays loaded for the life of the process.
 * Threads: rv_dl_load() may be called from any thread; loading happens
 * once.  Errors: RV_ERR_CONFIG naming the library, what it was needed
 * for, the loader's reason and the Debian package that provides it; a
 * failed load is tried again on the next call.
 */
#ifndef RUNEVAL_ORCHESTRATOR_CORE_RV_DL_H
#define RUNEVAL_ORCHESTRATOR_CORE_RV_DL_H

#include <stdbool.h>
#include <stddef.h>

#include "rv_err.h"

/* A function looked up by name into *addr (a pointer to a function pointer). */
struct rv_dl_sym {
	const char *name;
	void **addr;
};

struct rv_dl_lib {
	const char *soname;	/* "libarchive.so.13" */
	const char *package;	/* Debian package that ships it */
	const struct rv_dl_sym *syms;
	size_t n_syms;
	bool loaded;		/* set once every symbol is resolved */
};

#define RV_DL_DECLARE(fn) static __typeof__(fn) *sym_##fn;
#define RV_DL_ENTRY(fn) { #fn, (void **)&sym_##fn },
#define RV_DL_LIB(soname, package, syms) \
	{ soname, package, syms, sizeof(syms) / sizeof((syms)[0]), false }

/* Load lib and fill its symbols, once; purpose says why it is needed. */
enum rv_code rv_dl_load(struct rv_dl_lib *lib, const char *purpose,
			struct rv_err *err);

#endif
