/* Translation hooks. Every string a user sees goes through _() so that a
 * translation (po/vi.po) is only a catalogue away. */
#pragma once

#include <libintl.h>

#define LOA_GETTEXT_PACKAGE "loa"
#define _(String) dgettext(LOA_GETTEXT_PACKAGE, String)
#define N_(String) (String)
