/* SPDX-License-Identifier: MIT */
/* mailconf list: the targets and the presets. */
#include <stdio.h>

#include "cli.h"
#include "spec.h"

int
cmd_list(const struct opts *o)
{
	char **names = spec_preset_names(o->presets_dir);

	printf("targets:\n");
	for (const struct target *t = targets; t->name != NULL; t++)
		printf("  %-18s %-18s %s%s\n", t->name, t->output, t->help,
		       t->per_user ? " [--email]" : "");
	printf("presets (%s):\n", o->presets_dir);
	for (size_t i = 0; names[i] != NULL; i++) {
		struct model *m = preset_quietly(o, names[i]);

		if (m != NULL) {
			printf("  %-18s %s:", names[i], m->name);
			for (size_t k = 0; k < m->ndomains && k < 5; k++)
				printf(" %s", m->domains[k]);
			if (m->ndomains > 5)
				printf(" (+%zu more)", m->ndomains - 5);
			printf("\n");
		} else
			printf(
			    "  %-18s (has errors: mailconf check %s/%s.ini)\n",
			    names[i], o->presets_dir, names[i]);
		model_free(m);
	}
	spec_free_names(names);
	return fflush(stdout) == 0 ? 0 : EXIT_USAGE;
}
