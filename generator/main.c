/* SPDX-License-Identifier: MIT */
/* mailconf: options, then the pipeline spec -> model -> per target: template +
 * escaper -> buffer -> check -> file. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "xalloc.h"
#include "xml_check.h"

#ifndef DATADIR
#define DATADIR "."
#endif
#ifndef VERSION
#define VERSION "0.1.0"
#endif

/* take_value handles "--opt VALUE" and "--opt=VALUE" (*joined set). */
static const char *
take_value(int argc, char **argv, int *i, const char *name, bool *joined)
{
	size_t n = strlen(name);

	*joined = strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=';
	if (*joined)
		return argv[*i] + n + 1;
	if (strcmp(argv[*i], name) != 0)
		return NULL;
	if (*i + 1 >= argc)
		return "";
	return argv[++*i];
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	o->specs = xcalloc((size_t)argc, sizeof(*o->specs));
	o->templates_dir = DATADIR "/templates";
	o->presets_dir = DATADIR "/presets";
	if (argc < 2)
		return usage(NULL);
	o->command = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *v;
		struct {
			const char *name;
			const char **dst;
		} valued[] = {
		    {"--preset", &o->preset},
		    {"--target", &o->targets},
		    {"-t", &o->targets},
		    {"--out", &o->out_dir},
		    {"-o", &o->out_file},
		    {"--output", &o->out_file},
		    {"--templates", &o->templates_dir},
		    {"--presets", &o->presets_dir},
		    {"--lang", &o->user.lang},
		    {"--email", &o->user.email},
		    {"--name", &o->user.real_name},
		    {"--login", &o->user.login},
		    {"--pass-cmd", &o->user.pass_cmd},
		    {"--token-cmd", &o->user.token_cmd},
		    {"--password-env", &o->password_env},
		    {"--ca-file", &o->user.ca_file},
		    {"--maildir", &o->user.maildir},
		    {"--mda", &o->user.mda},
		    {"--smtp-host", &o->user.smtp_host},
		    {"--incoming", &o->user.incoming},
		    {"--sign-cert", &o->finish.sign_cert},
		    {"--sign-key", &o->finish.sign_key},
		    {"--sign-chain", &o->finish.sign_chain},
		    {"--users", &o->users},
		    {"--layout", &o->layout},
		    {"--web-host", &o->web_host},
		    {"--listen", &o->listen},
		    {"--home", &o->home},
		};
		bool done = false, joined = false;

		for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]);
		     k++) {
			v = take_value(argc, argv, &i, valued[k].name, &joined);
			if (v == NULL)
				continue;
			/* "--out --force" is a forgotten value, not a directory
			 * named "--force". */
			if (*v == '\0' ||
			    (!joined && v[0] == '-' && v[1] != '\0'))
				return usage("option %s needs a value",
				             valued[k].name);
			*valued[k].dst = v;
			done = true;
			break;
		}
		if (done)
			continue;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			o->command = "--help";
			return 0;
		}
		if (strcmp(a, "--strict") == 0)
			o->strict = true;
		else if (strcmp(a, "--force") == 0)
			o->force = true;
		else if (strcmp(a, "--keep-going") == 0)
			o->keep_going = true;
		else if (strcmp(a, "--dry-run") == 0)
			o->dry_run = true;
		else if (strcmp(a, "--apple") == 0)
			o->apple = true;
		else if (strcmp(a, "--verify") == 0)
			o->verify = true;
		else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
			o->quiet = true;
		else if (a[0] == '-' && a[1] != '\0')
			return usage("unknown option %s", a);
		else
			o->specs[o->nspecs++] = a;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o = {0};
	char *found = NULL;
	int rc = parse_args(argc, argv, &o);

	if (rc != 0 || o.command == NULL) {
		free(o.specs);
		return rc != 0 ? rc : EXIT_USAGE;
	}
	if (o.password_env != NULL) {
		o.user.password = getenv(o.password_env);
		if (o.user.password == NULL) {
			free(o.specs);
			return usage("--password-env: %s is not set",
			             o.password_env);
		}
	}
	if (o.nspecs == 0 && o.preset == NULL && o.user.email != NULL &&
	    (strcmp(o.command, "generate") == 0 ||
	     strcmp(o.command, "check") == 0 ||
	     strcmp(o.command, "install") == 0)) {
		found = preset_for_email(&o, o.user.email);
		if (found == NULL) {
			free(o.specs);
			return usage(
			    "no preset serves the domain of %s; give a "
			    "SPEC or --preset NAME",
			    o.user.email);
		}
		o.preset = found;
	}
	if (strcmp(o.command, "generate") == 0)
		rc = cmd_generate(&o);
	else if (strcmp(o.command, "check") == 0)
		rc = cmd_check(&o);
	else if (strcmp(o.command, "site") == 0)
		rc = cmd_site(&o);
	else if (strcmp(o.command, "install") == 0)
		rc = cmd_install(&o);
	else if (strcmp(o.command, "import") == 0)
		rc = cmd_import(&o);
	else if (strcmp(o.command, "list") == 0)
		rc = cmd_list(&o);
	else if (strcmp(o.command, "--help") == 0 ||
	         strcmp(o.command, "help") == 0 ||
	         strcmp(o.command, "-h") == 0) {
		fputs(usage_text, stdout);
		rc = 0;
	} else if (strcmp(o.command, "--version") == 0) {
		printf("mailconf %s\n", VERSION);
		rc = 0;
	} else
		rc = usage("unknown command \"%s\"", o.command);
	free(o.specs);
	free(found);
	xml_cleanup();
	return rc;
}
