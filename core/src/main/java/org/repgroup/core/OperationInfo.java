package org.repgroup.core;

import org.repgroup.core.Protocol;

/**
 * Identifies one operation in listener callbacks.
 *
 * @param id a number unique within the JVM
 * @param group the group's name
 * @param protocol the protocol
 * @param intent the intent
 */
public record OperationInfo(long id, String group, Protocol protocol, Intent intent) {}
