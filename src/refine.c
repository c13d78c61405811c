/*
 * refine.c
 */
#include "postgres.h"

#include "mlops.h"
