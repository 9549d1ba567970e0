/* Allowed: the CLI hosts `aimc train` and may use the trainer's API. */
#include "aimc/train.h"
