package org.repgroup.samples.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.repgroup.core.HostAddress;
import org.repgroup.core.internal.Json;
import org.repgroup.core.AttemptRecord;
import org.repgroup.core.FailoverTrace;
import org.repgroup.core.StoreUnavailableException;
import org.repgroup.core.spi.ServerText;

/**
 * The result of one probe operation, printed as exactly one JSON object with
 * {@code --json} or as readable lines otherwise. Field names are the CLI contract.
 */
public final class ProbeReport {

  private boolean ok;
  private HostAddress host;
  private long elapsedMillis;
  private int referrals;
  private final List<Map<String, Object>> attempts = new ArrayList<>();
  private String error;
  private final Map<String, Object> extra = new LinkedHashMap<>();
  private boolean streamed;

  /** A report that says the operation succeeded on {@code host}, with the engine's trace. */
  public static ProbeReport served(HostAddress host, FailoverTrace trace) {
    ProbeReport r = new ProbeReport();
    r.ok = true;
    r.host = host;
    r.trace(trace);
    return r;
  }

  /** A report of a failure; the trace comes from the exception when it is the engine's. */
  public static ProbeReport failed(Throwable error, long elapsedMillis) {
    ProbeReport r = new ProbeReport();
    r.ok = false;
    r.elapsedMillis = elapsedMillis;
    Throwable t = error;
    while (t != null) {
      if (t instanceof StoreUnavailableException s) {
        r.trace(s.trace());
        break;
      }
      t = t.getCause();
    }
    r.error = error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
    return r;
  }

  /** A report whose output the command already printed as it went ({@code status --watch}); only its status is left. */
  public static ProbeReport streamed(boolean ok) {
    ProbeReport r = new ProbeReport();
    r.ok = ok;
    r.streamed = true;
    return r;
  }

  /** True when the command printed its output as it went: nothing is left to print. */
  public boolean isStreamed() {
    return streamed;
  }

  /** When no trace filled the attempts, the ones {@code log} saw (with its referral count). */
  ProbeReport orAttempts(AttemptLog log) {
    if (attempts.isEmpty()) {
      for (AttemptRecord a : log.records()) {
        attempts.add(attempt(a));
      }
      referrals = log.referralsFollowed();
    }
    return this;
  }

  private static Map<String, Object> attempt(AttemptRecord a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("host", a.host().toString());
    m.put("outcome", outcome(a.kind()));
    m.put("millis", a.elapsed().toMillis());
    m.put("detail", a.detail());
    return m;
  }

  private void trace(FailoverTrace trace) {
    if (trace == null) {
      return;
    }
    elapsedMillis = trace.elapsed().toMillis();
    referrals = trace.referralsFollowed();
    for (AttemptRecord a : trace.attempts()) {
      attempts.add(attempt(a));
    }
  }

  /** The CLI's four outcome words; read-only counts as unavailable, cancelled too. */
  private static String outcome(AttemptRecord.Kind kind) {
    return switch (kind) {
      case SUCCESS -> "success";
      case REFERRAL -> "referral";
      case FATAL -> "fatal";
      case UNAVAILABLE, READ_ONLY, CANCELLED -> "unavailable";
    };
  }

  /** Marks the report failed with {@code message} (e.g. a recipient not delivered). */
  public ProbeReport fail(String message) {
    ok = false;
    error = message;
    return this;
  }

  /** Adds a subcommand field ({@code messages}, {@code bytes}, {@code recipients}, {@code events}). */
  public ProbeReport put(String field, Object value) {
    extra.put(field, value);
    return this;
  }

  /** Overrides the elapsed time (when the operation did more than one engine call). */
  public ProbeReport elapsedMillis(long millis) {
    this.elapsedMillis = millis;
    return this;
  }

  /** True when the operation succeeded. */
  public boolean ok() {
    return ok;
  }

  /** The fields in contract order. */
  public Map<String, Object> fields() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ok", ok);
    m.put("host", host == null ? null : host.toString());
    m.put("elapsedMillis", elapsedMillis);
    m.put("referrals", referrals);
    m.put("attempts", attempts);
    m.put("error", error);
    m.putAll(extra);
    return m;
  }

  /** One JSON object. */
  public String toJson() {
    return Json.write(fields());
  }

  /** How much of one server-supplied value (a detail, a greeting, a field) the text shows. */
  static final int TEXT_MAX = ServerText.DEFAULT_MAX;

  /** How much of the error the text shows: it names every host tried. */
  static final int ERROR_MAX = 2000;

  /**
   * Readable lines; ANSI colour only when {@code colour}. Every value that may come
   * from a server (details, greetings, replies, the error) is made printable and
   * capped ({@link ServerText#printable(CharSequence, int)}), so a host cannot drive
   * the terminal or flood it.
   */
  public String toText(boolean colour) {
    StringBuilder sb = new StringBuilder();
    String status = ok ? paint("OK", "32", colour) : paint("FAILED", "31", colour);
    sb.append(status);
    if (host != null) {
      sb.append(" on ").append(safe(host));
    }
    sb.append(" in ").append(elapsedMillis).append(" ms");
    if (referrals > 0) {
      sb.append(", ").append(referrals).append(referrals == 1 ? " referral" : " referrals").append(" followed");
    }
    sb.append('\n');
    for (Map<String, Object> a : attempts) {
      sb.append("  ").append(safe(a.get("host"))).append("  ").append(a.get("outcome"))
          .append("  ").append(a.get("millis")).append(" ms  ").append(safe(a.get("detail"))).append('\n');
    }
    for (Map.Entry<String, Object> e : extra.entrySet()) {
      Object v = e.getValue();
      if (v instanceof List<?> list) {
        sb.append(e.getKey()).append(":\n");
        for (Object item : list) {
          sb.append("  ").append(item instanceof Map<?, ?> m ? row(m) : safe(item)).append('\n');
        }
      } else {
        sb.append(e.getKey()).append(": ").append(safe(v)).append('\n');
      }
    }
    if (error != null) {
      sb.append(paint("error: ", "31", colour)).append(ServerText.printable(error, ERROR_MAX)).append('\n');
    }
    return sb.toString();
  }

  private static String safe(Object value) {
    return ServerText.printable(String.valueOf(value), TEXT_MAX);
  }

  /** A row's values, each printable and capped: {@code [a, b, c]}. */
  private static String row(Map<?, ?> m) {
    StringBuilder sb = new StringBuilder("[");
    for (Object v : m.values()) {
      if (sb.length() > 1) {
        sb.append(", ");
      }
      sb.append(safe(v));
    }
    return sb.append(']').toString();
  }

  private static String paint(String s, String code, boolean colour) {
    return colour ? "\u001b[" + code + "m" + s + "\u001b[0m" : s;
  }
}
