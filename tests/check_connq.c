/* Unit tests of rv_connq: the connection bound that sheds idle ones first. */
#include "testutil.h"

#include "rv_connq.h"

#include <stdlib.h>
#include <sys/resource.h>

struct conn {
	struct rv_connq_node node;
	int id;
};

START_TEST(test_connq_sheds_oldest_waiting)
{
	struct rv_connq q;
	struct conn c[6];
	bool refuse;

	rv_connq_init(&q, 3);
	for (int i = 0; i < 3; i++) {
		c[i].id = i;
		ck_assert_ptr_null(rv_connq_add(&q, &c[i].node, &c[i],
						&refuse));
		ck_assert(!refuse);
	}
	/* 0 got its head: busy, never shed; 1 is the oldest waiting */
	rv_connq_busy(&q, &c[0].node);
	ck_assert_ptr_eq(rv_connq_add(&q, &c[3].node, &c[3], &refuse), &c[1]);
	ck_assert(!refuse);
	ck_assert_uint_eq(q.count, 4);	/* 1 counts until it is closed */
	rv_connq_remove(&q, &c[1].node);
	ck_assert_uint_eq(q.count, 3);
	/* 0 is answered and waits again: now behind 2 and 3 */
	rv_connq_wait(&q, &c[0].node);
	ck_assert_ptr_eq(rv_connq_add(&q, &c[4].node, &c[4], &refuse), &c[2]);
	rv_connq_remove(&q, &c[2].node);
	ck_assert_ptr_eq(rv_connq_add(&q, &c[5].node, &c[5], &refuse), &c[3]);
	rv_connq_remove(&q, &c[3].node);
	ck_assert_uint_eq(q.count, 3);
	/* removing twice, or a node never added, changes nothing */
	rv_connq_remove(&q, &c[3].node);
	ck_assert_uint_eq(q.count, 3);
}
END_TEST

START_TEST(test_connq_refuses_when_all_busy)
{
	struct rv_connq q;
	struct conn c[3];
	bool refuse;

	rv_connq_init(&q, 2);
	for (int i = 0; i < 2; i++) {
		rv_connq_add(&q, &c[i].node, &c[i], &refuse);
		rv_connq_busy(&q, &c[i].node);
	}
	ck_assert_ptr_null(rv_connq_add(&q, &c[2].node, &c[2], &refuse));
	ck_assert(refuse);
	ck_assert_uint_eq(q.count, 2);
	rv_connq_remove(&q, &c[2].node);	/* never counted */
	ck_assert_uint_eq(q.count, 2);
	rv_connq_remove(&q, &c[0].node);
	ck_assert_ptr_null(rv_connq_add(&q, &c[2].node, &c[2], &refuse));
	ck_assert(!refuse);
}
END_TEST

/* rv_connq_fit raises the soft descriptor limit, or lowers the bound. */
START_TEST(test_connq_fit)
{
	struct rlimit r;

	/* valgrind keeps descriptors of its own and fakes this limit */
	if (getenv("RUNEVAL_VALGRIND"))
		return;
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &r), 0);
	if (r.rlim_max == RLIM_INFINITY || r.rlim_max < 2000)
		return;		/* nothing to show on this host */
	r.rlim_cur = 300;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &r), 0);
	ck_assert_uint_eq(rv_connq_fit(500, 2, 256), 500);
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &r), 0);
	ck_assert_uint_ge(r.rlim_cur, 1256);
	r.rlim_cur = r.rlim_max = 756;	/* (each test runs in a fork) */
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &r), 0);
	ck_assert_uint_eq(rv_connq_fit(500, 2, 256), 250);
	ck_assert_uint_eq(rv_connq_fit(10, 2, 256), 10);
}
END_TEST

static Suite *connq_suite(void)
{
	Suite *s = suite_create("connq");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_connq_sheds_oldest_waiting);
	tcase_add_test(tc, test_connq_refuses_when_all_busy);
	tcase_add_test(tc, test_connq_fit);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return tu_run_suite(connq_suite()) ? 1 : 0;
}
