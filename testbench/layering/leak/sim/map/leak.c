/* A planted violation for layering_includes_catches: a private header of
 * the trainer reached by a relative path. */
#include "../../trainer/layers.h"
