/** Internals of the testkit servers; not API. */
package org.repgroup.testkit.internal;
