/* SPDX-License-Identifier: MIT */
/* The people files are for: one person, or a team of a users file. */
#ifndef MAILCONF_TEAM_H
#define MAILCONF_TEAM_H

#include <stdbool.h>

#include "cli.h"
#include "output.h"
#include "users.h"

/* How much of the work render_person does: a team is checked whole before a
 * file is written (R_SKETCH), then rendered again and written (R_FINAL). */
enum rmode {
	R_FULL,     /* render, check and finish every target */
	R_SKETCH,   /* only what a check reads: a target with no check and no
	               finisher is rendered only to compare with a file that
	               is already there */
	R_FINAL,    /* the R_SKETCH run was clean: skip the checks it made and
	               the warnings it gave */
	R_EXISTING, /* R_SKETCH for a person whose directory is there; one
	               whose directory is not is checked when staged */
};

/* render_person renders every wanted target of m for one person (user)
 * into plan: template and escaper into a buffer, the format's check, its
 * finisher (render_target). Files go to -o FILE, into dir, or (install)
 * to dir/t->install. */
void render_person(const struct opts *o, const struct model *m,
                   const struct tset *tmpls, const struct view_opts *user,
                   const char *dir, bool install, enum rmode mode,
                   struct plan *plan, struct diag *d);

/* A run over the people files are for: the command line's person, or the
 * good rows of --users, one at a time, so that memory does not grow with
 * the team. */
struct people {
	struct users *users; /* NULL: just the command line's person */
	struct person one;
	bool given; /* the command line's person was given */
};

/* people_open starts a run over the people of o (--users, or the
 * command line's person); false on error, reported. users_close(v->users)
 * ends it. */
bool people_open(const struct opts *o, struct people *v, struct diag *d);
/* people_next gives the next person in *p; false at the end. */
bool people_next(struct people *v, struct person *p);
/* emit renders one person's files (how much: mode) and checks them,
 * reporting to d; with write, the files that passed are written, and a
 * failed write is reported to wd. False when a write failed. */
bool emit(const struct opts *o, const struct model *m, const struct tset *tmpls,
          const struct person *p, enum rmode mode, bool write, struct diag *d,
          struct diag *wd, int *written, int *unchanged);
/* emit_dry is emit for a dry run (--check, --dry-run): one person's
 * files rendered and checked as emit does, then given to plan_write's dry
 * run, which lists in c what the real run would write. r is the root,
 * opened (and locked) by the caller, or NULL (-o FILE: its directory).
 * False when the dry run could not look (the lock). */
bool emit_dry(const struct opts *o, const struct model *m,
              const struct tset *tmpls, const struct person *p,
              struct outroot *r, struct changes *c, struct diag *d);
/* write_one writes the command line's person's one file (-o FILE, -o -)
 * after the check pass; write_team writes a team's into --out. Both give
 * 0, or EXIT_USAGE when a write failed. */
int write_one(const struct opts *o, const struct model *m,
              const struct tset *tmpls, struct people *v, struct diag *d,
              int *written, int *unchanged);
/* team_recipe stages in t (or, with dry, lists) the manifest of a team's
 * root, which holds no person's files, with how the folder is made
 * (recipe.h); nothing without --users or a recipe. False on a write
 * error, reported. */
bool team_recipe(const struct opts *o, struct outroot *r, struct txn *t,
                 struct changes *dry, struct diag *d);
int write_team(const struct opts *o, const struct model *m,
               const struct tset *tmpls, struct people *v, struct diag *d,
               int *written, int *unchanged);

#endif
