package org.repgroup.core.spi;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.repgroup.core.HostAddress;

/**
 * What a fan-out ({@link FailoverEngine#fanOut}) came to: one {@link HostOutcome}
 * per host of the group, in store host list order.
 *
 * @param hosts one entry per host of the group
 * @param <T> what a host that served the request produced
 */
public record FanOutResult<T>(List<HostOutcome<T>> hosts) {

  /** Copies the list. */
  public FanOutResult {
    hosts = List.copyOf(hosts);
  }

  /** The entry for {@code host} (resolved, as in {@link HostOutcome#host()}). */
  public HostOutcome<T> host(HostAddress host) {
    return hosts.stream().filter(h -> h.host().equals(host)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(host + " is not a host of this fan-out"));
  }

  /** True when at least one host served the request, itself or through a referral. */
  public boolean anyServed() {
    return hosts.stream().anyMatch(HostOutcome::served);
  }

  /** What happened on one host. */
  public enum Kind {
    /** The host served the request ({@link HostOutcome#value()}). */
    SERVED,
    /** The host referred to {@link HostOutcome#referredTo()}, which served it (its value). */
    REFERRED,
    /** The host did not serve: unavailable (marked down), timed out (marked down), refused or declined. */
    FAILED,
    /** The host was sent the request and had not answered when the deadline passed (not marked down). */
    DEADLINE,
    /** The request had not left the adapter's queue when the deadline passed: the host never saw it. */
    NOT_SENT,
    /** The host is marked down (or its recheck is another operation's) and was not tried. */
    SKIPPED,
    /** The host referred to itself. */
    SELF_REFERRAL,
    /** The referral target is neither in the group nor allowed, or the intent does not follow referrals. */
    REFERRAL_REFUSED,
    /** The host referred to a host of this fan-out that refers straight back. */
    REFERRAL_LOOP,
    /** The host referred to a host of this fan-out that refers on to {@link HostOutcome#referredOnTo()}. */
    REFERRAL_CHAIN,
    /** The followed target referred again, to {@link HostOutcome#referredOnTo()}: a referral is followed once. */
    REFERRED_AGAIN,
    /**
     * The host refused the request itself (a fatal answer: a bad request, refused credentials):
     * final; a fan-out in which a host refused is not tried again.
     */
    REFUSED,
    /** The referral target (followed, or tried directly in this fan-out) did not serve: {@link HostOutcome#reason()}. */
    REFERRAL_TARGET_FAILED
  }

  /**
   * One host's outcome.
   *
   * @param host the host of the group, its port filled in
   * @param kind what happened
   * @param value what served the request, for {@link Kind#SERVED} and {@link Kind#REFERRED}
   * @param referredTo where the host referred, if it did
   * @param referredOnTo where the referral target referred in turn, for loops, chains and second referrals
   * @param reason what happened, in words (the adapter's for its failures; the target's for
   *     {@link Kind#REFERRAL_TARGET_FAILED})
   * @param elapsed the host's time: from when its request was sent (never its queue time) to its
   *     outcome; zero when never sent
   * @param <T> the value's type
   */
  public record HostOutcome<T>(HostAddress host, Kind kind, Optional<T> value, Optional<HostAddress> referredTo,
      Optional<HostAddress> referredOnTo, String reason, Duration elapsed) {

    /** Validates. */
    public HostOutcome {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(value, "value");
      Objects.requireNonNull(referredTo, "referredTo");
      Objects.requireNonNull(referredOnTo, "referredOnTo");
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(elapsed, "elapsed");
    }

    /** True when the request reached a host that served it, this one or its referral target. */
    public boolean served() {
      return kind == Kind.SERVED || kind == Kind.REFERRED;
    }
  }
}
