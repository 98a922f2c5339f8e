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

#include "outdir.h"
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
				diag_warn(d, "not-written", NULL,
				          "%s: not written: %s", t->name,
				          t->needs_why);
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
		} else {
			plan.force = o->force;
			ok = plan_write(&plan, wd, written, unchanged) ||
			     !plan.io_error;
		}
	}
	plan_free(&plan);
	return ok;
}

bool
emit_dry(const struct opts *o, const struct model *m, const struct tset *tmpls,
         const struct person *p, struct outroot *r, struct changes *c,
         struct diag *d)
{
	struct plan plan = PLAN_INIT;
	int before = d->errors, written = 0, unchanged = 0;
	bool ok = true;

	plan.root = o->out_dir;
	plan.out = r;
	plan.dry = c;
	if (o->out_dir != NULL && strcmp(p->dir, o->out_dir) == 0)
		plan.recipe = o->recipe;
	/* A check compares content: whose a file is, is for --dry-run. */
	plan.force = o->force || o->check;
	plan.content_only = o->check;
	d->context = p->at.file != NULL ? &p->at : NULL;
	render_person(o, m, tmpls, &p->user, p->dir, false, R_FULL, &plan, d);
	/* A person whose files fail their checks gets none written. */
	if (d->errors == before) {
		plan_write(&plan, d, &written, &unchanged);
		ok = !plan.io_error;
	}
	d->context = NULL;
	plan_free(&plan);
	return ok;
}

bool
team_recipe(const struct opts *o, struct outroot *r, struct txn *t,
            struct changes *dry, struct diag *d)
{
	struct plan plan = PLAN_INIT;
	int written = 0, unchanged = 0;
	bool ok;

	if (o->recipe == NULL || o->users == NULL)
		return true;
	plan.root = o->out_dir;
	plan.out = r;
	plan.txn = t;
	plan.dry = dry;
	plan.force = o->force || (dry != NULL && o->check);
	plan.content_only = dry != NULL && o->check;
	plan.recipe = o->recipe;
	plan_add_dir(&plan, o->out_dir, 0755);
	ok = plan_write(&plan, d, &written, &unchanged) || !plan.io_error;
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

/* write_team writes everyone's files into --out after the check pass
 * (which looked at the people whose directories are there): one
 * transaction for the whole team, each person's changed files staged
 * beside their final names, renamed into place once everyone passed.
 * When someone fails, the staged files and the new directories are
 * removed: nothing is written. With --keep-going, the good people's
 * files are written. */
int
write_team(const struct opts *o, const struct model *m,
           const struct tset *tmpls, struct people *v, struct diag *d,
           int *written, int *unchanged)
{
	struct diag rows = DIAG_INIT, again = DIAG_INIT;
	struct outroot *r = outroot_open(o->out_dir, d);
	struct txn *t = NULL;
	struct person p;
	int rc = 0;
	bool rows_ok = d->errors == 0;
	/* Whether the check pass found the root (it checked what was there):
	 * made here first, so that two runs meet at its lock. */
	bool root_was = r != NULL && outroot_exists(r);

	if (r == NULL || !outroot_create(r, d) || !outroot_lock(r, true, d)) {
		outroot_free(r);
		return EXIT_USAGE;
	}
	t = txn_new(r, false);
	/* The rows' faults were reported by the check pass, which found
	 * none when rows_ok: the later pass need not check them again. */
	rows.no_notes = again.no_notes = true;
	if (!people_rewind(v, &rows, rows_ok, d))
		goto out;
	while (rc == 0 && people_next(v, &p)) {
		struct plan plan = PLAN_INIT;
		struct stat st;
		/* A person whose directory was there was checked whole by
		 * the first pass, which reported their faults; a new one is
		 * checked now (all are when the root was not there). */
		bool checked = root_was && (strcmp(p.dir, o->out_dir) == 0 ||
		                            lstat(p.dir, &st) == 0);
		struct diag *pd = checked && !rows_ok ? &again : d;
		int before = pd->errors;

		plan.root = o->out_dir;
		plan.out = r;
		plan.txn = t;
		plan.force = o->force;
		if (strcmp(p.dir, o->out_dir) == 0)
			plan.recipe = o->recipe;
		d->context = p.at.file != NULL ? &p.at : NULL;
		render_person(o, m, tmpls, &p.user, p.dir, false,
		              checked ? R_FINAL : R_FULL, &plan, pd);
		/* After a fault, the others are still checked, not staged. */
		if (pd->errors == before && (d->errors == 0 || o->keep_going) &&
		    plan.n > 0 &&
		    (pd == d || plan_check(&plan, o->force, &again)) &&
		    !plan_write(&plan, d, written, unchanged) &&
		    (plan.io_error || !o->keep_going))
			rc = plan.io_error ? EXIT_USAGE : 1;
		d->context = NULL;
		plan_free(&plan);
		if (out_interrupted() != 0)
			rc = EXIT_USAGE;
	}
	if (rc == 0 && (d->errors == 0 || o->keep_going) &&
	    !team_recipe(o, r, t, NULL, d))
		rc = EXIT_USAGE;
	if (rc == 0 && (d->errors == 0 || o->keep_going)) {
		if (!txn_commit(t, d))
			rc = EXIT_USAGE;
	} else
		txn_abort(t);
	if (rc == 1)
		rc = 0; /* an input error: the status says 1 */
out:
	txn_free(t);
	outroot_free(r);
	diag_free(&rows);
	diag_free(&again);
	return rc;
}
