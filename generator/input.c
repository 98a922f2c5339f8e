/* SPDX-License-Identifier: MIT */
/* Opening an input: refused unless a regular file of a bounded size. */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "input.h"

/* kind says what a file that is not a regular one is; a directory in the
 * system's own words, as mailconf has always said it. */
static const char *
kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return strerror(EISDIR);
	if (S_ISFIFO(mode))
		return "not a regular file (a FIFO)";
	if (S_ISCHR(mode))
		return "not a regular file (a character device)";
	if (S_ISBLK(mode))
		return "not a regular file (a block device)";
	if (S_ISSOCK(mode))
		return "not a regular file (a socket)";
	if (S_ISLNK(mode))
		return "not a regular file (a symbolic link)";
	return "not a regular file";
}

static bool
over(const struct stat *st, size_t max)
{
	return (unsigned long long)st->st_size > (unsigned long long)max;
}

int
input_open(const char *path, size_t max, unsigned flags, const char **why)
{
	bool nofollow = (flags & INPUT_NOFOLLOW) != 0;
	struct stat st;
	int fd, fl;

	/* Looked at before it is opened: opening a device may act (a tape
	 * rewinds), and opening a FIFO waits for a writer. */
	if ((nofollow ? lstat(path, &st) : stat(path, &st)) != 0) {
		*why = strerror(errno);
		return INPUT_FAILED;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = kind(st.st_mode);
		return INPUT_FAILED;
	}
	if (over(&st, max))
		return INPUT_TOO_LARGE;
	/* The path may have been swapped since: O_NONBLOCK keeps a FIFO
	 * from blocking the open, and the descriptor is checked again. */
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC |
	                    (nofollow ? O_NOFOLLOW : 0));
	if (fd < 0) {
		*why = nofollow && errno == ELOOP ? kind(S_IFLNK)
		                                  : strerror(errno);
		return INPUT_FAILED;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*why = S_ISREG(st.st_mode) ? strerror(errno) : kind(st.st_mode);
		close(fd);
		return INPUT_FAILED;
	}
	if (over(&st, max)) {
		close(fd);
		return INPUT_TOO_LARGE;
	}
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		*why = strerror(errno);
		close(fd);
		return INPUT_FAILED;
	}
	return fd;
}

int
input_slurp(int fd, struct buf *b, size_t max, const char **why)
{
	size_t start = b->len, first = 65536;
	struct stat st;

	/* One allocation for a file that does not grow while it is read. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		first = (over(&st, max) ? max : (size_t)st.st_size) + 1;
	buf_reserve(b, b->len + first);
	for (;;) {
		size_t room, left = max + 1 - (b->len - start);
		ssize_t n;

		if (b->cap - b->len <= 1)
			buf_reserve(b, b->len + 65536);
		room = b->cap - b->len - 1;
		n = read(fd, b->data + b->len, room < left ? room : left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*why = strerror(errno);
			return INPUT_FAILED;
		}
		b->len += (size_t)n;
		b->data[b->len] = '\0';
		if (b->len - start > max)
			return INPUT_TOO_LARGE;
		if (n == 0)
			return 0;
	}
}

int
input_read(struct buf *b, const char *path, size_t max, unsigned flags,
           const char **why)
{
	size_t start = b->len;
	int fd = input_open(path, max, flags, why), rc;

	if (fd < 0)
		return fd;
	rc = input_slurp(fd, b, max, why);
	close(fd);
	if (rc != 0) {
		b->len = start;
		if (b->data != NULL)
			b->data[start] = '\0';
	}
	return rc;
}
