/* A planted violation: the trainer's public header in a simulator area. */
#include "aimc/train.h"
