// SPDX-License-Identifier: Apache-2.0
/*
 * Temporary directory trees for unit tests: a fake /sys, /proc or cgroup mount laid out
 * file by file, read back, and removed. Include after <cmocka.h>. Test code only.
 */
#ifndef RTVMM_TESTS_TEMP_TREE_H
#define RTVMM_TESTS_TEMP_TREE_H

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Creates /tmp/rtvmm-NAME-XXXXXX into @root (readable by every user, for tests that drop
 * privileges). */
static inline void tree_make(char *root, size_t len, const char *name)
{
	snprintf(root, len, "/tmp/rtvmm-%s-XXXXXX", name);
	assert_non_null(mkdtemp(root));
	assert_int_equal(chmod(root, 0755), 0);
}

/* Writes @text to @root/@rel, creating the folders on the way. */
static inline void tree_put(const char *root, const char *rel, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *p = strchr(path + strlen(root) + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = 0;
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* The content of @root/@rel, or "<missing>"; valid until the next call. */
static inline const char *tree_get(const char *root, const char *rel)
{
	static char buf[1024];
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "r");
	if (!f)
		return "<missing>";
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = 0;
	fclose(f);
	return buf;
}

static inline int tree_remove_one(const char *path, const struct stat *st, int flag,
				  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Removes @root and everything below it. */
static inline void tree_remove(const char *root)
{
	nftw(root, tree_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

#endif
