package org.repgroup.imap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.mail.AuthenticationFailedException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.repgroup.core.Credentials;
import org.repgroup.core.FailoverPolicy;
import org.repgroup.core.Intent;
import org.repgroup.core.Protocol;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.testkit.ImapReferralStyle;
import org.repgroup.testkit.SimulatedReplicationGroup;

/**
 * Logs at every level (the build turns DEBUG on for org.repgroup in tests) never
 * contain a password, whatever happened: referrals followed, a proxy login, a
 * refused password.
 */
@Timeout(30)
class ImapLogHygieneTest {

  static final String USER_PASSWORD = "u5er-Pa55word-7f3a";
  static final String ADMIN_PASSWORD = "adm1n-Pa55word-91c2";
  static final String WRONG_PASSWORD = "wr0ng-Pa55word-c4d8";

  @Test
  void logsNeverContainAPassword() throws Exception {
    try (SimulatedReplicationGroup g = SimulatedReplicationGroup.builder().user("alice", USER_PASSWORD)
        .admin("mmpadmin", ADMIN_PASSWORD).imapReferral(ImapReferralStyle.NO).startAsMaster(2).build();
         RepgroupResources resources = RepgroupResources.create()) {
      ImapFailoverClient imap = ImapFailoverClient.builder(resources)
          .policy(FailoverPolicy.builder().stagger(Duration.ZERO).build()).build();
      ReplicationGroup group = g.replicationGroup(Protocol.IMAP);

      imap.connect(group, new Credentials("alice", USER_PASSWORD), Intent.WRITE).close();
      imap.connectAsAdminFor(group, "alice", Intent.WRITE).close();
      assertThatThrownBy(() -> imap.connect(group, new Credentials("alice", WRONG_PASSWORD), Intent.WRITE))
          .isInstanceOf(AuthenticationFailedException.class);

      String log = Files.readString(Path.of(System.getProperty("org.slf4j.simpleLogger.logFile")),
          StandardCharsets.UTF_8);
      assertThat(log).as("the operations were logged").contains("failover group=" + group.name());
      assertThat(log).doesNotContain(USER_PASSWORD).doesNotContain(ADMIN_PASSWORD).doesNotContain(WRONG_PASSWORD);
    }
  }
}
