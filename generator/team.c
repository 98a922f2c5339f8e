/* SPDX-License-Identifier: MIT */
/* The people files are for: one person's files rendered into a plan, and
 * a team's (--users), checked whole, then staged and written. */
#include <sys/stat.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "output.h"
#include "team.h"
#include "xalloc.h"

void
render_person(const struct opts *o, const struct model *m,
              const struct tset *tmpls, const struct view_opts *user,
              const char *dir, bool install, enum rmode mode, struct plan *plan,
              struct diag *d)
{
	struct view_opts who = *user;
	struct object *view;
	struct buf path = BUF_INIT;
	int absent = -1; /* dir (or -o FILE) is missing; -1: not yet known */

	who.no_apple = true;
	for (const struct target *t = targets; t->name != NULL; t++)
		if (t->apple_ids && wanted(o, t))
			who.no_apple = false;
	view = view_build(m, &who);

	for (size_t i = 0; targets[i].name != NULL; i++) {
		const struct target *t = &targets[i];
		struct buf b = BUF_INIT;
		const struct tmpl *tp = tset_get(tmpls, t, user->lang);
		struct stat st;

		if (tp == NULL)
			continue;
		if (t->needs != NULL && object_get(view, t->needs)->n == 0) {
			/* Asked for by name it is an error; among "all", a
			 * format this provider cannot have is left out. */
			if (mode == R_FINAL)
				continue;
			if (o->targets != NULL)
				diag_error(d, NULL, "%s: %s", t->name,
				           t->needs_why);
			else
				diag_warn(d, NULL, "%s: not written: %s",
				          t->name, t->needs_why);
			continue;
		}
		buf_reset(&path);
		if (o->out_file != NULL)
			buf_puts(&path, o->out_file);
		else {
			buf_puts(&path, dir);
			buf_putc(&path, '/');
			buf_puts(&path, install ? t->install : t->output);
		}
		if (mode == R_SKETCH && t->check == NULL && t->finish == NULL &&
		    !to_stdout(o)) {
			if (absent < 0)
				absent = lstat(o->out_file != NULL ? o->out_file
				                                   : dir,
				               &st) != 0 &&
				         errno == ENOENT;
			/* Nothing there to compare with: the content is not
			 * needed yet (one lstat for a new person's
			 * directory). */
			if (absent || (lstat(buf_cstr(&path), &st) != 0 &&
			               errno == ENOENT)) {
				plan_add_unrendered(plan, buf_cstr(&path),
				                    t->mode);
				continue;
			}
		}
		if (render_target(t, tp, view, mode != R_FINAL, &o->finish, &b,
		                  d) != RENDER_OK) {
			buf_free(&b);
			continue;
		}
		plan_add(plan, buf_cstr(&path), &b, t->mode);
	}
	buf_free(&path);
	object_free(view);
}

bool
people_open(const struct opts *o, struct people *v, struct diag *d)
{
	memset(v, 0, sizeof(*v));
	v->one.user = o->user;
	v->one.dir = o->out_dir != NULL ? o->out_dir : ".";
	if (o->users == NULL)
		return true;
	v->users = users_open(o->users, &o->user, o->out_dir, d);
	return v->users != NULL;
}

bool
people_next(struct people *v, struct person *p)
{
	if (v->users != NULL)
		return users_next(v->users, p);
	*p = v->one;
	return !v->given && (v->given = true);
}

static bool
people_rewind(struct people *v, struct diag *d, bool trusted,
              struct diag *report)
{
	v->given = false;
	return v->users == NULL || users_rewind(v->users, d, trusted, report);
}

/* emit renders one person's files (how much: mode) and checks them,
 * reporting to d; with write, the files that passed are written, and a
 * failed write is reported to wd. */
bool
emit(const struct opts *o, const struct model *m, const struct tset *tmpls,
     const struct person *p, enum rmode mode, bool write, struct diag *d,
     struct diag *wd, int *written, int *unchanged)
{
	struct plan plan = PLAN_INIT;
	int before = d->errors;
	bool ok = true;
	struct stat st;

	if (mode == R_EXISTING) {
		if (lstat(p->dir, &st) != 0 && errno == ENOENT)
			return true;
		mode = R_SKETCH;
	}
	plan.root = o->out_dir;
	/* A team's faults name the row they come from. */
	d->context = p->at.file != NULL ? &p->at : NULL;
	render_person(o, m, tmpls, &p->user, p->dir, false, mode, &plan, d);
	/* Even after the check pass: a directory may have appeared since. */
	if (!to_stdout(o) && (o->out_dir != NULL || o->out_file != NULL))
		plan_check(&plan, o->force, d);
	d->context = NULL;
	if (write && d->errors == before) {
		if (to_stdout(o)) {
			const struct buf *b = &plan.files[0].data;

			if (fwrite(buf_cstr(b), 1, b->len, stdout) != b->len ||
			    fflush(stdout) != 0) {
				diag_error(wd, NULL,
				           "cannot write to standard output");
				ok = false;
			}
		} else
			ok = plan_write(&plan, wd, written, unchanged);
	}
	plan_free(&plan);
	return ok;
}

/* write_one writes the command line's person's one file (-o FILE, -o -)
 * after the check pass: rendered again, as that pass kept nothing. */
int
write_one(const struct opts *o, const struct model *m, const struct tset *tmpls,
          struct people *v, struct diag *d, int *written, int *unchanged)
{
	struct diag again = DIAG_INIT;
	bool clean = d->errors == 0;
	struct person p;
	int rc = 0;

	again.no_notes = true;
	if (!people_rewind(v, &again, clean, d)) {
		diag_free(&again);
		return 0;
	}
	while (rc == 0 && people_next(v, &p))
		if (!emit(o, m, tmpls, &p, clean ? R_FINAL : R_FULL, true,
		          clean ? d : &again, d, written, unchanged))
			rc = EXIT_USAGE;
	diag_free(&again);
	return rc;
}

/* run_tag names this run's staged files: six letters or digits. */
static void
run_tag(char tag[7])
{
	static const char digits[] = "abcdefghijklmnopqrstuvwxyz"
	                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned long long v = ((unsigned long long)getpid() << 32 ^
	                        (unsigned long long)time(NULL)) *
	                       0x9e3779b97f4a7c15u;

	for (int i = 0; i < 6; i++, v /= 62)
		tag[i] = digits[v % 62];
	tag[6] = '\0';
}

/* existing_prefix returns how many of dir's leading bytes name a
 * directory that is there: what staging must not remove. */
static size_t
existing_prefix(const char *dir)
{
	char *p = xstrdup(dir);
	size_t kept = strlen(p);
	struct stat st;

	while (kept > 0 && lstat(p, &st) != 0) {
		while (kept > 0 && p[kept - 1] != '/')
			kept--;
		while (kept > 1 && p[kept - 1] == '/')
			kept--;
		p[kept] = '\0';
	}
	free(p);
	return kept;
}

/* make_new_dir creates dir, and its missing ancestors; true only when
 * dir itself is new (another process may have made it meanwhile). */
static bool
make_new_dir(const char *dir, struct diag *d)
{
	char *parent;
	char *slash;
	bool ok;

	if (mkdir(dir, 0755) == 0)
		return true;
	if (errno != ENOENT)
		return false;
	parent = xstrdup(dir);
	slash = strrchr(parent, '/');
	if (slash != NULL && slash != parent)
		*slash = '\0';
	ok = slash != NULL && slash != parent &&
	     output_mkdirs(parent, 0755, d) && mkdir(dir, 0755) == 0;
	free(parent);
	return ok;
}

/* unmake_dirs removes dir and its ancestors down to the first kept
 * bytes (existing_prefix's), when they are empty. */
static void
unmake_dirs(const char *dir, size_t kept)
{
	char *p = xstrdup(dir);
	size_t n = strlen(p);

	while (n > kept && rmdir(p) == 0) {
		while (n > 0 && p[n - 1] != '/')
			n--;
		while (n > 1 && p[n - 1] == '/')
			n--;
		p[n] = '\0';
	}
	free(p);
}

/* write_team writes everyone's files into --out after the check pass
 * (which looked at the people whose directories are there). A person
 * whose directory is new is rendered and checked once, and staged there
 * under temporary names; once everyone passed, the staged files are
 * renamed into place and the others written as usual. When someone
 * fails, the staged files and the new directories are removed: nothing
 * is written. With --keep-going, the good people's files are written. */
int
write_team(const struct opts *o, const struct model *m,
           const struct tset *tmpls, struct people *v, struct diag *d,
           int *written, int *unchanged)
{
	struct diag rows = DIAG_INIT, again = DIAG_INIT;
	const char *names[32];
	size_t nnames = 0, kept;
	struct person p;
	char tag[7];
	int rc = 0;
	bool commit, rows_ok = d->errors == 0;

	for (size_t i = 0; targets[i].name != NULL && nnames < 31; i++)
		if (tset_loaded(tmpls, &targets[i]))
			names[nnames++] = targets[i].output;
	names[nnames] = NULL;
	run_tag(tag);
	kept = existing_prefix(o->out_dir);
	/* The rows' faults were reported by the check pass, which found
	 * none when rows_ok: the later passes need not check them again. */
	rows.no_notes = again.no_notes = true;
	if (!people_rewind(v, &rows, rows_ok, d))
		goto out;
	while (rc == 0 && people_next(v, &p)) {
		struct plan plan = PLAN_INIT;
		struct stat st;
		int before = d->errors;

		if (lstat(p.dir, &st) == 0 || errno != ENOENT)
			continue; /* checked already; written below */
		plan.root = o->out_dir;
		d->context = p.at.file != NULL ? &p.at : NULL;
		render_person(o, m, tmpls, &p.user, p.dir, false, R_FULL, &plan,
		              d);
		d->context = NULL;
		/* After a fault, the others are still checked, not staged.
		 * A person with no file gets no directory. */
		if (d->errors == before && (d->errors == 0 || o->keep_going) &&
		    plan.n > 0 && make_new_dir(p.dir, d) &&
		    !plan_stage(&plan, tag, d)) {
			stage_drop(p.dir, names, tag);
			rmdir(p.dir);
			rc = EXIT_USAGE;
		}
		plan_free(&plan);
	}
	commit = rc == 0 && (d->errors == 0 || o->keep_going);
	/* Changed since: its rows no longer name what was staged, which the
	 * next run sweeps. */
	if (!people_rewind(v, &rows, rows_ok, d))
		goto out;
	while (people_next(v, &p)) {
		int staged =
		    commit ? stage_commit(p.dir, names, tag, written, d) : 0;

		if (!commit)
			stage_drop(p.dir, names, tag);
		else if (staged < 0) {
			rc = EXIT_USAGE;
			break;
		} else if (staged == 0 &&
		           !emit(o, m, tmpls, &p,
		                 d->errors == 0 ? R_FINAL : R_FULL, true,
		                 d->errors == 0 ? d : &again, d, written,
		                 unchanged)) {
			rc = EXIT_USAGE;
			break;
		}
	}
	if (!commit)
		unmake_dirs(o->out_dir, kept);
out:
	diag_free(&rows);
	diag_free(&again);
	return rc;
}
