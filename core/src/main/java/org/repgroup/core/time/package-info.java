/**
 * Time as the engine sees it: a {@link org.repgroup.core.time.Ticker} and a
 * {@link org.repgroup.core.time.Scheduler}, both injectable, and a
 * {@link org.repgroup.core.time.ManualClock} for tests that advance time
 * instead of sleeping.
 */
package org.repgroup.core.time;
