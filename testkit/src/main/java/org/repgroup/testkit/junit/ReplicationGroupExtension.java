package org.repgroup.testkit.junit;

import java.io.IOException;
import java.lang.reflect.Parameter;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.testkit.SimulatedNode;
import org.repgroup.testkit.SimulatedReplicationGroup;
import org.repgroup.testkit.dovecot.Dovecot;
import org.repgroup.testkit.dovecot.DovecotGroup;
import org.repgroup.testkit.dovecot.DovecotInstance;

/**
 * Runs a replication group for JUnit 5 tests, as OkHttp's MockWebServer
 * extension runs a server: registered on an instance field, a new group for
 * each test, closed after it; on a {@code static} field, one group for the whole
 * class, closed after its last test. The group, its nodes and the
 * {@link ReplicationGroup} clients configure are injected into test methods.
 *
 * <pre>{@code
 * @RegisterExtension
 * final ReplicationGroupExtension<SimulatedReplicationGroup> group =
 *     ReplicationGroupExtension.simulated(b -> b.user("alice", "secret").startAsMaster(1));
 *
 * @Test
 * void writerFollowsTheReferral(@GroupFor(Protocol.IMAP) ReplicationGroup imap, @Node(1) SimulatedNode master) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Parameters it resolves: the group itself ({@link SimulatedReplicationGroup}
 * or {@link DovecotGroup}); {@code @Node(i)} {@link SimulatedNode} or
 * {@link DovecotInstance}; {@code @GroupFor(protocol)} {@link ReplicationGroup}
 * (named {@value #DOVECOT_GROUP_NAME} for Dovecot). Register one extension per
 * class for these types: two would both claim them.
 *
 * <p>{@link #dovecot} runs real Dovecot instances ({@link DovecotGroup}) under a
 * fresh temporary directory: when Dovecot is not installed its tests are skipped
 * with {@link Dovecot#INSTALL_HINT} as the reason, or fail when
 * {@link Dovecot#required()} ({@code REPGROUP_REQUIRE_DOVECOT=1}, as CI sets it).
 *
 * @param <G> the group it runs
 */
public final class ReplicationGroupExtension<G extends AutoCloseable>
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, ParameterResolver {

  /** The name of the {@link ReplicationGroup} injected for a Dovecot group. */
  public static final String DOVECOT_GROUP_NAME = "store1.example.com";

  private final Kind<G> kind;
  private final Class<G> type;
  private volatile G group;
  private volatile boolean perClass;

  private ReplicationGroupExtension(Class<G> type, Kind<G> kind) {
    this.type = type;
    this.kind = kind;
  }

  /** A simulated group with the builder's defaults (3 nodes, an election at start, no users). */
  public static ReplicationGroupExtension<SimulatedReplicationGroup> simulated() {
    return simulated(b -> { });
  }

  /** A simulated group built by a fresh {@link SimulatedReplicationGroup#builder()} that {@code configure} sets up. */
  public static ReplicationGroupExtension<SimulatedReplicationGroup> simulated(
      Consumer<SimulatedReplicationGroup.Builder> configure) {
    Objects.requireNonNull(configure, "configure");
    return new ReplicationGroupExtension<>(SimulatedReplicationGroup.class, new Kind<>() {
      @Override
      public SimulatedReplicationGroup start() {
        SimulatedReplicationGroup.Builder b = SimulatedReplicationGroup.builder();
        configure.accept(b);
        return b.build();
      }

      @Override
      public List<?> nodes(SimulatedReplicationGroup g) {
        return g.nodes();
      }

      @Override
      public Class<?> nodeType() {
        return SimulatedNode.class;
      }

      @Override
      public ReplicationGroup forClients(SimulatedReplicationGroup g, Protocol p) {
        return g.replicationGroup(p);
      }
    });
  }

  /**
   * Real Dovecot instances ({@link DovecotGroup}, 3 by default) that {@code configure}
   * sets up, under a temporary directory deleted after the group stops.
   */
  public static ReplicationGroupExtension<DovecotGroup> dovecot(Consumer<DovecotGroup.Builder> configure) {
    return dovecot(configure, Dovecot.binary().isPresent(), Dovecot.required());
  }

  /** {@link #dovecot(Consumer)} as if Dovecot were (not) installed and (not) required: for the extension's tests. */
  static ReplicationGroupExtension<DovecotGroup> dovecot(Consumer<DovecotGroup.Builder> configure, boolean installed,
      boolean required) {
    Objects.requireNonNull(configure, "configure");
    return new ReplicationGroupExtension<>(DovecotGroup.class, new Kind<>() {
      private Path workDir;

      @Override
      public DovecotGroup start() throws IOException {
        DovecotAssumptions.check(installed, required);
        workDir = Files.createTempDirectory("repgroup-dovecot-");
        DovecotGroup.Builder b = DovecotGroup.builder(workDir);
        configure.accept(b);
        try {
          return b.start();
        } catch (IOException | RuntimeException e) {
          deleteQuietly(workDir);
          throw e;
        }
      }

      @Override
      public void stopped() {
        if (workDir != null) {
          deleteQuietly(workDir);
          workDir = null;
        }
      }

      @Override
      public List<?> nodes(DovecotGroup g) {
        return g.instances();
      }

      @Override
      public Class<?> nodeType() {
        return DovecotInstance.class;
      }

      @Override
      public ReplicationGroup forClients(DovecotGroup g, Protocol p) {
        return g.replicationGroup(DOVECOT_GROUP_NAME, p);
      }
    });
  }

  /**
   * The running group.
   *
   * @throws IllegalStateException outside a test (before it started, after it closed)
   */
  public G group() {
    G g = group;
    if (g == null) {
      throw new IllegalStateException("no " + type.getSimpleName() + " is running: the extension starts one before"
          + " each test (instance field) or before the class (static field)");
    }
    return g;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    perClass = true;
    group = kind.start();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    close();
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (!perClass) {
      group = kind.start();
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (!perClass) {
      close();
    }
  }

  private void close() throws Exception {
    G g = group;
    group = null;
    try {
      if (g != null) {
        g.close();
      }
    } finally {
      kind.stopped();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext pc, ExtensionContext ec) {
    Parameter p = pc.getParameter();
    return p.getType() == type
        || p.isAnnotationPresent(Node.class)
        || (p.getType() == ReplicationGroup.class && p.isAnnotationPresent(GroupFor.class));
  }

  @Override
  public Object resolveParameter(ParameterContext pc, ExtensionContext ec) {
    Parameter p = pc.getParameter();
    G g = group;
    if (g == null) {
      throw new ParameterResolutionException("no " + type.getSimpleName() + " is running yet for " + where(pc)
          + " (a per-test group starts after the test class's constructor)");
    }
    if (p.getType() == type) {
      return g;
    }
    if (p.getType() == ReplicationGroup.class) {
      return kind.forClients(g, p.getAnnotation(GroupFor.class).value());
    }
    int index = p.getAnnotation(Node.class).value();
    if (p.getType() != kind.nodeType()) {
      throw new ParameterResolutionException("@Node(" + index + ") " + p.getType().getSimpleName() + ", "
          + where(pc) + ": a " + type.getSimpleName() + "'s nodes are " + kind.nodeType().getSimpleName());
    }
    List<?> nodes = kind.nodes(g);
    if (index < 0 || index >= nodes.size()) {
      throw new ParameterResolutionException("@Node(" + index + "), " + where(pc) + ": the group has "
          + nodes.size() + " nodes, 0-" + (nodes.size() - 1));
    }
    return nodes.get(index);
  }

  private static String where(ParameterContext pc) {
    return "parameter " + (pc.getIndex() + 1) + " of " + pc.getDeclaringExecutable().getName();
  }

  @Override
  public String toString() {
    return "ReplicationGroupExtension[" + type.getSimpleName() + (perClass ? ", per class" : "") + "]";
  }

  private static void deleteQuietly(Path dir) {
    try {
      Files.walkFileTree(dir, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          Files.deleteIfExists(file);
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
          Files.deleteIfExists(d);
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException ignored) {
      // a socket or log Dovecot still holds: the temporary directory's owner cleans up the rest
    }
  }

  /** How one kind of group starts, what its nodes are, and how clients configure it. */
  private interface Kind<G> {
    G start() throws Exception;

    default void stopped() {}

    List<?> nodes(G group);

    Class<?> nodeType();

    ReplicationGroup forClients(G group, Protocol protocol);
  }
}
