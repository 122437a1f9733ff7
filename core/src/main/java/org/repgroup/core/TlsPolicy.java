package org.repgroup.core;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * What a group requires of transport security on every connection, referral
 * targets included. Immutable.
 *
 * <ul>
 *   <li>{@link Mode#NONE}: the group asks for nothing (adapters still honour the
 *       user's own protocol-library settings, such as {@code mail.imap.starttls.enable}).</li>
 *   <li>{@link Mode#STARTTLS}: every connection upgrades with STARTTLS before any
 *       credentials or mail are sent; a host that does not offer it is unavailable,
 *       never used in plain text.</li>
 *   <li>{@link Mode#IMPLICIT}: TLS from the first byte (IMAPS, POP3S, LMTP over TLS)
 *       on the group's configured port.</li>
 * </ul>
 *
 * <p>With TLS, the server certificate is checked against the trust store (the
 * JVM's default when none is set) and, unless turned off, against the host name.
 * {@link #toString()} never shows the trust store password.
 */
public final class TlsPolicy {

  /** No TLS required by the group. */
  public static final TlsPolicy NONE = new TlsPolicy(Mode.NONE, null, null, null, true);

  private final Mode mode;
  private final Path trustStore;
  private final String trustStorePassword;
  private final String trustStoreType;
  private final boolean checkHostName;

  private TlsPolicy(Mode mode, Path trustStore, String trustStorePassword, String trustStoreType,
      boolean checkHostName) {
    this.mode = mode;
    this.trustStore = trustStore;
    this.trustStorePassword = trustStorePassword;
    this.trustStoreType = trustStoreType;
    this.checkHostName = checkHostName;
  }

  /** STARTTLS required on every connection, default trust, host names checked. */
  public static TlsPolicy starttls() {
    return new TlsPolicy(Mode.STARTTLS, null, null, null, true);
  }

  /** TLS from the first byte on every connection, default trust, host names checked. */
  public static TlsPolicy implicit() {
    return new TlsPolicy(Mode.IMPLICIT, null, null, null, true);
  }

  /** The policy for {@code mode}, default trust, host names checked. */
  public static TlsPolicy of(Mode mode) {
    return switch (Objects.requireNonNull(mode, "mode")) {
      case NONE -> NONE;
      case STARTTLS -> starttls();
      case IMPLICIT -> implicit();
    };
  }

  /**
   * This policy with certificates checked against {@code path} (a key store of
   * type {@code type}, e.g. {@code "PKCS12"} or {@code "JKS"}).
   *
   * @param password the store's password, or {@code null} for none; never shown
   */
  public TlsPolicy withTrustStore(Path path, String password, String type) {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(type, "type");
    if (type.isBlank()) {
      throw new IllegalArgumentException("trust store type must not be blank");
    }
    return new TlsPolicy(mode, path, password, type, checkHostName);
  }

  /** This policy with host-name checking on or off (on by default; off only for tests). */
  public TlsPolicy withHostNameCheck(boolean check) {
    return new TlsPolicy(mode, trustStore, trustStorePassword, trustStoreType, check);
  }

  /** What is required. */
  public Mode mode() {
    return mode;
  }

  /** True unless the mode is {@link Mode#NONE}. */
  public boolean required() {
    return mode != Mode.NONE;
  }

  /** The trust store, if one is set (else the JVM's default trust). */
  public Optional<Path> trustStore() {
    return Optional.ofNullable(trustStore);
  }

  /** The trust store's password, if any. */
  public Optional<String> trustStorePassword() {
    return Optional.ofNullable(trustStorePassword);
  }

  /** The trust store's type, if a trust store is set. */
  public Optional<String> trustStoreType() {
    return Optional.ofNullable(trustStoreType);
  }

  /** Whether the certificate must match the host name. */
  public boolean checkHostName() {
    return checkHostName;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TlsPolicy t && mode == t.mode && Objects.equals(trustStore, t.trustStore)
        && Objects.equals(trustStorePassword, t.trustStorePassword)
        && Objects.equals(trustStoreType, t.trustStoreType) && checkHostName == t.checkHostName;
  }

  @Override
  public int hashCode() {
    return Objects.hash(mode, trustStore, trustStoreType, checkHostName);
  }

  /** Mode, trust store path and type; never the password. */
  @Override
  public String toString() {
    return "TlsPolicy[" + mode.name().toLowerCase(java.util.Locale.ROOT)
        + (trustStore == null ? "" : ", trustStore=" + trustStore + " (" + trustStoreType + ")")
        + (checkHostName ? "" : ", hostNameCheck=off") + "]";
  }

  /** What TLS a group requires. */
  public enum Mode {
    /** Nothing required. */
    NONE,
    /** STARTTLS on every connection before credentials or mail; never plain text. */
    STARTTLS,
    /** TLS from the first byte (IMAPS, POP3S, LMTP over TLS). */
    IMPLICIT
  }
}
