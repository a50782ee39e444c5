/* Problems found in a schedule file (see LoaProblems in schedule.h):
 * collected while parsing and checking, then printed sorted by file and
 * line. */
#include "schedule.h"
#include "schedule-private.h"

#include "i18n.h"

#include <string.h>

static void
problem_free(gpointer data)
{
  LoaProblem *problem = data;
  g_free(problem->file);
  g_free(problem->message);
  g_free(problem);
}

LoaProblems *
loa_problems_new(void)
{
  LoaProblems *problems = g_new0(LoaProblems, 1);
  problems->items = g_ptr_array_new_with_free_func(problem_free);
  return problems;
}

void
loa_problems_free(LoaProblems *problems)
{
  if (problems == NULL)
    return;
  g_ptr_array_unref(problems->items);
  g_free(problems);
}

void
loa_problems_add_valist(LoaProblems *problems, const char *file, int line, gboolean warning,
                        const char *format, va_list args)
{
  LoaProblem *problem = g_new0(LoaProblem, 1);
  problem->file = g_strdup(file != NULL ? file : "");
  problem->line = line;
  problem->warning = warning;
  problem->message = g_strdup_vprintf(format, args);
  g_ptr_array_add(problems->items, problem);
  if (warning)
    problems->warnings++;
  else
    problems->errors++;
}

void
loa_problems_add(LoaProblems *problems, const char *file, int line, gboolean warning,
                 const char *format, ...)
{
  va_list args;
  va_start(args, format);
  loa_problems_add_valist(problems, file, line, warning, format, args);
  va_end(args);
}

static gint
compare_problems(gconstpointer a, gconstpointer b)
{
  const LoaProblem *x = *(LoaProblem *const *)a;
  const LoaProblem *y = *(LoaProblem *const *)b;
  int by_file = strcmp(x->file, y->file);
  if (by_file != 0)
    return by_file;
  return (x->line > y->line) - (x->line < y->line);
}

void
loa_problems_print(LoaProblems *problems, FILE *out)
{
  /* g_ptr_array_sort is stable, so problems on one line keep their order. */
  g_ptr_array_sort(problems->items, compare_problems);
  for (guint i = 0; i < problems->items->len; i++) {
    const LoaProblem *problem = g_ptr_array_index(problems->items, i);
    g_autofree char *where = problem->line > 0
                                 ? g_strdup_printf("%s:%d", problem->file, problem->line)
                                 : g_strdup(problem->file);
    if (problem->warning)
      fprintf(out, _("%s: warning: %s\n"), where, problem->message);
    else
      fprintf(out, "%s: %s\n", where, problem->message);
  }
}
