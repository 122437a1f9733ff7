package org.repgroup.core.config;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.repgroup.core.Credentials;
import org.repgroup.core.DeploymentMode;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.StoreHostList;
import org.repgroup.core.TlsPolicy;

/** The {@code proxy:<group>.*} options of one group, collected until all are read. */
final class GroupOptions {

  private final ConfigurationReader reader;
  private final String name;
  private final ConfigOption first;
  private StoreHostList hosts;
  private ConfigOption hostsOption;
  private final Map<Protocol, Integer> ports = new LinkedHashMap<>();
  private ConfigOption admin;
  private ConfigOption adminPass;
  private final List<String> allow = new ArrayList<>();
  private ConfigOption allowOption;
  private DeploymentMode mode;
  private TlsPolicy.Mode tls;
  private ConfigOption tlsOption;
  private ConfigOption trustStore;
  private ConfigOption trustStorePass;
  private ConfigOption trustStoreType;
  private ConfigOption hostNameCheck;

  GroupOptions(ConfigurationReader reader, String name, ConfigOption first) {
    this.reader = reader;
    this.name = name;
    this.first = first;
  }

  /** Reads {@code option} (one of {@link OptionNames#GROUP}); bad values fail at once. */
  void accept(String option, ConfigOption o) throws ConfigurationException {
    Protocol portOf = ConfigurationReader.portProtocol(option);
    if (portOf != null) {
      ports.put(portOf, reader.port(o));
      return;
    }
    switch (option) {
      case "storehostlist" -> {
        hosts = reader.hostList(name, o);
        hostsOption = o;
      }
      case "imapadmin" -> admin = o;
      case "imapadminpass" -> adminPass = o;
      case "referralallowlist" -> {
        allowOption = o;
        for (String h : o.value().strip().split("\\s+")) {
          if (!h.isEmpty()) {
            allow.add(h);
          }
        }
      }
      case "deploymentmode" -> mode = deploymentMode(o);
      case "tls" -> {
        tls = tlsMode(o);
        tlsOption = o;
      }
      case "truststore" -> trustStore = o;
      case "truststorepass" -> trustStorePass = o;
      case "truststoretype" -> {
        if (o.value().isBlank()) {
          throw reader.error(o, o.shownName() + ": empty trust store type (e.g. PKCS12 or JKS)");
        }
        trustStoreType = o;
      }
      case "tlshostnamecheck" -> {
        reader.flag(o);
        hostNameCheck = o;
      }
      default -> throw new IllegalStateException("not a group option: " + option);
    }
  }

  private DeploymentMode deploymentMode(ConfigOption o) throws ConfigurationException {
    return switch (o.value().strip().toLowerCase(Locale.ROOT)) {
      case "replicated" -> DeploymentMode.REPLICATED;
      case "two-site" -> DeploymentMode.TWO_SITE;
      case "classic" -> DeploymentMode.CLASSIC;
      default -> throw reader.error(o, o.shownName() + ": expected replicated, two-site or classic, got "
          + o.shownValue());
    };
  }

  private TlsPolicy.Mode tlsMode(ConfigOption o) throws ConfigurationException {
    return switch (o.value().strip().toLowerCase(Locale.ROOT)) {
      case "none" -> TlsPolicy.Mode.NONE;
      case "starttls" -> TlsPolicy.Mode.STARTTLS;
      case "implicit" -> TlsPolicy.Mode.IMPLICIT;
      default -> throw reader.error(o, o.shownName() + ": expected none, starttls or implicit, got "
          + o.shownValue());
    };
  }

  ReplicationGroup build(ConfigurationReader.StoreReplication replication, List<UnknownOption> unknown)
      throws ConfigurationException {
    if (hosts == null) {
      throw reader.error(first, "group " + name + " has options but no proxy:" + name + ".storehostlist"
          + unknownHint(unknown));
    }
    if ((admin == null) != (adminPass == null)) {
      ConfigOption present = admin != null ? admin : adminPass;
      throw reader.error(present, "group " + name + ": imapadmin and imapadminpass must be set together");
    }
    ReplicationGroup.Builder b = ReplicationGroup.builder(name, hosts);
    ports.forEach(b::port);
    if (admin != null) {
      try {
        b.admin(new Credentials(admin.value(), adminPass.value()));
      } catch (IllegalArgumentException e) {
        throw reader.error(admin, "group " + name + ": " + e.getMessage());
      }
    }
    for (String h : allow) {
      try {
        b.allowReferralsTo(h);
      } catch (IllegalArgumentException e) {
        throw reader.error(allowOption, "group " + name + ": referral allow-list: " + e.getMessage());
      }
    }
    DeploymentMode derived = mode != null ? mode : replication.modeFor(hosts.size());
    if (derived != null) {
      b.deploymentMode(derived);
    }
    b.tls(tlsPolicy());
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw reader.error(hostsOption, e.getMessage());
    }
  }

  private TlsPolicy tlsPolicy() throws ConfigurationException {
    ConfigOption trustOption = trustStore != null ? trustStore
        : trustStorePass != null ? trustStorePass
        : trustStoreType != null ? trustStoreType : hostNameCheck;
    if (tls == null || tls == TlsPolicy.Mode.NONE) {
      if (trustOption != null) {
        throw reader.error(trustOption, "group " + name + ": " + trustOption.shownName() + " needs proxy:" + name
            + ".tls starttls or implicit" + (tlsOption == null ? "" : " (line " + tlsOption.line() + " says none)"));
      }
      return TlsPolicy.NONE;
    }
    TlsPolicy policy = TlsPolicy.of(tls);
    if (trustStore == null && (trustStorePass != null || trustStoreType != null)) {
      ConfigOption orphan = trustStorePass != null ? trustStorePass : trustStoreType;
      throw reader.error(orphan, "group " + name + ": " + orphan.shownName() + " needs proxy:" + name + ".truststore");
    }
    if (trustStore != null) {
      Path path;
      try {
        path = Path.of(trustStore.value().strip());
      } catch (InvalidPathException e) {
        throw reader.error(trustStore, trustStore.shownName() + ": not a file name: " + trustStore.shownValue());
      }
      if (trustStore.value().isBlank() || !Files.isRegularFile(path) || !Files.isReadable(path)) {
        throw reader.error(trustStore, trustStore.shownName() + ": trust store " + trustStore.shownValue()
            + " is not a readable file");
      }
      String type = trustStoreType != null ? trustStoreType.value().strip() : KeyStore.getDefaultType();
      policy = policy.withTrustStore(path, trustStorePass == null ? null : trustStorePass.value(), type);
    }
    if (hostNameCheck != null) {
      policy = policy.withHostNameCheck(reader.flag(hostNameCheck));
    }
    return policy;
  }

  /** When the list is missing, a typo of its name is the likely cause: say so. */
  private String unknownHint(List<UnknownOption> unknown) {
    String prefix = OptionNames.PROXY + name + ".";
    for (UnknownOption u : unknown) {
      if (u.option().name().toLowerCase(Locale.ROOT).startsWith(prefix)) {
        return " (" + u.message() + ")";
      }
    }
    return "";
  }
}
