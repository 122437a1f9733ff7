/** The POP3 login attempt, its classifier and socket observation; not API. */
package org.repgroup.pop.internal;
