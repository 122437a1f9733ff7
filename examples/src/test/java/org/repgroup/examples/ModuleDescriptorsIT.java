package org.repgroup.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.module.Configuration;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleDescriptor.Exports;
import java.lang.module.ModuleDescriptor.Requires;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.reflect.Array;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The built jars as a modular application sees them: on a module path (the jars Maven copied to
 * {@code target/module-path}), each Repgroup library is an explicit module, core's
 * {@code internal} package is exported only to the two siblings that use it, and the whole graph
 * with the real third-party jars resolves into a layer.
 */
class ModuleDescriptorsIT {

  static final Set<String> LIBRARIES = Set.of(
      "org.repgroup.core", "org.repgroup.testkit", "org.repgroup.mail", "org.repgroup.imap",
      "org.repgroup.pop", "org.repgroup.lmtp", "org.repgroup.ens", "org.repgroup.micrometer");
  static final String CORE_INTERNAL = "org.repgroup.core.internal";

  static ModuleFinder finder;

  @BeforeAll
  static void modulePath() {
    String dir = System.getProperty("repgroup.modulePath");
    assertThat(dir).as("system property repgroup.modulePath (set by the examples' failsafe)").isNotBlank();
    assertThat(Files.isDirectory(Path.of(dir))).as(dir).isTrue();
    finder = ModuleFinder.of(Path.of(dir));
  }

  static ModuleDescriptor descriptor(String module) {
    ModuleReference ref = finder.find(module).orElseThrow(
        () -> new AssertionError(module + " is not on the module path " + System.getProperty("repgroup.modulePath")));
    return ref.descriptor();
  }

  @Test
  void everyLibraryIsAnExplicitModuleThatOpensNothing() {
    for (String m : LIBRARIES) {
      ModuleDescriptor d = descriptor(m);
      assertThat(d.isAutomatic()).as(m + " is automatic (no module-info.class)").isFalse();
      assertThat(d.isOpen()).as(m).isFalse();
      assertThat(d.opens()).as(m).isEmpty();
    }
  }

  @Test
  void coreExportsItsApiToAllAndInternalOnlyToTestkitAndEns() {
    Map<String, Set<String>> exports = descriptor("org.repgroup.core").exports().stream()
        .collect(Collectors.toMap(Exports::source, Exports::targets));
    assertThat(exports).containsOnlyKeys(
        "org.repgroup.core", "org.repgroup.core.config", "org.repgroup.core.time", "org.repgroup.core.spi",
        CORE_INTERNAL);
    assertThat(exports.get("org.repgroup.core")).isEmpty();
    assertThat(exports.get("org.repgroup.core.spi")).isEmpty();
    assertThat(exports.get(CORE_INTERNAL)).containsExactlyInAnyOrder("org.repgroup.testkit", "org.repgroup.ens");
  }

  @Test
  void noOtherModuleExportsAnInternalOrQualifiedPackage() {
    for (String m : LIBRARIES) {
      for (Exports e : descriptor(m).exports()) {
        if (!e.source().equals(CORE_INTERNAL)) {
          assertThat(e.source()).as(m).doesNotContain(".internal");
          assertThat(e.isQualified()).as(m + " exports " + e.source()).isFalse();
        }
      }
    }
  }

  @Test
  void adaptersPassOnTheProtocolLibrariesTheirApiShows() {
    assertThat(transitive("org.repgroup.imap")).contains("org.repgroup.core", "org.eclipse.angus.mail");
    assertThat(transitive("org.repgroup.pop")).contains("org.repgroup.core", "org.eclipse.angus.mail");
    assertThat(transitive("org.repgroup.ens")).contains("org.repgroup.core", "okhttp3");
    assertThat(transitive("org.repgroup.micrometer")).contains("org.repgroup.core", "micrometer.core");
    assertThat(transitive("org.repgroup.lmtp")).contains("org.repgroup.core");
  }

  static Set<String> transitive(String module) {
    return descriptor(module).requires().stream()
        .filter(r -> r.modifiers().contains(Requires.Modifier.TRANSITIVE))
        .map(Requires::name)
        .collect(Collectors.toSet());
  }

  @Test
  void theGraphResolvesIntoALayerWhereOnlyTestkitAndEnsSeeCoreInternals() {
    Configuration cf = ModuleLayer.boot().configuration().resolve(finder, ModuleFinder.of(), LIBRARIES);
    ModuleLayer layer = ModuleLayer.boot().defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
    Module core = layer.findModule("org.repgroup.core").orElseThrow();

    for (String m : List.of("org.repgroup.imap", "org.repgroup.pop", "org.repgroup.lmtp", "org.repgroup.ens",
        "org.repgroup.micrometer", "org.repgroup.testkit", "org.repgroup.mail")) {
      Module module = layer.findModule(m).orElseThrow();
      assertThat(module.canRead(core)).as(m + " reads core").isTrue();
      assertThat(core.isExported("org.repgroup.core.spi", module)).as(m).isTrue();
      boolean sibling = m.equals("org.repgroup.testkit") || m.equals("org.repgroup.ens");
      assertThat(core.isExported(CORE_INTERNAL, module)).as(m + " sees " + CORE_INTERNAL).isEqualTo(sibling);
    }
    // A user's code (here: this test, in the unnamed module) sees the API but not the internals.
    Module user = ModuleDescriptorsIT.class.getModule();
    assertThat(core.isExported("org.repgroup.core", user)).isTrue();
    assertThat(core.isExported(CORE_INTERNAL, user)).isFalse();
  }

  /**
   * Runs code across the qualified export: in the layer, the testkit's ENS gateway (which parses
   * with core's internal JSON reader) takes an event the ENS publisher sends (its wire format and
   * the affinity store are core internals too) over OkHttp, okio and the Kotlin stdlib as modules.
   * Called by reflection, as this test is outside the layer.
   */
  @Test
  void inTheLayerThePublisherDeliversAnEventToTheTestkitGateway() throws Exception {
    Configuration cf = ModuleLayer.boot().configuration().resolve(finder, ModuleFinder.of(), LIBRARIES);
    ModuleLayer layer = ModuleLayer.boot().defineModulesWithOneLoader(cf, ClassLoader.getPlatformClassLoader());
    ClassLoader loader = layer.findLoader("org.repgroup.ens");
    Class<?> logType = loader.loadClass("org.repgroup.testkit.EnsEventLog");
    Class<?> gatewayType = loader.loadClass("org.repgroup.testkit.EnsGateway");
    assertThat(gatewayType.getModule().getLayer()).isSameAs(layer);

    Object gateway = gatewayType.getConstructor(logType).newInstance(logType.getConstructor(int.class).newInstance(10));
    call(gateway, gatewayType, "start");
    Object resources = call(null, loader.loadClass("org.repgroup.core.RepgroupResources"), "create");
    try {
      Class<?> hostType = loader.loadClass("org.repgroup.core.HostAddress");
      Object hosts = Array.newInstance(hostType, 1);
      Array.set(hosts, 0, call(gateway, gatewayType, "address"));
      Class<?> hostListType = loader.loadClass("org.repgroup.core.StoreHostList");
      Object hostList = hostListType.getMethod("of", hosts.getClass()).invoke(null, hosts);
      Class<?> groupType = loader.loadClass("org.repgroup.core.ReplicationGroup");
      Object groupBuilder = groupType.getMethod("builder", String.class, hostListType)
          .invoke(null, "store1.example.com", hostList);
      Object group = call(groupBuilder, groupBuilder.getClass(), "build");

      Class<?> eventType = loader.loadClass("org.repgroup.ens.EnsEvent");
      Class<?> typeType = loader.loadClass("org.repgroup.ens.EventType");
      Object eventBuilder = eventType.getMethod("builder", typeType).invoke(null, typeType.getField("NEW_MSG").get(null));
      Class<?> eventBuilderType = eventBuilder.getClass();
      eventBuilderType.getMethod("mailbox", String.class).invoke(eventBuilder, "alice");
      eventBuilderType.getMethod("uid", long.class).invoke(eventBuilder, 62L);
      Object event = call(eventBuilder, eventBuilderType, "build");

      Class<?> publisherType = loader.loadClass("org.repgroup.ens.EnsPublisher");
      Object publisherBuilder = publisherType.getMethod("builder", resources.getClass()).invoke(null, resources);
      Object publisher = call(publisherBuilder, publisherBuilder.getClass(), "build");
      Object result = publisherType.getMethod("publish", groupType, eventType).invoke(publisher, group, event);

      assertThat(call(result, result.getClass(), "anyTaken")).as(result.toString()).isEqualTo(true);
      assertThat(call(gateway, gatewayType, "publishCount")).isEqualTo(1);
      assertThat(call(gateway, gatewayType, "published").toString()).contains("alice");
    } finally {
      call(resources, resources.getClass(), "close");
      call(gateway, gatewayType, "close");
    }
  }

  static Object call(Object target, Class<?> type, String method) throws Exception {
    try {
      return type.getMethod(method).invoke(target);
    } catch (InvocationTargetException e) {
      throw new AssertionError(type.getName() + "." + method + "() failed in the layer: " + e.getCause(), e.getCause());
    }
  }
}
