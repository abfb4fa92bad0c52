/*
 * The conventions of the tools users already know, checked on the built
 * binaries: help on every command and a one-screen --help, -V with a
 * semantic version, the configuration file and its precedence, runeval
 * config round trips, --dry-run creates nothing, --out/--force/--no-out,
 * ls/show, the man pages render and list every option, the completion
 * loads and completes.
 */
#include "testutil.h"

#include "rv_alloc.h"

#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* A shell command's exit status and its stdout and stderr. */
struct sh {
	int status;
	char *out, *err;
};

static char *dir;	/* per test: the working directory of commands */

static void conv_setup(void)
{
	dir = tu_tmpdir();
}

static void conv_teardown(void)
{
	tu_rmrf(dir);
	free(dir);
}

/*
 * Run fmt as a shell script in dir, with RUNEVAL (the built runeval), BIN
 * (the build directory) and TOP (the repository) set.
 */
static struct sh sh_run(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static struct sh sh_run(const char *fmt, ...)
{
	char *bin = tu_build_path(""), *top = tu_top_dir();
	char *script = rv_xasprintf("%s/.cmd.sh", dir);
	char *out = rv_xasprintf("%s/.out", dir);
	char *err = rv_xasprintf("%s/.err", dir);
	struct sh r = { 0 };
	char *full;
	va_list ap;
	FILE *f;
	int st;

	f = fopen(script, "w");
	ck_assert_ptr_nonnull(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
	fclose(f);
	/* BUILD is relative to the top when make test sets it */
	full = rv_xasprintf("cd '%s' && BIN='%s%s%s' && RUNEVAL=\"$BIN/runeval\" "
			    "TOP='%s' BIN=\"$BIN\" env -u ENVIRONMENT_API_KEY "
			    "sh .cmd.sh >'%s' 2>'%s' </dev/null", dir,
			    bin[0] == '/' ? "" : top, bin[0] == '/' ? "" : "/",
			    bin, top, out, err);
	st = system(full);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	r.out = tu_read_file(out, NULL);
	r.err = tu_read_file(err, NULL);
	if (!r.out)
		r.out = rv_xstrdup("");
	if (!r.err)
		r.err = rv_xstrdup("");
	free(full);
	free(script);
	free(out);
	free(err);
	free(top);
	free(bin);
	return r;
}

static void sh_free(struct sh *r)
{
	free(r->out);
	free(r->err);
}

static void write_file(const char *name, const char *text)
{
	char *p = rv_xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	free(p);
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

START_TEST(test_help_on_every_command)
{
	static const char *const cmds[] = { "report", "reap", "bench",
		"lifecycle", "config", "ls", "show" };
	struct sh r = sh_run("$RUNEVAL --help");

	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(lines(r.out) <= 24, "--help is %d lines", lines(r.out));
	ck_assert(strstr(r.out, "man runeval"));
	ck_assert(strstr(r.out, "runeval help options"));
	sh_free(&r);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(*cmds); i++) {
		for (int k = 0; k < 3; k++) {
			r = k == 0 ? sh_run("$RUNEVAL %s -h", cmds[i]) :
			    k == 1 ? sh_run("$RUNEVAL %s --help", cmds[i]) :
			    sh_run("$RUNEVAL help %s", cmds[i]);
			ck_assert_msg(r.status == 0 &&
				      strstr(r.out, "usage: runeval"),
				      "%s (%d): %s%s", cmds[i], k, r.out,
				      r.err);
			sh_free(&r);
		}
	}
	r = sh_run("$RUNEVAL help");
	ck_assert_int_eq(r.status, 0);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(*cmds); i++)
		ck_assert_msg(strstr(r.out, cmds[i]), "%s", cmds[i]);
	sh_free(&r);
	r = sh_run("$RUNEVAL help nope");
	ck_assert_int_eq(r.status, 2);
	sh_free(&r);
	/* every option, with its group */
	r = sh_run("$RUNEVAL help options");
	ck_assert_int_eq(r.status, 0);
	ck_assert(strstr(r.out, "--provision-timeout") &&
		  strstr(r.out, "Sandboxes:") && strstr(r.out, "RUNEVAL_"));
	sh_free(&r);
}
END_TEST

START_TEST(test_version_is_semantic_with_the_commit)
{
	regex_t re;
	struct sh r;

	ck_assert_int_eq(regcomp(&re, "^runeval [0-9]+\\.[0-9]+\\.[0-9]+ "
				 "\\(git [0-9a-f]+(-dirty)?|unknown\\)\n$",
				 REG_EXTENDED), 0);
	for (int k = 0; k < 2; k++) {
		r = sh_run(k ? "$RUNEVAL --version" : "$RUNEVAL -V");
		ck_assert_int_eq(r.status, 0);
		ck_assert_msg(regexec(&re, r.out, 0, NULL, 0) == 0, "%s",
			      r.out);
		sh_free(&r);
	}
	regfree(&re);
}
END_TEST

/* The value of key in `runeval config` output ("" when commented). */
static char *config_value(const char *out, const char *key)
{
	char *pat = rv_xasprintf("\n%s: \"", key);
	const char *p = strstr(out, pat), *q;
	char *v;

	free(pat);
	if (!p)
		return rv_xstrdup("");
	p += strlen(key) + 4;
	q = strchr(p, '"');
	v = rv_xstrndup(p, (size_t)(q - p));
	return v;
}

START_TEST(test_config_file_and_precedence)
{
	struct sh r;
	char *v;

	write_file("job.yaml", "# a job\nprovider: local\nseeds: 3\n"
		   "concurrency: 2\npolicy: noop\n"
		   "env-config:\n  difficulty: easy\n  n: 3\n");
	r = sh_run("$RUNEVAL config --config job.yaml");
	ck_assert_msg(r.status == 0, "%s", r.err);
	v = config_value(r.out, "seed-list");
	ck_assert_str_eq(v, "0-2");
	free(v);
	v = config_value(r.out, "concurrency");
	ck_assert_str_eq(v, "2");
	free(v);
	ck_assert_msg(strstr(r.out, "env-config: \"{\\\"difficulty\\\":"
			     "\\\"easy\\\",\\\"n\\\":3}\"  # file"), "%s",
		      r.out);
	sh_free(&r);
	/* environment over the file, flags over the environment */
	r = sh_run("RUNEVAL_SEEDS=4 $RUNEVAL config --config job.yaml");
	v = config_value(r.out, "seed-list");
	ck_assert_str_eq(v, "0-3");
	free(v);
	sh_free(&r);
	r = sh_run("RUNEVAL_SEEDS=4 $RUNEVAL config --config job.yaml "
		   "--seeds 5");
	v = config_value(r.out, "seed-list");
	ck_assert_str_eq(v, "0-4");
	free(v);
	sh_free(&r);
	/* .env fills what the environment does not set, over the file */
	write_file(".env", "RUNEVAL_SEEDS=6\n");
	r = sh_run("$RUNEVAL config --config job.yaml");
	v = config_value(r.out, "seed-list");
	ck_assert_str_eq(v, "0-5");
	free(v);
	/* and says it came from there */
	ck_assert_msg(strstr(r.out, "seed-list: \"0-5\"  # .env\n"), "%s",
		      r.out);
	sh_free(&r);
	r = sh_run("RUNEVAL_SEEDS=4 $RUNEVAL config --config job.yaml");
	v = config_value(r.out, "seed-list");
	ck_assert_str_eq(v, "0-3");
	free(v);
	ck_assert_msg(strstr(r.out, "seed-list: \"0-3\"  # environment\n"),
		      "%s", r.out);
	sh_free(&r);
	/* ./runeval.yaml is read when present */
	write_file("runeval.yaml", "provider: local\nseed-list: [1, 5-6]\n");
	r = sh_run("rm .env && $RUNEVAL config");
	v = config_value(r.out, "seed-list");
	ck_assert_str_eq(v, "1,5-6");
	free(v);
	sh_free(&r);
}
END_TEST

START_TEST(test_config_round_trips)
{
	struct sh a, b, c;

	a = sh_run("$RUNEVAL config --daytona --lite --seed-list 0,4-6 "
		   "--concurrency 3 --sandboxes 2 --policy noop --model m1 "
		   "--timeout 12.5 --env-config '{\"k\": \"v w\"}' "
		   "--provision-timeout 9 > saved.yaml");
	ck_assert_msg(a.status == 0, "%s", a.err);
	b = sh_run("$RUNEVAL config --config saved.yaml | grep -v '^#' | "
		   "sed 's/  #.*//' > b.txt && cat b.txt");
	c = sh_run("grep -v '^#' saved.yaml | sed 's/  #.*//'");
	ck_assert_msg(b.status == 0 && *b.out, "%s", b.err);
	ck_assert_str_eq(b.out, c.out);
	ck_assert(strstr(b.out, "provider: \"daytona\"") &&
		  strstr(b.out, "sandboxes: \"2\"") &&
		  strstr(b.out, "provision-timeout: \"9\""));
	sh_free(&a);
	sh_free(&b);
	sh_free(&c);
	/* every default uncommented is a file that runs the same job: the
	   options without a value say ~ (YAML's null: not set) */
	a = sh_run("$RUNEVAL config --daytona --lite --seeds 3 --log-limit 0 "
		   "> d.yaml && "
		   "sed 's/^# \\([a-z-]*: \\)/\\1/' d.yaml > all.yaml && "
		   "$RUNEVAL config --config all.yaml > again.yaml && "
		   "for f in d all again; do sed 's/^# //; s/  #.*//' $f.yaml "
		   "| grep -v '^(\\|^runeval' > $f.txt; done && "
		   "cmp d.txt again.txt && grep -c '^[a-z]' all.yaml && "
		   "grep -E '^(cpus|port|max-turns|log-limit):' all.yaml");
	ck_assert_msg(a.status == 0 && atoi(a.out) > 40 &&
		      strstr(a.out, "cpus: ~") && strstr(a.out, "port: ~") &&
		      strstr(a.out, "max-turns: ~") &&
		      strstr(a.out, "log-limit: \"0\""), "%s%s", a.out, a.err);
	sh_free(&a);
	/* several --env come back as given (joined with commas, "A=1,B=2,3"
	   came back as A alone) */
	a = sh_run("$RUNEVAL config --local --seeds 2 --env A=1 --env B=2,3 "
		   "> env.yaml && $RUNEVAL config --config env.yaml | "
		   "grep '^env:'");
	ck_assert_msg(a.status == 0 && strstr(a.out, "env: \"{\\\"A\\\":"
		      "\\\"1\\\",\\\"B\\\":\\\"2,3\\\"}\""), "%s%s",
		      a.out, a.err);
	sh_free(&a);
	/* a negative zero is zero ("-0" and "-0%" came back as given) */
	a = sh_run("$RUNEVAL config --local --seeds 1 --temperature -0 "
		   "--max-failures -0%%");
	ck_assert_msg(a.status == 0 && strstr(a.out, "temperature: \"0\"") &&
		      strstr(a.out, "max-failures: \"0%\""), "%s%s", a.out,
		      a.err);
	sh_free(&a);
}
END_TEST

START_TEST(test_config_errors_name_the_file_and_line)
{
	static const struct { const char *text, *want; } bad[] = {
		{ "seeds: 3\nbogus: 1\n", "'bad.yaml' line 2: unknown key "
		  "'bogus'" },
		{ "seeds: 3\nseeds: 4\n", "line 2: 'seeds' is given twice" },
		{ "seeds: many\n", "'bad.yaml' line 1: 'seeds'" },
		{ "config: other.yaml\n", "only be given on the command line" },
		{ "seeds: [1, 2]\n", "'seeds' takes one plain value" },
		{ "- a\n- b\n", "expected 'option: value' lines" },
		{ "seeds: 3\n  x: [\n", "bad.yaml' line" },
		/* a second document was read as nothing at all */
		{ "seeds: 3\n---\nseeds: 5\n", "line 2: one document only" },
		{ "seeds: 3\n---\n---\n", "line 3: one document only" },
		/* a NUL ended a value early ("3\0junk" was 3) */
		{ "seeds: \"3\\0junk\"\n", "line 1: a value holds a NUL byte" },
		/* nested mappings: as strict as the top one */
		{ "seeds: 1\nenv:\n  A: 1\n  A: 2\n", "line 4: key 'A' of "
		  "'env' is given twice" },
		{ "seeds: 1\nenv:\n  A: ~\n", "'A' has no value" },
		{ "seeds: 1\nenv:\n  A=B: c\n", "'A=B' is no variable's name" },
		/* a list's empty entry vanished when joined ("PATH,"); an
		   empty list named nothing ("unknown provider ''") */
		{ "seeds: 1\npass-env: [PATH, \"\"]\n", "line 2: 'pass-env' "
		  "has an empty entry" },
		{ "seeds: 1\nseed-list:\n  - 3\n  - ''\n", "line 4: "
		  "'seed-list' has an empty entry" },
		{ "seeds: 1\nprovider: []\n", "line 2: 'provider' is an empty "
		  "list" },
		{ "seeds: 1\npass-env: [PATH, ~]\n", "line 2: 'pass-env' has "
		  "an empty entry" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		struct sh r;

		write_file("bad.yaml", bad[i].text);
		r = sh_run("$RUNEVAL --local --config bad.yaml");
		ck_assert_int_eq(r.status, 2);
		ck_assert_msg(strstr(r.err, bad[i].want), "%zu: %s", i, r.err);
		sh_free(&r);
	}
}
END_TEST

/* What once crashed, hung or ate memory: a clean error now. */
START_TEST(test_config_hostile_files)
{
	static const struct {
		const char *cmd;
		int status;
		const char *want;	/* in stderr, or stdout when ok */
	} cases[] = {
		/* 15 000 levels: each was a call (SIGSEGV) */
		{ "python3 -c \"d=15000;print('seeds: 1\\nenv-config: '+"
		  "'{a: '*d+'1'+'}'*d)\" > deep.yaml && "
		  "$RUNEVAL --local --dry-run --config deep.yaml", 2,
		  "'env-config' is nested deeper than 64 levels" },
		/* 100 000 providers: each comma was a call (SIGSEGV) */
		{ "python3 -c \"print('seeds: 1\\nprovider: '+"
		  "','.join(['local']*100000))\" > many.yaml && "
		  "$RUNEVAL --dry-run --config many.yaml", 0, "dry run" },
		/* a directory was "over 1 MiB" (ftell) */
		{ "mkdir -p dir.yaml && $RUNEVAL --local --dry-run "
		  "--config dir.yaml", 2,
		  "cannot read configuration 'dir.yaml': it is a directory" },
		/* a FIFO no one writes: open() waited for good, deaf to
		   signals (SA_RESTART) */
		{ "rm -f fifo && mkfifo fifo && timeout 10 $RUNEVAL --local "
		  "--dry-run --seeds 1 --config fifo && timeout 10 $RUNEVAL "
		  "--local --dry-run --seeds 1 --app-env-file fifo", 0,
		  "dry run" },
		/* a stream had no size cap */
		{ "timeout 20 $RUNEVAL --local --dry-run --seeds 1 "
		  "--env-file /dev/zero", 2,
		  "env file '/dev/zero' is larger than 1024 kB" },
		/* a pipe whose writer writes nothing: a signal ends the
		   wait (read() restarted after each, SA_RESTART) */
		{ "rm -f w && mkfifo w && sleep 20 3<>w & h=$!; sleep 0.3; "
		  "timeout -s KILL 10 $RUNEVAL --local --dry-run --seeds 1 "
		  "--app-env-file w & p=$!; sleep 1; kill -INT $p; wait $p; "
		  "echo rc=$?; kill $h", 0,
		  "interrupted while reading env file 'w'" },
		/* /proc's files say they are empty: read to their end */
		{ "$RUNEVAL --local --dry-run --seeds 1 --env-file "
		  "/proc/self/status", 2, "malformed line 1 in env file" },
		/* a journal others may write is not read (reap sends the
		   credentials to the API its records name), and reap does
		   not say all is done: exit 3 */
		{ "mkdir -p st/jobs && printf '{\"event\":\"intent\",\"job\":"
		  "\"j\",\"provider\":\"docker\",\"name\":\"n\"}\\n' > "
		  "st/jobs/j.jsonl && chmod 664 st/jobs/j.jsonl && "
		  "RUNEVAL_STATE_DIR=$PWD/st $RUNEVAL reap --dry-run", 3,
		  "1 journal not read" },
		/* a pipe is read whole (--config <(...)) */
		{ "printf 'seeds: 2\\n' | $RUNEVAL --local --dry-run "
		  "--config /dev/stdin", 0, "0-1" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		struct sh r = sh_run(cases[i].cmd);

		ck_assert_msg(r.status == cases[i].status, "%zu: %d %s", i,
			      r.status, r.err);
		ck_assert_msg(strstr(cases[i].status ? r.err : r.out,
				     cases[i].want) ||
			      strstr(r.err, cases[i].want), "%zu: %s%s", i,
			      r.out, r.err);
		sh_free(&r);
	}
}
END_TEST

START_TEST(test_config_redacts_secrets)
{
	struct sh r = sh_run("DAYTONA_API_KEY=sk-conv-0123456789abcdef "
			     "$RUNEVAL config --local --seeds 1 --model "
			     "sk-conv-0123456789abcdef");

	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(!strstr(r.out, "0123456789abcdef"), "%s", r.out);
	sh_free(&r);
	/* several --env are written as JSON, whose escapes hid a secret
	   with a quote in it from the redaction of the whole line */
	r = sh_run("DB_PASSWORD='pa\"ss-word-0123456789' $RUNEVAL config "
		   "--local --seeds 1 --env 'DB=pa\"ss-word-0123456789' --env "
		   "A=1");
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(!strstr(r.out, "word-0123456789") &&
		      strstr(r.out, "REDACTED"), "%s", r.out);
	sh_free(&r);
}
END_TEST

START_TEST(test_dry_run_creates_nothing)
{
	struct sh r = sh_run("mkdir tmp && TMPDIR=$PWD/tmp $RUNEVAL --daytona "
			     "--lite --seeds 4 --sandboxes 2 --dry-run && "
			     "ls -A tmp && ls -A");

	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_msg(strstr(r.out, "dry run") &&
		      strstr(r.out, "daytona (sandbox mode)") &&
		      strstr(r.out, "daytona-lite, started for the job") &&
		      strstr(r.out, "sandboxes   2") &&
		      strstr(r.out, "4 (0-3)"), "%s", r.out);
	/* nothing in TMPDIR (no server state), no runs/ */
	ck_assert_msg(!strstr(r.out, "runeval-daytona-lite") &&
		      !strstr(r.out, "runs\n"), "%s", r.out);
	sh_free(&r);
}
END_TEST

START_TEST(test_out_force_and_no_out)
{
	struct sh r;

	r = sh_run("$RUNEVAL --local --seeds 1 -q --out o && "
		   "$RUNEVAL --local --seeds 1 -q --out o");
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, "'o' is not empty") &&
		      strstr(r.err, "--force"), "%s", r.err);
	sh_free(&r);
	/* --force replaces what the earlier job wrote, and only that: its
	   sandbox directories go, a file of the user's stays */
	r = sh_run("mkdir o/sandbox-old && echo old > o/sandbox-old/taskapp.log "
		   "&& echo mine > o/notes.txt && mkdir o/sandbox-mine && "
		   "echo data > o/sandbox-mine/data.txt && echo x > "
		   "o/sandbox-setup.sh && "
		   "$RUNEVAL --local --seeds 1 -q --out o --force && "
		   "test -s o/result.json && ls -A o && cat o/notes.txt");
	/* a sandbox-* that is not a sandbox's logs is the user's */
	ck_assert_msg(r.status == 0 && !strstr(r.out, "sandbox-old") &&
		      strstr(r.out, "sandbox-mine\n") &&
		      strstr(r.out, "sandbox-setup.sh\n") &&
		      strstr(r.out, "notes.txt\n") &&
		      strstr(r.out, "seeds.jsonl\n") &&
		      strstr(r.out, "\nmine\n"), "%d %s%s", r.status, r.out,
		      r.err);
	sh_free(&r);
	r = sh_run("mkdir t && TMPDIR=$PWD/t $RUNEVAL --local --seeds 2 "
		   "--no-out --json --no-progress > j.json && ls -A t && "
		   "test ! -e runs && python3 -c \"import json; "
		   "d = json.load(open('j.json')); "
		   "print(d['job']['status'])\"");
	ck_assert_msg(r.status == 0 && !strcmp(r.out, "ok\n"), "%s%s", r.out,
		      r.err);
	sh_free(&r);
}
END_TEST

/* A seed listed twice with --epochs: its count is not seeds x epochs. */
START_TEST(test_repeated_seed_counts)
{
	struct sh r = sh_run("$RUNEVAL --local --seed-list 0,3,3 --epochs 2 "
			     "--no-out --no-progress 2>&1 && "
			     "$RUNEVAL --local --seeds 1 --no-out "
			     "--no-progress 2>&1");

	ck_assert_msg(r.status == 0 &&
		      strstr(r.out, "rollouts: 6 (2 seeds up to 4 epochs "
			     "each)") &&
		      strstr(r.out, "rollouts: 1 (1 seed x 1 epoch)") &&
		      strstr(r.out, ": 1 seed, local mode"), "%s%s", r.out,
		      r.err);
	sh_free(&r);
	/* seeds that never ran are said to be so among the failures */
	r = sh_run("$RUNEVAL --local --seeds 2 --start 'exit 3' "
		   "--sandbox-retries 0 --no-out --no-progress 2>&1");
	ck_assert_msg(r.status == 3 && strstr(r.out, "2 failed in transport "
					      "(2 of them cancelled or never "
					      "run)"), "%d %s", r.status,
		      r.out);
	sh_free(&r);
}
END_TEST

START_TEST(test_ls_and_show)
{
	struct sh r;

	/* -q still prints each job's last line: not counted here */
	r = sh_run("$RUNEVAL --local --seeds 2 -q --out runs/a >/dev/null && "
		   "$RUNEVAL --local --seeds 3 --policy noop -q "
		   "--out runs/b >/dev/null && $RUNEVAL ls");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_int_eq(lines(r.out), 3);
	ck_assert_msg(strstr(r.out, "reference") && strstr(r.out, "1.000") &&
		      strstr(r.out, "noop") && strstr(r.out, "0.000") &&
		      strstr(r.out, "100.0%"), "%s", r.out);
	sh_free(&r);
	r = sh_run("$RUNEVAL show runs/b");
	ck_assert_msg(r.status == 0 && strstr(r.out, "policy    noop") &&
		      strstr(r.out, "rollout"), "%s%s", r.out, r.err);
	sh_free(&r);
	/* ls reads a result without its rollouts and spans, wherever they
	   are in it; a file with text after its object is refused, named */
	r = sh_run("mkdir -p runs/c runs/d && python3 -c \"import json, sys; "
		   "d = json.load(open('runs/b/result.json')); "
		   "r = {'rollouts': d.pop('rollouts'), 'spans': d.pop('spans')}; "
		   "r.update(d); json.dump(r, open('runs/c/result.json', 'w'))\" "
		   "&& { cat runs/b/result.json; echo '{}'; } > runs/d/result.json "
		   "&& $RUNEVAL ls");
	ck_assert_msg(r.status == 0 && lines(r.out) == 4 &&
		      strstr(r.err, "runs/d/result.json' is no JSON: text "
			     "after the object"), "%s%s", r.out, r.err);
	{	/* runs/b and runs/c: the same job, with its figures */
		const char *b = strstr(r.out, " noop "), *c = b ?
			strstr(b + 1, " noop ") : NULL;

		ck_assert_msg(c && strstr(b, "0.000") && strstr(c, "0.000"),
			      "%s", r.out);
	}
	sh_free(&r);
	r = sh_run("rm -r runs/c runs/d");
	sh_free(&r);
	r = sh_run("$RUNEVAL show ''");	/* no id, not whatever matches it */
	ck_assert_msg(r.status == 2 && strstr(r.err, "usage: runeval show JOB"),
		      "%s%s", r.out, r.err);
	sh_free(&r);
	r = sh_run("$RUNEVAL show nope");
	ck_assert_int_eq(r.status, 2);
	ck_assert(strstr(r.err, "runs/nope/result.json"));
	sh_free(&r);
	/* a killed job (its seed log, one seed of three logged, no
	   result.json) is listed, and show says how to finish it; one
	   running now (its directory locked) says so.  Records that are
	   not the job's (a seed it does not have, an epoch past its one)
	   are not counted as done. */
	r = sh_run("$RUNEVAL --local --seeds 3 --policy noop -q --out runs/k "
		   ">/dev/null && rm runs/k/result.json && head -2 "
		   "runs/k/seeds.jsonl > l && sed -n 2p l | "
		   "sed 's/^{\"seed\":[0-9]*/{\"seed\":99/' >> l && "
		   "sed -n 2p l | sed 's/^{\"seed\":\\([0-9]*\\)/"
		   "{\"seed\":\\1,\"epoch\":7/' >> l && "
		   "mv l runs/k/seeds.jsonl && "
		   "$RUNEVAL ls && $RUNEVAL show runs/k && "
		   "flock runs/k $RUNEVAL show runs/k/result.json");
	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_int_eq(lines(r.out), 4 + 9 + 9);
	ck_assert_msg(strstr(r.out, " interrupted ") &&
		      strstr(r.out, "done      1 of 3 (1 ok)") &&
		      strstr(r.out, "resume    runeval resume runs/k") &&
		      strstr(r.out, "status    running") &&
		      strstr(r.out, "another runeval holds 'runs/k'"), "%s",
		      r.out);
	sh_free(&r);
	/* a phase without a sample that ended ok has no statistics: '-' */
	r = sh_run("$RUNEVAL --local --seeds 1 --start 'exit 3' "
		   "--sandbox-retries 0 -q --out runs/c > /dev/null; "
		   "$RUNEVAL show runs/c");
	ck_assert_msg(r.status == 0 && strstr(r.out, "\nstart ") &&
		      !strstr(r.out, "nan"), "%s%s", r.out, r.err);
	sh_free(&r);
}
END_TEST

START_TEST(test_man_pages_render_and_list_every_option)
{
	static const char *const pages[] = { "runeval", "runeval-report",
		"daytona-lite", "e2b-lite" };
	struct sh r;

	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		r = sh_run("MANWIDTH=80 man --warnings -l $BIN/man/%s.1 "
			   "2>&1 >/dev/null | grep -v '^$' || true", pages[i]);
		ck_assert_msg(!*r.out, "%s: %s", pages[i], r.out);
		sh_free(&r);
	}
	/* every option of each program's help is in its page */
	r = sh_run("for p in 'runeval help options:runeval' "
		   "'runeval report --help:runeval-report' "
		   "'daytona-lite --help:daytona-lite' "
		   "'e2b-lite --help:e2b-lite'; do "
		   "cmd=${p%%%%:*}; page=${p##*:}; "
		   "MANWIDTH=200 man -l $BIN/man/$page.1 > page.txt; "
		   "for o in $($BIN/$cmd | grep -o -- '--[a-z][a-z0-9-]*'"
		   " | sort -u); do grep -q -- \"$o\" page.txt || "
		   "echo \"$page lacks $o\"; done; done");
	ck_assert_msg(r.status == 0 && !*r.out, "%s%s", r.out, r.err);
	sh_free(&r);
	/* and every command of runeval help has its entry in the page */
	r = sh_run("MANWIDTH=200 man -l $BIN/man/runeval.1 > page.txt; "
		   "n=0; for c in $($RUNEVAL help | sed -n "
		   "'/^Commands:/,$s/^  \\([a-z]*\\) .*/\\1/p'); do "
		   "n=$((n + 1)); grep -q \"^ *runeval $c\\b\" page.txt || "
		   "echo \"runeval.1 lacks the command $c\"; done; echo $n");
	ck_assert_msg(r.status == 0 && atoi(r.out) >= 9, "%s%s", r.out, r.err);
	sh_free(&r);
}
END_TEST

START_TEST(test_completion_loads_and_completes)
{
	struct sh r = sh_run("PATH=$(dirname $RUNEVAL):$PATH bash -c '"
		". $TOP/scripts/completion/runeval.bash; complete -p runeval; "
		"c() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); _runeval; "
		"echo \"${COMPREPLY[*]}\"; }; "
		"c runeval --seed; c runeval --provider \"\"; c runeval re; "
		"c runeval report --ba'");

	ck_assert_msg(r.status == 0, "%s", r.err);
	ck_assert_msg(strstr(r.out, "complete -F _runeval runeval") &&
		      strstr(r.out, "--seeds= --seed-list=") &&
		      strstr(r.out, "local daytona") &&
		      strstr(r.out, "report reap") &&
		      strstr(r.out, "--baseline"), "%s", r.out);
	sh_free(&r);
}
END_TEST

static Suite *conventions_suite(void)
{
	Suite *s = suite_create("conventions");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, conv_setup, conv_teardown);
	tcase_add_test(tc, test_help_on_every_command);
	tcase_add_test(tc, test_version_is_semantic_with_the_commit);
	tcase_add_test(tc, test_config_file_and_precedence);
	tcase_add_test(tc, test_config_round_trips);
	tcase_add_test(tc, test_config_errors_name_the_file_and_line);
	tcase_add_test(tc, test_config_hostile_files);
	tcase_add_test(tc, test_config_redacts_secrets);
	tcase_add_test(tc, test_dry_run_creates_nothing);
	tcase_add_test(tc, test_out_force_and_no_out);
	tcase_add_test(tc, test_ls_and_show);
	tcase_add_test(tc, test_repeated_seed_counts);
	tcase_add_test(tc, test_man_pages_render_and_list_every_option);
	tcase_add_test(tc, test_completion_loads_and_completes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(conventions_suite()) ? 1 : 0;
}
