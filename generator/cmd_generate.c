/* SPDX-License-Identifier: MIT */
/* mailconf generate and check: a spec, for a person or a team, checked
 * whole, then written (generate), or compared with what is there
 * (generate --check, --dry-run). */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "outdir.h"
#include "spec.h"
#include "team.h"
#include "xalloc.h"

/* skipped lists the per-user targets left out for want of --email. */
static char *
skipped(const struct opts *o)
{
	struct buf b = BUF_INIT;
	char *s;

	for (const struct target *t = targets; t->name != NULL; t++)
		if (o->targets == NULL && !wanted(o, t))
			buf_printf(&b, "%s%s", b.len > 0 ? ", " : "", t->name);
	s = xstrdup(buf_cstr(&b));
	buf_free(&b);
	return s;
}

static int
cmd_generate_or_check(const struct opts *o, bool generate)
{
	struct diag d = DIAG_INIT;
	struct tset *tmpls;
	struct changes changes = CHANGES_INIT;
	struct outroot *guard = NULL;
	char **known;
	size_t nwanted = 0;
	/* generate --check and --dry-run write nothing: no file, directory,
	 * manifest or lock. */
	bool dry = generate && (o->check || o->dry_run);
	int rc = check_targets(o);

	diag_setup(o, &d);
	if (rc == 0)
		rc = check_modes(o);
	if (rc != 0)
		return rc;
	if (o->nspecs == 0 && o->preset == NULL)
		return usage(
		    o,
		    "%s needs a SPEC file, --preset NAME, or an --email "
		    "whose domain a preset serves",
		    o->command);
	if (generate && o->nspecs > 1)
		return usage(o, "generate takes one SPEC");
	if (generate && (o->out_dir == NULL) == (o->out_file == NULL))
		return usage(o, "generate needs --out DIR, or -o FILE for one "
		                "target");
	if (dry && to_stdout(o))
		return usage(o, "%s compares files: -o - writes none",
		             o->check ? "--check" : "--dry-run");
	if (o->finish.sign_cert != NULL && o->finish.sign_key == NULL)
		return usage(o, "--sign-cert needs --sign-key");
	if (o->finish.sign_cert == NULL &&
	    (o->finish.sign_key != NULL || o->finish.sign_chain != NULL))
		return usage(o, "--sign-key and --sign-chain need --sign-cert");
	if (!view_opts_check(&o->user, NULL, NULL, &d)) {
		/* The messages say what is wrong; the usage would bury them. */
		diag_flush(&d, stderr);
		diag_free(&d);
		return EXIT_USAGE;
	}
	d.no_notes = generate;
	tmpls = load_templates(o, &d, &nwanted);
	if (o->out_file != NULL && nwanted != 1) {
		rc = usage(o, "-o writes one target: choose it with --target");
		goto out;
	}
	if (o->users != NULL && o->out_dir == NULL) {
		rc = usage(o,
		           "--users writes a directory per person: give --out");
		goto out;
	}
	changes.check = o->check;
	changes.diffs = o->diff || o->dry_run;
	/* A dry run takes a shared lock on a root that is there, so that it
	 * sees a writer's run whole, before its renames or after them (the
	 * lock is on the directory: it creates nothing); a root that is not
	 * there is not locked, as it holds nothing to see. */
	if (dry && o->out_dir != NULL &&
	    ((guard = outroot_open(o->out_dir, &d)) == NULL ||
	     !outroot_lock(guard, false, &d))) {
		rc = EXIT_USAGE;
		goto out;
	}
	known = spec_known_hosts(o->presets_dir);
	for (size_t i = 0; i < (o->nspecs > 0 ? o->nspecs : 1); i++) {
		int before = d.errors;
		struct model *m = load_model(
		    o, o->nspecs > 0 ? o->specs[i] : NULL, known, &d);
		struct people v;
		struct person p;
		struct stat st;
		bool there;

		if (m == NULL || d.errors > 0 || !people_open(o, &v, &d)) {
			model_free(m);
			continue;
		}
		/* Without a root, nobody's files are there to check yet:
		 * the rows are read, and each person is checked when
		 * written. */
		there = !generate || o->out_dir == NULL ||
		        lstat(o->out_dir, &st) == 0 || errno != ENOENT;
		while (people_next(&v, &p))
			if (dry) {
				if (!emit_dry(o, m, tmpls, &p, guard, &changes,
				              &d))
					rc = EXIT_USAGE;
			} else if (there)
				emit(o, m, tmpls, &p,
				     generate && o->out_dir != NULL ? R_EXISTING
				                                    : R_SKETCH,
				     false, &d, &d, NULL, NULL);
		/* Bad rows stop everything, unless --keep-going: then the
		 * good rows are written and the status still says 1. */
		if (generate && !dry && (d.errors == 0 || o->keep_going)) {
			int written = 0, unchanged = 0;

			rc = o->out_dir != NULL
			         ? write_team(o, m, tmpls, &v, &d, &written,
			                      &unchanged)
			         : write_one(o, m, tmpls, &v, &d, &written,
			                     &unchanged);
			if (rc == 0 && (d.errors == 0 || o->keep_going) &&
			    !o->quiet && !to_stdout(o)) {
				char *left = skipped(o);

				say("mailconf: %d written, %d unchanged%s%s\n",
				    written, unchanged,
				    *left != '\0'
				        ? "; not written without --email: "
				        : "",
				    left);
				free(left);
			}
		}
		users_close(v.users);
		model_free(m);
		/* One word per spec: a folder of fifty says which passed. */
		if (!generate && !o->quiet && d.errors == before) {
			if (o->nspecs > 0)
				say("%s: ok\n", o->specs[i]);
			else
				say("%s (preset): ok\n", o->preset);
		}
	}
	spec_free_names(known);
	/* A root not there is listed as its people's files already. */
	if (dry && rc == 0 && d.errors == 0 && guard != NULL &&
	    outroot_exists(guard) && !team_recipe(o, guard, NULL, &changes, &d))
		rc = EXIT_USAGE;
	if (dry && !changes_print(&changes, d.errors > 0 || rc != 0))
		rc = EXIT_USAGE;
	else if (o->check && rc == 0 && changes.n > 0)
		rc = 1;
out:
	tset_free(tmpls);
	changes_free(&changes);
	outroot_free(guard);
	return finish(&d, rc);
}

int
cmd_generate(const struct opts *o)
{
	return cmd_generate_or_check(o, true);
}

int
cmd_check(const struct opts *o)
{
	return cmd_generate_or_check(o, false);
}
