/*
 * cli_config: the job configuration file (YAML, through libyaml) and
 * 'runeval config', which prints the effective configuration in the same
 * shape.
 *
 * The file is one mapping whose keys are the long options' names
 * ("seeds", "seed-list" or "seed_list", "provider", ...) and whose values
 * are what the option takes: a scalar; a sequence, joined with commas,
 * for a seed list ([0, 3, "10-19"]); a mapping, turned into JSON, for an
 * option that takes a JSON object (env-config).  An unknown key, a key
 * given twice, a value of the wrong shape or an option that only the
 * command line may give is an error naming the file and line.
 */
#include "cli.h"

#include "cli_opts.h"
#include "dotenv.h"
#include "rv_alloc.h"
#include "rv_buf.h"
#include "rv_fs.h"
#include "rv_json.h"
#include "rv_redact.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#define CLI_CONFIG_MAX_BYTES (1u << 20)
#define CLI_CONFIG_MAX_DEPTH 64	/* mappings in mappings */

struct cfg_reader {
	yaml_parser_t parser;
	yaml_event_t ev;
	bool have_ev;
	const char *path;
};

static enum rv_code cfg_next(struct cfg_reader *r, struct rv_err *err)
{
	if (r->have_ev)
		yaml_event_delete(&r->ev);
	r->have_ev = false;
	if (!yaml_parser_parse(&r->parser, &r->ev))
		return rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: %s",
			       r->path, r->parser.problem_mark.line + 1,
			       r->parser.problem ? r->parser.problem :
			       "not YAML");
	r->have_ev = true;
	/* a NUL would end the value early: "3\0junk" was 3 */
	if (r->ev.type == YAML_SCALAR_EVENT &&
	    memchr(r->ev.data.scalar.value, '\0', r->ev.data.scalar.length))
		return rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: a value "
			       "holds a NUL byte", r->path,
			       r->ev.start_mark.line + 1);
	return RV_OK;
}

static size_t cfg_line(const struct cfg_reader *r)
{
	return r->ev.start_mark.line + 1;
}

static const char *cfg_scalar(const struct cfg_reader *r)
{
	return (const char *)r->ev.data.scalar.value;
}

/* Is the current event YAML's null (a plain ~, null or nothing)? */
static bool cfg_is_null(const struct cfg_reader *r)
{
	static const char *const nulls[] = { "", "~", "null", "Null",
					      "NULL" };
	const char *v = (const char *)r->ev.data.scalar.value;

	if (r->ev.type != YAML_SCALAR_EVENT ||
	    r->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	for (size_t i = 0; i < sizeof(nulls) / sizeof(*nulls); i++)
		if (!strcmp(v, nulls[i]))
			return true;
	return false;
}

/*
 * The next entry of a sequence under key that began on line: RV_OK with
 * *more set and the entry the current event, or with *more clear at its
 * end.  Entries are plain, neither empty nor YAML's null, and there is
 * one at least: a list is joined with commas or given as repeated words,
 * where an empty entry would vanish ("a,"), a null one would be the word
 * "~", and an empty list would name nothing.
 */
static enum rv_code cfg_sequence_next(struct cfg_reader *r, const char *key,
				      size_t line, size_t *n, bool *more,
				      struct rv_err *err)
{
	enum rv_code rc = cfg_next(r, err);

	*more = false;
	if (rc != RV_OK)
		return rc;
	if (r->ev.type == YAML_SEQUENCE_END_EVENT)
		return *n ? RV_OK : rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: "
					    "'%s' is an empty list: give it a "
					    "value or leave it out", r->path,
					    line, key);
	if (r->ev.type != YAML_SCALAR_EVENT)
		return rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: '%s' takes "
			       "a list of plain values", r->path, cfg_line(r),
			       key);
	if (!*cfg_scalar(r) || cfg_is_null(r))
		return rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: '%s' has an "
			       "empty entry", r->path, cfg_line(r), key);
	(*n)++;
	*more = true;
	return RV_OK;
}

/* A value made of a sequence of scalars: "a,b,c". */
static enum rv_code cfg_sequence(struct cfg_reader *r, struct rv_buf *out,
				 const char *key, struct rv_err *err)
{
	size_t line = cfg_line(r), n = 0;
	enum rv_code rc;
	bool more;

	while ((rc = cfg_sequence_next(r, key, line, &n, &more, err)) ==
	       RV_OK && more)
		rv_buf_addf(out, "%s%s", n > 1 ? "," : "", cfg_scalar(r));
	return rc;
}

/* A mapping (nested ones too) as a JSON object; scalars stay strings
   unless they are plain YAML numbers or booleans. */
static enum rv_code cfg_object(struct cfg_reader *r, json_t *obj,
			       const char *key, unsigned depth,
			       struct rv_err *err);

static enum rv_code cfg_json_value(struct cfg_reader *r, json_t **v,
				   const char *key, unsigned depth,
				   struct rv_err *err)
{
	struct rv_err e = RV_ERR_INIT;
	const char *s;

	*v = NULL;
	if (r->ev.type == YAML_MAPPING_START_EVENT) {
		enum rv_code rc;

		*v = json_object();
		rc = cfg_object(r, *v, key, depth, err);
		if (rc != RV_OK) {
			json_decref(*v);
			*v = NULL;
		}
		return rc;
	}
	if (r->ev.type != YAML_SCALAR_EVENT)
		return rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: '%s' takes a "
			       "mapping of plain values", r->path, cfg_line(r),
			       key);
	if (cfg_is_null(r)) {	/* ~, null or nothing: JSON's null */
		*v = json_null();
		return RV_OK;
	}
	s = cfg_scalar(r);
	if (r->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		*v = rv_json_parse(s, strlen(s), "", &e);
	if (!*v || json_is_object(*v) || json_is_array(*v)) {
		json_decref(*v);
		*v = json_string(s);
	}
	return RV_OK;
}

static enum rv_code cfg_object(struct cfg_reader *r, json_t *obj,
			       const char *key, unsigned depth,
			       struct rv_err *err)
{
	enum rv_code rc;

	/* each level is a call: a deep enough file would end the stack */
	if (depth >= CLI_CONFIG_MAX_DEPTH)
		return rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: '%s' is "
			       "nested deeper than %d levels", r->path,
			       cfg_line(r), key, CLI_CONFIG_MAX_DEPTH);
	while ((rc = cfg_next(r, err)) == RV_OK &&
	       r->ev.type != YAML_MAPPING_END_EVENT) {
		char *k;
		json_t *v;

		if (r->ev.type != YAML_SCALAR_EVENT)
			return rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: a "
				       "key of '%s' must be plain text",
				       r->path, cfg_line(r), key);
		if (json_object_get(obj, cfg_scalar(r)))
			return rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: key "
				       "'%s' of '%s' is given twice", r->path,
				       cfg_line(r), cfg_scalar(r), key);
		k = rv_xstrdup(cfg_scalar(r));
		rc = cfg_next(r, err);
		if (rc == RV_OK)
			rc = cfg_json_value(r, &v, key, depth + 1, err);
		if (rc == RV_OK)
			json_object_set_new(obj, k, v);
		free(k);
		if (rc != RV_OK)
			return rc;
	}
	return rc;
}

/* The value after key (the current event) as option text. */
static enum rv_code cfg_value(struct cfg_reader *r, const struct cli_opt *o,
			      struct rv_buf *out, struct rv_err *err)
{
	json_t *obj;
	char *text;
	enum rv_code rc;

	switch (r->ev.type) {
	case YAML_SCALAR_EVENT:
		rv_buf_adds(out, cfg_scalar(r));
		return RV_OK;
	case YAML_SEQUENCE_START_EVENT:
		if (o->kind != CLI_SEED_LIST && o->kind != CLI_PROVIDER &&
		    !(o->kind == CLI_LIST && (o->flags & CLI_COMMAS)))
			break;
		return cfg_sequence(r, out, o->name, err);
	case YAML_MAPPING_START_EVENT:
		/* --env takes {KEY: VALUE} */
		if (o->kind != CLI_JSON_OBJECT && o->kind != CLI_LIST)
			break;
		obj = json_object();
		rc = cfg_object(r, obj, o->name, 0, err);
		if (rc == RV_OK) {
			text = rv_json_dumps(obj);
			rv_buf_adds(out, text);
			free(text);
		}
		json_decref(obj);
		return rc;
	default:
		break;
	}
	return rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: '%s' takes %s",
		       r->path, cfg_line(r), o->name,
		       o->kind == CLI_JSON_OBJECT ? "a mapping" :
		       o->kind == CLI_LIST && !(o->flags & CLI_COMMAS) ?
		       "a mapping or a text" :
		       o->kind == CLI_SEED_LIST || o->kind == CLI_LIST ||
		       o->kind == CLI_PROVIDER ? "a list or a text" :
		       "one plain value");
}

/* One "key: value" of the top mapping, into a job's options. */
static enum rv_code cfg_entry(struct cfg_reader *r, void *arg, bool *seen,
			      struct rv_err *err)
{
	struct cli_options *opt = arg;
	size_t n, line = cfg_line(r);
	const struct cli_opt *t = cli_opts(&n);
	const struct cli_opt *o = cli_opt_find(cfg_scalar(r));
	struct rv_buf val = RV_BUF_INIT;
	char where[600];
	enum rv_code rc;

	if (!o)
		return rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: unknown key "
			       "'%s' (the keys are the long options' names: "
			       "see 'runeval help options')", r->path, line,
			       cfg_scalar(r));
	if (o->flags & CLI_ARGV_ONLY)
		return rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: '%s' can "
			       "only be given on the command line", r->path,
			       line, o->name);
	if (seen[o - t])
		return rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: '%s' is "
			       "given twice", r->path, line, o->name);
	seen[o - t] = true;
	rc = cfg_next(r, err);
	if (rc == RV_OK && cfg_is_null(r))
		return RV_OK;	/* "key: ~": not set, its default */
	if (rc == RV_OK)
		rc = cfg_value(r, o, &val, err);
	if (rc == RV_OK) {
		snprintf(where, sizeof(where), "'%s' line %zu: '%s'", r->path,
			 line, o->name);
		rc = cli_opt_set(opt, o, cli_options_keep(opt, val.data),
				 CLI_SRC_CONFIG, where, err);
	}
	rv_buf_release(&val);
	return rc;
}

/*
 * The top-level mapping, entry by entry: entry(r, arg, seen, err) reads
 * one (r at its key, seen[] free for it to mark keys given).
 */
static enum rv_code cfg_document(struct cfg_reader *r,
				 enum rv_code (*entry)(struct cfg_reader *r,
						       void *arg, bool *seen,
						       struct rv_err *err),
				 void *arg, struct rv_err *err)
{
	bool seen[CLI_MAX_OPTS] = { false };
	enum rv_code rc;
	size_t line;

	do {	/* stream start, document start */
		rc = cfg_next(r, err);
	} while (rc == RV_OK && (r->ev.type == YAML_STREAM_START_EVENT ||
				 r->ev.type == YAML_DOCUMENT_START_EVENT));
	if (rc != RV_OK || r->ev.type == YAML_STREAM_END_EVENT)
		return rc;	/* an empty file sets nothing */
	if (r->ev.type != YAML_MAPPING_START_EVENT)
		return rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: expected "
			       "'option: value' lines", r->path, cfg_line(r));
	while ((rc = cfg_next(r, err)) == RV_OK &&
	       r->ev.type != YAML_MAPPING_END_EVENT) {
		if (r->ev.type != YAML_SCALAR_EVENT)
			return rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: a "
				       "key must be an option's name", r->path,
				       cfg_line(r));
		rc = entry(r, arg, seen, err);
		if (rc != RV_OK)
			return rc;
	}
	if (rc == RV_OK)
		rc = cfg_next(r, err);	/* document end */
	if (rc == RV_OK && r->ev.type == YAML_DOCUMENT_END_EVENT)
		rc = cfg_next(r, err);	/* the stream's end, or another */
	line = rc == RV_OK ? cfg_line(r) : 0;
	/* an empty one after it ("---" ending the file) is none */
	if (rc == RV_OK && r->ev.type == YAML_DOCUMENT_START_EVENT &&
	    (rc = cfg_next(r, err)) == RV_OK && cfg_is_null(r) &&
	    (rc = cfg_next(r, err)) == RV_OK &&
	    r->ev.type == YAML_DOCUMENT_END_EVENT) {
		rc = cfg_next(r, err);
		line = cfg_line(r);
	}
	if (rc == RV_OK && r->ev.type != YAML_STREAM_END_EVENT)
		rc = rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: one document "
			     "only", r->path, line);
	return rc;
}

/* Read path with entry for each key (see cfg_document). */
static enum rv_code cfg_read(const char *path,
			     enum rv_code (*entry)(struct cfg_reader *r,
						   void *arg, bool *seen,
						   struct rv_err *err),
			     void *arg, struct rv_err *err)
{
	struct cfg_reader r = { .path = path };
	struct rv_buf text = RV_BUF_INIT;
	enum rv_code rc;

	/* read before the signal handlers are in place: no cancel */
	rc = rv_read_input(path, "configuration", CLI_CONFIG_MAX_BYTES, NULL,
			   &text, err);
	if (rc != RV_OK) {
		rv_buf_release(&text);
		if (err)
			err->code = RV_ERR_USAGE;
		return RV_ERR_USAGE;
	}
	yaml_parser_initialize(&r.parser);
	yaml_parser_set_input_string(&r.parser, (const unsigned char *)
				     (text.data ? text.data : ""), text.len);
	rc = cfg_document(&r, entry, arg, err);
	if (r.have_ev)
		yaml_event_delete(&r.ev);
	yaml_parser_delete(&r.parser);
	rv_buf_release(&text);
	return rc;
}

enum rv_code cli_config_load(struct cli_options *opt, const char *path,
			     struct rv_err *err)
{
	return cfg_read(path, cfg_entry, opt, err);
}

struct cfg_words {
	const struct option *keys;
	struct cli_words *out;
};

static void cfg_word(struct cli_words *w, char *word)
{
	w->v = rv_xreallocarray(w->v, w->n + 2, sizeof(*w->v));
	w->v[w->n++] = word;
	w->v[w->n] = NULL;
}

/*
 * "--key" and its value as words: a flag's true is "--key" alone and its
 * false nothing, an optional value goes as "--key=value".
 */
static void cfg_word_pair(struct cfg_words *w, const struct option *o,
			  const char *value)
{
	bool flag = o->has_arg == no_argument;

	if (flag || (o->has_arg == optional_argument &&
		     (!strcmp(value, "true") || !strcmp(value, "false")))) {
		if (!strcmp(value, "true"))
			cfg_word(w->out, rv_xasprintf("--%s", o->name));
	} else if (o->has_arg == optional_argument) {
		cfg_word(w->out, rv_xasprintf("--%s=%s", o->name, value));
	} else {
		cfg_word(w->out, rv_xasprintf("--%s", o->name));
		cfg_word(w->out, rv_xstrdup(value));
	}
}

/* One "key: value" of the top mapping, as command-line words. */
static enum rv_code cfg_word_entry(struct cfg_reader *r, void *arg,
				   bool *seen, struct rv_err *err)
{
	struct cfg_words *w = arg;
	size_t line = cfg_line(r), k = 0;
	const char *key = cfg_scalar(r);
	const struct option *o;
	enum rv_code rc;

	while (w->keys[k].name && strcmp(w->keys[k].name, key))
		k++;
	o = &w->keys[k];
	if (!o->name || k >= CLI_MAX_OPTS)
		return rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: unknown key "
			       "'%s' (the keys are the command's long "
			       "options)", r->path, line, key);
	if (seen[k])
		return rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: '%s' is "
			       "given twice", r->path, line, key);
	seen[k] = true;
	if ((rc = cfg_next(r, err)) != RV_OK)
		return rc;
	if (cfg_is_null(r))
		return RV_OK;	/* "key: ~": not given, its default */
	if (r->ev.type == YAML_SEQUENCE_START_EVENT &&
	    o->has_arg != no_argument) {
		size_t n = 0;
		bool more;

		line = cfg_line(r);
		while ((rc = cfg_sequence_next(r, o->name, line, &n, &more,
					       err)) == RV_OK && more)
			cfg_word_pair(w, o, cfg_scalar(r));
		return rc;
	}
	if (r->ev.type != YAML_SCALAR_EVENT)
		return rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: '%s' takes "
			       "one plain value%s", r->path, cfg_line(r),
			       o->name, o->has_arg != no_argument ?
			       " or a list" : " (true or false)");
	if (o->has_arg == no_argument && strcmp(cfg_scalar(r), "true") &&
	    strcmp(cfg_scalar(r), "false"))
		return rv_errf(err, RV_ERR_USAGE, "'%s' line %zu: '%s' is "
			       "true or false, not '%s'", r->path, cfg_line(r),
			       o->name, cfg_scalar(r));
	cfg_word_pair(w, o, cfg_scalar(r));
	return RV_OK;
}

enum rv_code cli_config_words(const char *path, const struct option *keys,
			      struct cli_words *out, struct rv_err *err)
{
	struct cfg_words w = { keys, out };

	return cfg_read(path, cfg_word_entry, &w, err);
}

void cli_words_release(struct cli_words *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->v[i]);
	free(w->v);
	w->v = NULL;
	w->n = 0;
}

/* s as a YAML double-quoted scalar, redacted. */
static void cfg_quote(FILE *out, const char *s)
{
	char *red = rv_redact(s);

	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)red; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
	free(red);
}

/* Did o's variable come from the .env file (RUNEVAL_SEEDS for the
   seed list too)? */
static bool cfg_from_dotenv(const struct cli_opt *o)
{
	char name[96];

	cli_opt_env_name(o, name, sizeof(name));
	if (dotenv_was_set(name))
		return true;
	return o->kind == CLI_SEED_LIST && dotenv_was_set("RUNEVAL_SEEDS");
}

void cli_config_print(const struct cli_options *opt, FILE *out)
{
	static const char *const from[] = {
		[CLI_SRC_DEFAULT] = "default", [CLI_SRC_CONFIG] = "file",
		[CLI_SRC_ENV] = "environment", [CLI_SRC_ARGV] = "command line",
	};
	size_t n;
	const struct cli_opt *t = cli_opts(&n);
	unsigned seeds_src = opt->src[cli_opt_find("seeds") - t];
	struct rv_buf v = RV_BUF_INIT;

	fprintf(out, "# runeval's effective job configuration%s%s%s\n"
		"# (command line > environment and .env > file > default; "
		"secrets redacted)\n", opt->config_file ? ", file '" : "",
		opt->config_file ? opt->config_file : "",
		opt->config_file ? "'" : "");
	for (size_t i = 0; i < n; i++) {
		unsigned src = opt->src[i];

		/* seeds and seed-list are one setting: the list says it */
		if ((t[i].flags & CLI_ARGV_ONLY) || t[i].kind == CLI_SEEDS)
			continue;
		if (t[i].kind == CLI_SEED_LIST && src == CLI_SRC_DEFAULT)
			src = seeds_src;
		rv_buf_reset(&v);
		cli_opt_value(opt, &t[i], &v);
		fprintf(out, "%s%s: ", src == CLI_SRC_DEFAULT ? "# " : "",
			t[i].name);
		if (v.len)
			cfg_quote(out, v.data);
		else
			fputs("~", out);
		fprintf(out, "  # %s\n", src == CLI_SRC_ENV &&
			cfg_from_dotenv(&t[i]) ? ".env" : from[src]);
	}
	rv_buf_release(&v);
}
