/*
 * minibench: the registry.  The task files' tables are joined once (on
 * first use, under pthread_once) into public task records whose prompt,
 * reference and noop text are built from the definitions.
 */
#include "minibench.h"
#include "minibench_int.h"

#include "rv_alloc.h"
#include "rv_buf.h"

#include <pthread.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

struct mb_entry {
	struct minibench_task pub;
	const struct mb_def *def;
	char *noop;
};

static struct mb_entry *mb_all;
static size_t mb_n;
static pthread_once_t mb_once = PTHREAD_ONCE_INIT;

/* End the line: no trailing blanks. */
static void mb_newline(struct rv_buf *b)
{
	while (b->len && b->data[b->len - 1] == ' ')
		rv_buf_truncate(b, b->len - 1);
	rv_buf_addch(b, '\n');
}

static void mb_indent(struct rv_buf *b, int depth)
{
	for (int i = 0; i < depth; i++)
		rv_buf_addch(b, '\t');
}

/* s past a literal starting at s[0] (a quote); copied to b */
static const char *mb_copy_literal(struct rv_buf *b, const char *s)
{
	char q = *s;

	rv_buf_addch(b, *s++);
	while (*s && *s != q) {
		if (*s == '\\' && s[1])
			rv_buf_addch(b, *s++);
		rv_buf_addch(b, *s++);
	}
	if (*s)
		rv_buf_addch(b, *s++);
	return s;
}

static int mb_starts_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	return !strncmp(s, w, n) &&
	       !(s[n] == '_' || (s[n] >= 'a' && s[n] <= 'z'));
}

/* After a '}': keep "} else", "} while", "};", "}," on the line. */
static const char *mb_after_brace(struct rv_buf *b, const char *s, int depth,
				  int *bol)
{
	const char *t = s;

	while (*t == ' ')
		t++;
	if (*t == ';' || *t == ',' || *t == ')')
		return t;
	if (mb_starts_word(t, "else") || mb_starts_word(t, "while")) {
		rv_buf_addch(b, ' ');
		return t;
	}
	mb_newline(b);
	if (!depth)
		rv_buf_addch(b, '\n');
	*bol = 1;
	return t;
}

/*
 * Reflow preprocessor-stringified code (one line, single spaces) into
 * lines: a statement per line, braces opening and closing blocks, tabs.
 * Only whitespace changes, so the tokens stay those compiled.
 */
static void mb_reflow(struct rv_buf *b, const char *s)
{
	int depth = 0, paren = 0, bol = 1;

	while (*s) {
		if (bol && *s == ' ') {
			s++;
			continue;
		}
		if (*s == '}' && !paren) {
			if (!bol)
				mb_newline(b);
			mb_indent(b, --depth);
			rv_buf_addch(b, '}');
			bol = 0;
			s = mb_after_brace(b, s + 1, depth, &bol);
			continue;
		}
		if (bol)
			mb_indent(b, depth);
		if (*s == '"' || *s == '\'') {
			s = mb_copy_literal(b, s);
			bol = 0;
			continue;
		}
		if (*s == '(')
			paren++;
		else if (*s == ')')
			paren--;
		if (*s == '{' && !paren) {
			if (!depth && !bol)
				mb_newline(b);
			rv_buf_addch(b, '{');
			mb_newline(b);
			depth++;
			bol = 1;
		} else if (*s == ';' && !paren) {
			rv_buf_addch(b, ';');
			mb_newline(b);
			bol = 1;
		} else {
			rv_buf_addch(b, *s);
			bol = 0;
		}
		s++;
	}
	if (!bol)
		mb_newline(b);
}

static char *mb_build_reference(const struct mb_def *d)
{
	struct rv_buf b = RV_BUF_INIT;

	rv_buf_addf(&b, "/* minibench '%s': reference solution */\n", d->id);
	if (d->includes)
		rv_buf_adds(&b, d->includes);
	rv_buf_addch(&b, '\n');
	if (d->helper)
		mb_reflow(&b, d->helper);
	rv_buf_addf(&b, "%s\n", d->sig);
	mb_reflow(&b, d->body);
	while (b.len > 1 && !strcmp(b.data + b.len - 2, "\n\n"))
		rv_buf_truncate(&b, b.len - 1);
	return rv_buf_detach(&b, NULL);
}

static char *mb_build_prompt(const struct mb_def *d)
{
	return rv_xasprintf(
		"%s\n\n"
		"Implement this C function:\n\n"
		"    %s\n\n"
		"Answer with one complete C11 source file that defines it with "
		"exactly this signature (include the standard headers you "
		"use; no main(); the C standard library only).  It is "
		"compiled together with a test driver that declares the "
		"function itself.", d->statement, d->sig);
}

static char *mb_build_noop(const struct mb_def *d)
{
	int is_void = !strncmp(d->sig, "void ", 5);

	return rv_xasprintf("/* minibench '%s': does nothing */\n"
			    "#include <stddef.h>\n#include <stdint.h>\n\n"
			    "%s\n{\n%s}\n", d->id, d->sig,
			    is_void ? "" : "\treturn 0;\n");
}

static void mb_init(void)
{
	static const struct {
		const struct mb_def *defs;
		const size_t *n;
	} files[] = {
		{ mb_tasks_arith, &mb_tasks_arith_n },
		{ mb_tasks_array, &mb_tasks_array_n },
		{ mb_tasks_string, &mb_tasks_string_n },
		{ mb_tasks_misc, &mb_tasks_misc_n },
	};
	size_t total = 0, k = 0;

	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++)
		total += *files[f].n;
	mb_all = rv_xcalloc(total, sizeof(*mb_all));
	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		for (size_t i = 0; i < *files[f].n; i++, k++) {
			const struct mb_def *d = &files[f].defs[i];
			struct mb_entry *e = &mb_all[k];

			e->def = d;
			e->pub.id = d->id;
			e->pub.name = d->name;
			e->pub.difficulty = d->difficulty;
			e->pub.signature = d->sig;
			e->pub.prompt = mb_build_prompt(d);
			e->pub.reference = mb_build_reference(d);
			e->noop = mb_build_noop(d);
		}
	}
	mb_n = total;
}

static void mb_ready(void)
{
	pthread_once(&mb_once, mb_init);
}

/* pub is the first member of struct mb_entry */
static const struct mb_entry *mb_entry_of(const struct minibench_task *t)
{
	uintptr_t p = (uintptr_t)t, lo, hi;

	mb_ready();
	lo = (uintptr_t)mb_all;
	hi = (uintptr_t)(mb_all + mb_n);
	if (p < lo || p >= hi || (p - lo) % sizeof(*mb_all))
		return NULL;
	return (const struct mb_entry *)t;
}

/* t's entry, also when t is a copy of a record (found by id); or NULL. */
static const struct mb_entry *mb_lookup(const struct minibench_task *t)
{
	const struct mb_entry *e = mb_entry_of(t);

	return e ? e : mb_entry_of(minibench_find(t ? t->id : NULL));
}

size_t minibench_count(void)
{
	mb_ready();
	return mb_n;
}

const struct minibench_task *minibench_task(size_t index)
{
	mb_ready();
	return index < mb_n ? &mb_all[index].pub : NULL;
}

const struct minibench_task *minibench_for_seed(long long seed)
{
	long long n = (long long)minibench_count();
	long long i = seed % n;

	return minibench_task((size_t)(i < 0 ? i + n : i));
}

const struct minibench_task *minibench_find(const char *id)
{
	mb_ready();
	for (size_t i = 0; id && i < mb_n; i++)
		if (!strcmp(mb_all[i].pub.id, id))
			return &mb_all[i].pub;
	return NULL;
}

struct minibench_tests *minibench_tests_new(const struct minibench_task *t,
					    long long seed)
{
	const struct mb_entry *e = mb_lookup(t);

	return e ? mb_tests_make(&e->pub, e->def, seed) : NULL;
}

void minibench_tests_free(struct minibench_tests *tests)
{
	if (!tests)
		return;
	free(tests->source);
	mb_checks_free(tests->checks, tests->nchecks);
	free(tests);
}

const char *minibench_tests_source(const struct minibench_tests *tests)
{
	return tests->source;
}

int minibench_tests_count(const struct minibench_tests *tests)
{
	return tests->ncases;
}

const char *minibench_noop_source(const struct minibench_task *t)
{
	const struct mb_entry *e = mb_lookup(t);

	return e ? e->noop : NULL;
}
