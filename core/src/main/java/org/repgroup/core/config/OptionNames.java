package org.repgroup.core.config;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The option names the SDK reads, in its own namespaces ({@code proxy:<group>.*},
 * {@code repgroup.*}) and in the store's ({@code store.dbreplicate.enable},
 * {@code store.dbreplicate.twosites}), and the nearest of them to a name that is
 * not one.
 */
final class OptionNames {

  static final String PROXY = "proxy:";
  static final String SDK = "repgroup.";
  static final String STORE = "store.";
  static final String REPLICATION_ENABLE = "store.dbreplicate.enable";
  static final String REPLICATION_TWO_SITES = "store.dbreplicate.twosites";

  /** The options of a group, {@code proxy:<group>.<option>}. */
  static final List<String> GROUP = List.of("storehostlist", "imapport", "popport", "lmtpport", "ensport",
      "imapadmin", "imapadminpass", "referralallowlist", "deploymentmode", "tls", "truststore", "truststorepass",
      "truststoretype", "tlshostnamecheck");

  /** The SDK's own options, {@code repgroup.<option>}. */
  static final List<String> SDK_OPTIONS = List.of("connecttimeout", "responsetimeout", "deadline", "stagger",
      "recheckinterval", "maxreferralhops", "maxpasses");

  /** Characters an option name may hold besides letters and digits. */
  private static final String NAME_PUNCTUATION = "._:-*/@[]%+~";

  /** Characters a syntax error may show when it finds one: they are never part of a secret's shape. */
  private static final String SHOWABLE = "(),;\"'=";

  /** Names longer than this get no suggestion (and cost no quadratic distance). */
  private static final int MAX_SUGGESTED = 40;

  private OptionNames() {}

  /** The index of the first character {@code name} may not hold, or -1 when it is a well-formed option name. */
  static int invalidCharacter(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = c < 0x80 && (Character.isLetterOrDigit(c) || NAME_PUNCTUATION.indexOf(c) >= 0);
      if (!ok) {
        return i;
      }
    }
    return -1;
  }

  /**
   * {@code 'c'} when a message may show the character {@code c} found where
   * something else was expected (punctuation), else a description that does not
   * reveal it: syntax errors never show the letters of what may be a secret.
   */
  static String describe(char c) {
    if (SHOWABLE.indexOf(c) >= 0) {
      return "'" + c + "'";
    }
    if (c == ' ' || c == '\t') {
      return "a space";
    }
    return "other text";
  }

  /**
   * True when {@code name} is an option the SDK reads ({@code proxy:<group>.imapport},
   * {@code repgroup.deadline}, {@code store.dbreplicate.enable}, ...): such a word
   * is an option name, not a stray secret or a name run into its value, and may be shown.
   */
  static boolean isKnown(String name) {
    if (invalidCharacter(name) >= 0) {
      return false;
    }
    String n = name.toLowerCase(Locale.ROOT);
    if (n.startsWith(PROXY)) {
      int dot = n.lastIndexOf('.');
      return dot > PROXY.length() && GROUP.contains(n.substring(dot + 1));
    }
    if (n.startsWith(SDK)) {
      return SDK_OPTIONS.contains(n.substring(SDK.length()));
    }
    return n.equals(REPLICATION_ENABLE) || n.equals(REPLICATION_TWO_SITES);
  }

  /**
   * The known option nearest to {@code name} (an option the SDK does not read in
   * its namespaces, or a bare name), written as it should be, if one is close
   * enough to be a likely typo.
   *
   * @param groups the groups defined in the same file, to name one in a suggestion
   */
  static Optional<String> suggestion(String name, Collection<String> groups) {
    String n = name.toLowerCase(Locale.ROOT);
    String groupPrefix;
    String leaf;
    if (n.startsWith(PROXY) && n.lastIndexOf('.') > PROXY.length()) {
      groupPrefix = name.substring(0, name.lastIndexOf('.') + 1);
      leaf = n.substring(n.lastIndexOf('.') + 1);
    } else {
      // repgroup.<option>, or a bare name
      groupPrefix = groups.size() == 1 ? PROXY + groups.iterator().next() + "." : PROXY + "<group>.";
      leaf = n.startsWith(SDK) ? n.substring(SDK.length()) : n;
    }
    if (leaf.isEmpty() || leaf.length() > MAX_SUGGESTED) {
      return Optional.empty();
    }
    boolean preferSdk = n.startsWith(SDK);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : preferSdk ? SDK_OPTIONS : GROUP) {
      int d = distance(leaf, candidate);
      if (d < bestDistance) {
        bestDistance = d;
        best = (preferSdk ? SDK : groupPrefix) + candidate;
      }
    }
    for (String candidate : preferSdk ? GROUP : SDK_OPTIONS) {
      int d = distance(leaf, candidate);
      if (d < bestDistance) {
        bestDistance = d;
        best = (preferSdk ? groupPrefix : SDK) + candidate;
      }
    }
    int allowed = Math.max(1, Math.min(3, leaf.length() / 3));
    return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
  }

  /** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
