/** Core internals shared by Repgroup modules; not API. */
package org.repgroup.core.internal;
