/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "md-clock.h"

/* Every service reads time here, so tests can drive it (RELIABILITY rule 12)
 * and timeouts use the monotonic clock, never the wall clock (T19). */
static MdClockFunc wall_func;
static MdClockFunc monotonic_func;
static gpointer clock_data;

/**
 * md_clock_now:
 *
 * Returns: wall time in microseconds since 1970-01-01 UTC
 */
gint64
md_clock_now (void)
{
  if (wall_func != NULL)
    return wall_func (clock_data);
  return g_get_real_time ();
}

/**
 * md_clock_monotonic:
 *
 * Returns: monotonic time in microseconds, for timeouts and idle locks
 */
gint64
md_clock_monotonic (void)
{
  if (monotonic_func != NULL)
    return monotonic_func (clock_data);
  return g_get_monotonic_time ();
}

/**
 * md_clock_set_for_testing:
 * @wall: (nullable): replaces the wall clock, %NULL restores it
 * @monotonic: (nullable): replaces the monotonic clock, %NULL restores it
 */
void
md_clock_set_for_testing (MdClockFunc wall,
                          MdClockFunc monotonic,
                          gpointer    user_data)
{
  wall_func = wall;
  monotonic_func = monotonic;
  clock_data = user_data;
}
