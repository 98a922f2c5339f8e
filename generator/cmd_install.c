/* SPDX-License-Identifier: MIT */
/* mailconf install: one person's rc files where the programs look, with
 * the Maildir mbsync needs. */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "outdir.h"
#include "output.h"
#include "spec.h"
#include "team.h"
#include "xalloc.h"

/* maildir_path is where the mbsync file's Maildir lives, "~/" resolved
 * against home (owned). */
static char *
maildir_path(const struct model *m, const struct view_opts *user,
             const char *home)
{
	struct object *v = view_build(m, user);
	const char *md = object_get(v, "maildir")->text;
	char *path = strncmp(md, "~/", 2) == 0 ? xasprintf("%s%s", home, md + 1)
	                                       : xstrdup(md);

	object_free(v);
	return path;
}

/* cmd_install puts one person's rc files where the programs look, with
 * the Maildir mbsync needs; it never replaces a file that is not
 * mailconf's without --force, and then keeps the old one. --check and
 * --dry-run go through the same plan, writing nothing. */
int
cmd_install(const struct opts *o)
{
	struct diag d = DIAG_INIT;
	struct plan plan = PLAN_INIT;
	struct changes changes = CHANGES_INIT;
	struct tset *tmpls;
	struct model *m = NULL;
	char **known, *maildir = NULL;
	const char *home = o->home != NULL ? o->home : getenv("HOME");
	struct outroot *root = NULL;
	/* --check and --dry-run write nothing: no file, directory, manifest
	 * or lock. */
	bool dry = o->check || o->dry_run;
	int rc = check_targets(o);

	diag_setup(o, &d);
	if (rc == 0)
		rc = check_modes(o);
	if (rc != 0)
		return rc;
	for (const struct target *t = targets; t->name != NULL; t++)
		if (named(o, t) && t->install == NULL)
			return usage(
			    o,
			    "install puts rc files in place: target %s "
			    "is not one (mailconf generate writes it)",
			    t->name);
	if (o->user.email == NULL)
		return usage(o, "install sets up one person: give --email ADDR "
		                "(generate --users writes files for a team)");
	if (o->nspecs > 1)
		return usage(o, "install takes one SPEC");
	if (home == NULL || home[0] != '/')
		return usage(o,
		             "install needs an absolute --home DIR (or $HOME)");
	if (!view_opts_check(&o->user, NULL, NULL, &d)) {
		/* The messages say what is wrong; the usage would bury them. */
		diag_flush(&d, stderr);
		diag_free(&d);
		return EXIT_USAGE;
	}
	d.no_notes = true;
	tmpls = load_templates(o, &d, NULL);
	known = spec_known_hosts(o->presets_dir);
	m = load_model(o, o->nspecs > 0 ? o->specs[0] : NULL, known, &d);
	spec_free_names(known);
	if (m == NULL || d.errors > 0)
		goto out;
	root = outroot_open(home, &d);
	if (root != NULL && !outroot_exists(root)) {
		diag_error(&d, NULL,
		           "install: the home directory %s is not there; "
		           "mailconf does not create homes",
		           home);
		rc = EXIT_USAGE;
		goto out;
	}
	/* A dry run only reads: it waits for a writer, not for readers. */
	if (root == NULL || !outroot_lock(root, !dry, &d)) {
		rc = EXIT_USAGE;
		goto out;
	}
	plan.root = home;
	plan.out = root;
	render_person(o, m, tmpls, &o->user, home, true, R_FULL, &plan, &d);
	for (const struct target *t = targets; t->name != NULL; t++)
		if (t->maildir && wanted(o, t) && maildir == NULL)
			maildir = maildir_path(m, &o->user, home);
	if (d.errors > 0)
		goto out;
	changes.check = o->check;
	changes.diffs = o->diff || o->dry_run;
	changes.backup = true;
	/* mbsync does not create its Maildir's top directory. A Maildir
	 * outside the home is the user's own path: made as named. */
	if (maildir != NULL && strncmp(maildir, home, strlen(home)) == 0 &&
	    maildir[strlen(home)] == '/')
		plan_add_dir(&plan, maildir, 0700);
	else if (maildir != NULL) {
		struct outroot *md = outroot_open(maildir, &d);

		if (md == NULL || (!dry && !outroot_create(md, &d)))
			rc = EXIT_USAGE;
		else if (dry && !outroot_exists(md))
			changes_add(&changes, CHANGE_DIR, maildir, NULL, 0,
			            NULL, 0, 0700);
		outroot_free(md);
		if (rc != 0)
			goto out;
	}
	plan.backup = true;
	plan.durable = true;
	/* A check compares content: whose the file is, is the real run's
	 * (or --dry-run's) question. */
	plan.force = o->force || o->check;
	if (dry) {
		int written = 0, unchanged = 0;

		plan.dry = &changes;
		plan_write(&plan, &d, &written, &unchanged);
		if (!changes_print(&changes, d.errors > 0) || plan.io_error)
			rc = EXIT_USAGE;
		else if (o->check && changes.n > 0)
			rc = 1;
		goto out;
	}
	d.no_notes = false;
	if (plan_check(&plan, o->force, &d)) {
		int written = 0, unchanged = 0;

		if (!plan_write(&plan, &d, &written, &unchanged))
			rc = plan.io_error ? EXIT_USAGE : 0;
		else if (!o->quiet)
			say("mailconf: %d written, %d unchanged\n", written,
			    unchanged);
	}
out:
	tset_free(tmpls);
	free(maildir);
	model_free(m);
	plan_free(&plan);
	changes_free(&changes);
	outroot_free(root);
	return finish(&d, rc);
}
