package org.repgroup.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.repgroup.core.spi.ServerText;

/**
 * A replication group's ordered hosts, preferred master first, as in the
 * {@code proxy:<group>.storehostlist} option ({@code "a b c"}).
 *
 * @param hosts the hosts, in order; never empty, no duplicates
 */
public record StoreHostList(List<HostAddress> hosts) {

  /** How much of a bad list an error message shows. */
  private static final int SHOWN = 200;

  /** Validates: non-empty, no host listed twice. */
  public StoreHostList {
    Objects.requireNonNull(hosts, "hosts");
    hosts = List.copyOf(hosts);
    if (hosts.isEmpty()) {
      throw new IllegalArgumentException("store host list: no hosts");
    }
    Set<HostAddress> seen = new HashSet<>();
    for (HostAddress h : hosts) {
      if (!seen.add(h)) {
        throw new IllegalArgumentException(
            "store host list " + quoted(join(hosts)) + ": duplicate host " + quoted(h.toString()));
      }
    }
  }

  /** The given hosts, in order. */
  public static StoreHostList of(HostAddress... hosts) {
    return new StoreHostList(List.of(hosts));
  }

  /**
   * Parses the operators' space-separated form, keeping the order.
   *
   * @throws IllegalArgumentException for an empty list, a bad entry or a duplicate, naming it
   */
  public static StoreHostList parse(String text) {
    Objects.requireNonNull(text, "text");
    String trimmed = text.strip();
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException("store host list " + quoted(text) + ": no hosts");
    }
    List<HostAddress> hosts = new ArrayList<>();
    Set<HostAddress> seen = new HashSet<>();
    for (String entry : trimmed.split("[ \\t]+")) {
      HostAddress h;
      try {
        h = HostAddress.parse(entry);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("store host list " + quoted(text) + ": " + e.getMessage(), e);
      }
      if (!seen.add(h)) {
        throw new IllegalArgumentException("store host list " + quoted(text) + ": duplicate host " + quoted(entry));
      }
      hosts.add(h);
    }
    return new StoreHostList(hosts);
  }

  /** {@code text} in double quotes, printable and capped. */
  private static String quoted(String text) {
    return "\"" + ServerText.printable(text, SHOWN) + "\"";
  }

  private static String join(List<HostAddress> hosts) {
    StringBuilder sb = new StringBuilder();
    for (HostAddress h : hosts) {
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(h);
    }
    return sb.toString();
  }

  /** Number of hosts. */
  public int size() {
    return hosts.size();
  }

  /** The preferred master: the first host. */
  public HostAddress first() {
    return hosts.get(0);
  }

  /** True when {@code address} is listed exactly (same host, same port or both port-less). */
  public boolean contains(HostAddress address) {
    return hosts.contains(address);
  }

  /** The operators' form: hosts separated by one space. */
  @Override
  public String toString() {
    return join(hosts);
  }
}
