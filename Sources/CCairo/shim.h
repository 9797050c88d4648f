/* Cairo (vector drawing, PNG/SVG/PDF output) with FreeType font faces: figures use the DejaVu files of Debian's
   fonts-dejavu-core by path, so text never depends on what fontconfig happens to find. */
#include <cairo.h>
#include <cairo-ft.h>
#include <cairo-svg.h>
#include <cairo-pdf.h>
#include <ft2build.h>
#include FT_FREETYPE_H
