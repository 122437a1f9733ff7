package org.repgroup.ens;

import java.util.Objects;
import java.util.Set;

/**
 * An ENS event type ({@code evtType}). The store's types have constants; any
 * other name is kept as it is ({@link #isKnown()} false), never dropped.
 *
 * @param name the type as it appears in event references ({@code NewMsg})
 */
public record EventType(String name) {

  /** A new message was delivered. */
  public static final EventType NEW_MSG = new EventType("NewMsg");
  /** A message was updated. */
  public static final EventType UPDATE_MSG = new EventType("UpdateMsg");
  /** A message was marked deleted. */
  public static final EventType DELETE_MSG = new EventType("DeleteMsg");
  /** Messages were expunged. */
  public static final EventType EXPUNGE_MSG = new EventType("ExpungeMsg");
  /** Messages were purged. */
  public static final EventType PURGE_MSG = new EventType("PurgeMsg");
  /** A message was moved to the trash. */
  public static final EventType TRASH_MSG = new EventType("TrashMsg");
  /** A message was read. */
  public static final EventType READ_MSG = new EventType("ReadMsg");
  /** Flags changed. */
  public static final EventType CHANGE_FLAG = new EventType("ChangeFlag");
  /** Message flags. */
  public static final EventType MSG_FLAGS = new EventType("MsgFlags");
  /** A message was annotated. */
  public static final EventType ANNOTATE_MSG = new EventType("AnnotateMsg");
  /** Messages were copied. */
  public static final EventType COPY = new EventType("Copy");
  /** A user logged in. */
  public static final EventType LOGIN = new EventType("Login");
  /** A user logged out. */
  public static final EventType LOGOUT = new EventType("Logout");
  /** A mailbox went over quota. */
  public static final EventType OVER_QUOTA = new EventType("OverQuota");
  /** A mailbox went back under quota. */
  public static final EventType UNDER_QUOTA = new EventType("UnderQuota");

  private static final Set<String> KNOWN = Set.of("NewMsg", "UpdateMsg", "DeleteMsg", "ExpungeMsg", "PurgeMsg",
      "TrashMsg", "ReadMsg", "ChangeFlag", "MsgFlags", "AnnotateMsg", "Copy", "Login", "Logout", "OverQuota",
      "UnderQuota");

  /** The name must be a non-empty token. */
  public EventType {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty() || name.chars().anyMatch(c -> c <= 0x20 || c == '&' || c == '=' || c >= 0x7f)) {
      throw new IllegalArgumentException("event type \"" + name + "\" is not a token");
    }
  }

  /** The type named {@code name}. */
  public static EventType of(String name) {
    return new EventType(name);
  }

  /** True for one of the store's own types. */
  public boolean isKnown() {
    return KNOWN.contains(name);
  }

  @Override
  public String toString() {
    return name;
  }
}
