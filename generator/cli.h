/* SPDX-License-Identifier: MIT */
/* The command line: the options the commands read, and what they share. */
#ifndef MAILCONF_CLI_H
#define MAILCONF_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "model.h"
#include "render.h"
#include "target.h"
#include "view.h"

#define EXIT_USAGE 2

struct opts {
	const char *command;
	const char **specs;
	size_t nspecs;
	const char *preset;
	const char *targets; /* comma-separated, NULL: all */
	const char *out_dir;
	const char *out_file; /* "-": standard output */
	const char *templates_dir;
	const char *presets_dir;
	const char *password_env;
	const char *users;     /* CSV file: one set of files per person */
	const char *home;      /* install: the home directory */
	bool keep_going;       /* users: write the good rows despite bad ones */
	bool dry_run;          /* say what a run would do, write nothing */
	bool check;            /* compare with what is there, write nothing */
	bool diff;             /* with check or dry_run: the unified diffs */
	const char *layout;    /* site: "tree" or "shared" */
	const char *web_host;  /* site: the host serving the tree */
	const char *listen;    /* site: nginx's listen address */
	bool apple;            /* site: also the Apple profile */
	bool verify;           /* site: compare what the manifest vouches for */
	struct view_opts user; /* the person, for per-user targets */
	struct finish_opts finish; /* signing */
	bool strict;
	bool force;
	bool quiet;
	const char *diagnostics; /* text (NULL), json, sarif or github */
	const char **wno;        /* -Wno-NAME: the names, NULL-ended */
	size_t nwno;
	const char *recipe; /* generate --out: how the folder is made, for its
	                       manifest (recipe.h) */
};

/* diag_setup gives d what the options say about diagnostics: --strict,
 * --diagnostics, -Wno-NAME. */
void diag_setup(const struct opts *o, struct diag *d);

/* usage reports a usage error of o->command (NULL: before a command was
 * known) in one line, with where to read more, and gives EXIT_USAGE. */
int usage(const struct opts *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* named says whether target t was named with --target. */
bool named(const struct opts *o, const struct target *t);
/* wanted says whether target t is rendered: the named ones, or all, but
 * a file for one person only when the person is known. */
bool wanted(const struct opts *o, const struct target *t);
/* check_targets checks --target's names: 0, or a usage error's status. */
int check_targets(const struct opts *o);
/* load_templates loads the template of every wanted target (owned;
 * tset_free), counting them in *nwanted when not NULL. */
struct tset *load_templates(const struct opts *o, struct diag *d,
                            size_t *nwanted);
/* load_model reads one spec (NULL: the preset alone) and checks it;
 * owned, NULL on errors (reported). */
struct model *load_model(const struct opts *o, const char *spec,
                         char *const *known, struct diag *d);
/* check_modes checks --check, --dry-run and --diff together: 0, or a
 * usage error's status. */
int check_modes(const struct opts *o);
/* to_stdout says whether the output is -o -. */
bool to_stdout(const struct opts *o);

/* say adds to the run's summary line, which finish prints last. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* finish prints d's diagnostics and the summary, frees d, and returns
 * the exit status: rc, or d's when rc is 0. */
int finish(struct diag *d, int rc);

/* preset_quietly loads preset name, NULL when it has problems (owned). */
struct model *preset_quietly(const struct opts *o, const char *name);
/* preset_for_email finds the preset serving the domain of email: its
 * name (owned), or NULL. */
char *preset_for_email(const struct opts *o, const char *email);

/* The commands: each gives the exit status. */
int cmd_generate(const struct opts *o);
int cmd_check(const struct opts *o);
int cmd_site(const struct opts *o);
int cmd_install(const struct opts *o);
int cmd_import(const struct opts *o);
int cmd_list(const struct opts *o);

#endif
