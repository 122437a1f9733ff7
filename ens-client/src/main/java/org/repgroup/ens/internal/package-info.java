/** ENS wire details; not API. */
package org.repgroup.ens.internal;
