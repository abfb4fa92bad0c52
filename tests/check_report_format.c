/*
 * The format table (report_format.h) drives every output: each test walks
 * report_formats[], so that a format added to the table is checked here
 * without an edit.  Each format is reachable through its option (which
 * writes that format and nothing else), is written by --out under its
 * file name with the same bytes, is named in --help with its switch, is
 * written by a job, and the step summary gets the flagged ones.  What
 * each rendering holds is check_report_render's.
 */
#include "testutil.h"

#include "report.h"
#include "report_format.h"
#include "report_helpers.h"
#include "report_set.h"
#include "report_stats.h"
#include "report_util.h"
#include "rv_alloc.h"
#include "rv_buf.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define tmp rh_tmp

/*
 * runeval report FIXTURE --quiet [--out DIR] and, for every format whose
 * path in paths is not NULL, OPTION PATH; env as rh_run's.  The exit code.
 */
/* runeval report of the fixture into paths and dir; with --step-summary
   when step (env may set GITHUB_STEP_SUMMARY). */
static int report_step(char *const *paths, const char *dir,
		       char *const env[], bool step)
{
	char **argv = rv_xcalloc(2 * report_n_formats + 8, sizeof(*argv));
	char *fixture = rh_fixture("result_docker.json"), *out = NULL;
	size_t n = 0;
	int rc;

	argv[n++] = tu_build_path("runeval");
	argv[n++] = "report";
	argv[n++] = fixture;
	argv[n++] = "--quiet";
	if (step)
		argv[n++] = "--step-summary";
	if (dir) {
		argv[n++] = "--out";
		argv[n++] = (char *)dir;
	}
	for (size_t i = 0; paths && i < report_n_formats; i++) {
		if (!paths[i])
			continue;
		argv[n++] = (char *)report_formats[i].option;
		argv[n++] = paths[i];
	}
	rc = rh_run(argv, env, NULL, &out);
	ck_assert_msg(rc == 0, "runeval report: exit %d\n%s", rc, out);
	free(out);
	free(argv[0]);
	free(argv);
	free(fixture);
	return rc;
}

static int report_to(char *const *paths, const char *dir, char *const env[])
{
	return report_step(paths, dir, env, false);
}

/* Regular files in dir. */
static size_t count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	ck_assert_msg(d != NULL, "cannot open '%s'", dir);
	while ((e = readdir(d)))
		n += e->d_type == DT_REG;
	closedir(d);
	return n;
}

/* The content of path, which must exist and not be empty. */
static char *read_nonempty(const char *path, size_t *len)
{
	char *s = tu_read_file(path, len);

	ck_assert_msg(s != NULL, "'%s' was not written", path);
	ck_assert_msg(*len > 0, "'%s' is empty", path);
	return s;
}

static void free_paths(char **paths)
{
	for (size_t i = 0; i < report_n_formats; i++)
		free(paths[i]);
	free(paths);
}

/* The escapers copy runs of plain text at once: what they write is what
   the byte-at-a-time rules say, for every byte and any cut. */
static void xml_ref(struct rv_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '&') rv_buf_adds(b, "&amp;");
		else if (c == '<') rv_buf_adds(b, "&lt;");
		else if (c == '>') rv_buf_adds(b, "&gt;");
		else if (c == '"') rv_buf_adds(b, "&quot;");
		else if (c == '\'') rv_buf_adds(b, "&apos;");
		else if (c == '\t') rv_buf_adds(b, "&#9;");
		else if (c == '\n') rv_buf_adds(b, "&#10;");
		else if (c == '\r') rv_buf_adds(b, "&#13;");
		else if (c < 0x20 || c == 0x7f) rv_buf_adds(b, "\xef\xbf\xbd");
		else rv_buf_addch(b, (char)c);
	}
}

static void md_ref(struct rv_buf *b, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '<') rv_buf_adds(b, "&lt;");
		else if (c == '>') rv_buf_adds(b, "&gt;");
		else if (c == '&') rv_buf_adds(b, "&amp;");
		else if (c < 0x20 || c == 0x7f) rv_buf_addch(b, ' ');
		else if (strchr("|\\`*_[]#~", c)) {
			rv_buf_addch(b, '\\');
			rv_buf_addch(b, (char)c);
		} else rv_buf_addch(b, (char)c);
	}
}

START_TEST(test_escapes_match_the_byte_rules)
{
	unsigned seed = 17;

	for (int k = 0; k < 3000; k++) {
		struct rv_buf got = RV_BUF_INIT, want = RV_BUF_INIT;
		char s[64];
		size_t len = (size_t)rand_r(&seed) % sizeof(s), max, n;

		for (size_t i = 0; i < len; i++)	/* plain text, now and then
							   any byte */
			s[i] = (char)(rand_r(&seed) % 4 ? 'a' + rand_r(&seed) % 26 :
				      1 + rand_r(&seed) % 255);
		s[len] = '\0';
		max = (size_t)rand_r(&seed) % 80;
		n = !max || len <= max ? len : max;
		while (n < len && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		for (int f = 0; f < 2; f++) {
			rv_buf_reset(&got);
			rv_buf_reset(&want);
			(f ? report_md_esc : report_xml_esc)(&got, s, max);
			(f ? md_ref : xml_ref)(&want, s, n);
			if (n < len)
				rv_buf_adds(&want, "...");
			ck_assert_msg(got.len == want.len &&
				      !memcmp(got.data, want.data, got.len),
				      "%s of case %d differs", f ? "md" : "xml",
				      k);
		}
		rv_buf_release(&got);
		rv_buf_release(&want);
	}
}
END_TEST

START_TEST(test_the_table_is_whole)
{
	ck_assert_uint_gt(report_n_formats, 0);
	for (size_t i = 0; i < report_n_formats; i++) {
		const struct report_format *f = &report_formats[i];

		ck_assert(f->name && f->option && f->help && f->render);
		ck_assert_msg(!strncmp(f->option, "--", 2), "%s", f->option);
		ck_assert(!f->switch_option == !f->switch_set);
		ck_assert(!f->switch_option == !f->switch_help);
		for (size_t k = 0; k < i; k++) {
			const struct report_format *g = &report_formats[k];

			ck_assert_str_ne(f->name, g->name);
			ck_assert_str_ne(f->option, g->option);
			ck_assert(!f->file || !g->file || strcmp(f->file, g->file));
		}
	}
}
END_TEST

START_TEST(test_each_option_writes_its_format_and_only_it)
{
	for (size_t i = 0; i < report_n_formats; i++) {
		char **paths = rv_xcalloc(report_n_formats, sizeof(*paths));
		char *dir = rv_xasprintf("%s/only-%s", tmp, report_formats[i].name);
		char *mk = rv_xasprintf("mkdir '%s'", dir);
		size_t len;

		ck_assert_int_eq(rh_sh(mk, NULL), 0);
		paths[i] = rv_xasprintf("%s/out", dir);
		report_to(paths, NULL, NULL);
		free(read_nonempty(paths[i], &len));
		ck_assert_uint_eq(count_files(dir), 1);
		free_paths(paths);
		free(mk);
		free(dir);
	}
}
END_TEST

/*
 * One run with every option and --out: each option's file is the file
 * --out wrote under the format's name (the same rendering), the formats
 * are all different, --out wrote nothing else, and $GITHUB_STEP_SUMMARY
 * got the flagged formats with --step-summary, and nothing without.
 */
START_TEST(test_out_writes_every_format_as_its_option_does)
{
	char **paths = rv_xcalloc(report_n_formats, sizeof(*paths));
	char **body = rv_xcalloc(report_n_formats, sizeof(*body));
	size_t *len = rv_xcalloc(report_n_formats, sizeof(*len));
	char *dir = rv_xasprintf("%s/out/dir", tmp);
	char *gh = rv_xasprintf("%s/step-summary.md", tmp);
	char *gh_env = rv_xasprintf("GITHUB_STEP_SUMMARY=%s", gh);
	char *env[] = { gh_env, NULL };
	struct rv_buf want = RV_BUF_INIT;
	size_t in_dir = 0, gh_len = 0;
	char *summary;

	for (size_t i = 0; i < report_n_formats; i++)
		paths[i] = rv_xasprintf("%s/by-option.%s", tmp, report_formats[i].name);
	report_to(paths, dir, env);
	ck_assert_msg(access(gh, F_OK) != 0, "a report step wrote the step "
		      "summary without --step-summary");
	report_step(paths, dir, env, true);
	for (size_t i = 0; i < report_n_formats; i++) {
		const struct report_format *f = &report_formats[i];
		char *p, *s;
		size_t n;

		body[i] = read_nonempty(paths[i], &len[i]);
		for (size_t k = 0; k < i; k++)
			ck_assert_msg(len[k] != len[i] || memcmp(body[k], body[i], len[i]),
				      "%s and %s wrote the same", f->option,
				      report_formats[k].option);
		if (f->flags & REPORT_FORMAT_STEP_SUMMARY)
			rv_buf_add(&want, body[i], len[i]);
		if (!f->file)
			continue;
		in_dir++;
		p = rv_xasprintf("%s/%s", dir, f->file);
		s = read_nonempty(p, &n);
		ck_assert_msg(n == len[i] && !memcmp(s, body[i], n),
			      "'%s' differs from what %s wrote", p, f->option);
		free(s);
		free(p);
	}
	ck_assert_uint_eq(count_files(dir), in_dir);
	summary = tu_read_file(gh, &gh_len);
	if (want.len) {
		ck_assert_ptr_nonnull(summary);
		ck_assert(gh_len == want.len && !memcmp(summary, want.data, gh_len));
	} else {
		ck_assert_ptr_null(summary);
	}
	free(summary);
	rv_buf_release(&want);
	for (size_t i = 0; i < report_n_formats; i++)
		free(body[i]);
	free(body);
	free(len);
	free_paths(paths);
	free(env[0]);
	free(gh);
	free(dir);
}
END_TEST

START_TEST(test_help_names_every_option_and_switch)
{
	char *argv[] = { tu_build_path("runeval"), "report", "--help", NULL };
	char *out = NULL;

	ck_assert_int_eq(rh_run(argv, NULL, NULL, &out), 0);
	for (size_t i = 0; i < report_n_formats; i++) {
		const struct report_format *f = &report_formats[i];
		char *use = rv_xasprintf("[%s F]", f->option);
		char *line = rv_xasprintf("\n  %s F ", f->option);

		ck_assert_msg(strstr(out, use), "%s not in the synopsis", use);
		ck_assert_msg(strstr(out, line), "%s not described", f->option);
		free(use);
		free(line);
		if (!f->switch_option)
			continue;
		use = rv_xasprintf("[%s]", f->switch_option);
		line = rv_xasprintf("\n  %s ", f->switch_option);
		ck_assert_msg(strstr(out, use) && strstr(out, line), "%s", f->switch_option);
		free(use);
		free(line);
	}
	free(out);
	free(argv[0]);
}
END_TEST

START_TEST(test_an_option_without_a_file_is_a_usage_error)
{
	char *fixture = rh_fixture("result_docker.json");

	for (size_t i = 0; i < report_n_formats; i++) {
		const char *opt = report_formats[i].option;
		char *eq = rv_xasprintf("%s=", opt);
		char *msg = rv_xasprintf("runeval report: %s needs a file name (see runeval report --help)\n",
					 opt);
		char *bare[] = { tu_build_path("runeval"), "report", fixture,
				 (char *)opt, NULL };
		char *empty[] = { bare[0], "report", fixture, eq, NULL };
		char *out = NULL;

		ck_assert_int_eq(rh_run(bare, NULL, NULL, &out), 2);
		ck_assert_str_eq(out, msg);
		free(out);
		ck_assert_int_eq(rh_run(empty, NULL, NULL, &out), 2);
		ck_assert_str_eq(out, msg);
		free(out);
		free(bare[0]);
		free(msg);
		free(eq);
	}
	free(fixture);
}
END_TEST

/* A switch changes the rendering of its format. */
START_TEST(test_a_switch_changes_its_format)
{
	char *res = rh_fixture("result_docker.json");
	struct rv_err err = RV_ERR_INIT;
	struct report_set set;
	struct report_stats st;

	report_set_init(&set);
	ck_assert_msg(report_set_load(&set, res, &err) == RV_OK, "%s", err.msg);
	report_stats_compute(&st, &set, 0);
	for (size_t i = 0; i < report_n_formats; i++) {
		const struct report_format *f = &report_formats[i];
		struct report_view v = { .set = &set, .st = &st };
		struct rv_buf plain = RV_BUF_INIT, switched = RV_BUF_INIT;

		if (!f->switch_option)
			continue;
		report_view_times(&v);
		f->render(&v, &plain);
		f->switch_set(&v);
		f->render(&v, &switched);
		ck_assert_msg(plain.len != switched.len ||
			      memcmp(plain.data, switched.data, plain.len),
			      "%s does not change %s", f->switch_option, f->option);
		rv_buf_release(&plain);
		rv_buf_release(&switched);
	}
	report_stats_release(&st);
	report_set_release(&set);
	free(res);
}
END_TEST

START_TEST(test_a_job_writes_every_format_with_a_file)
{
	char *res = rh_fixture("result_docker.json");
	char *dir = rv_xasprintf("%s/job", tmp);
	struct rv_err err = RV_ERR_INIT;
	size_t in_dir = 0, len;

	ck_assert_msg(report_write_job(res, dir, NULL, &err) == RV_OK, "%s", err.msg);
	for (size_t i = 0; i < report_n_formats; i++) {
		char *p;

		if (!report_formats[i].file)
			continue;
		p = rv_xasprintf("%s/%s", dir, report_formats[i].file);
		free(read_nonempty(p, &len));
		free(p);
		in_dir++;
	}
	ck_assert_uint_eq(count_files(dir), in_dir);
	free(dir);
	free(res);
}
END_TEST

static Suite *report_format_suite(void)
{
	Suite *s = suite_create("report_format");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, rh_tmp_setup, rh_tmp_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_the_table_is_whole);
	tcase_add_test(tc, test_escapes_match_the_byte_rules);
	tcase_add_test(tc, test_each_option_writes_its_format_and_only_it);
	tcase_add_test(tc, test_out_writes_every_format_as_its_option_does);
	tcase_add_test(tc, test_help_names_every_option_and_switch);
	tcase_add_test(tc, test_an_option_without_a_file_is_a_usage_error);
	tcase_add_test(tc, test_a_switch_changes_its_format);
	tcase_add_test(tc, test_a_job_writes_every_format_with_a_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(report_format_suite()) ? 1 : 0;
}
