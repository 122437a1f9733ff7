package org.repgroup.examples;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.MessagingException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.angus.mail.imap.IMAPStore;
import org.eclipse.angus.mail.pop3.POP3Store;
import org.repgroup.core.Credentials;
import org.repgroup.core.GroupRegistry;
import org.repgroup.core.HealthSnapshot;
import org.repgroup.core.Intent;
import org.repgroup.core.ReplicationGroup;
import org.repgroup.core.RepgroupResources;
import org.repgroup.core.config.ConfigurationException;
import org.repgroup.core.config.RepgroupConfiguration;
import org.repgroup.ens.EnsEvent;
import org.repgroup.ens.EnsPublisher;
import org.repgroup.ens.EnsSubscriber;
import org.repgroup.ens.EventFilter;
import org.repgroup.ens.EventType;
import org.repgroup.ens.Subscription;
import org.repgroup.imap.AppendResult;
import org.repgroup.imap.BurlFetchException;
import org.repgroup.imap.BurlFetcher;
import org.repgroup.imap.ImapFailoverClient;
import org.repgroup.imap.UrlFetchResult;
import org.repgroup.lmtp.DeliveryResult;
import org.repgroup.lmtp.LmtpFailoverClient;
import org.repgroup.lmtp.MessageSource;
import org.repgroup.lmtp.RecipientStatus;
import org.repgroup.mail.MailGroupUnavailableException;
import org.repgroup.micrometer.RepgroupMetrics;
import org.repgroup.pop.PopFailoverClient;

/**
 * The code of the README's "Using it" section, verbatim, as a user's project
 * writes it: one method per snippet, its free names (the user, the password,
 * the MTA's queue) as parameters. {@code ReadmeExamplesTest} runs every method
 * against a simulated group and checks that each README snippet is here word
 * for word, so the README cannot drift from the API.
 */
public final class ReadmeExamples {

  private ReadmeExamples() {}

  /** A user as the front end looks it up (LDAP, a directory...). */
  public interface User {
    /** The user's {@code mailHost} attribute: the name of the group holding the mailbox. */
    String mailHost();
  }

  /** The MTA's queue: what happened to each recipient of a message. */
  public interface DeliveryQueue {
    /** Settles one recipient: delivered, deferred (try again) or bounced. */
    void settle(String address, RecipientStatus status);
  }

  /** The SMTP session of a BURL command. */
  public interface SmtpSession {
    /** Sends {@code reply} to the SMTP client. */
    void reply(String reply);
  }

  /** What the embedding application shows on its status page. */
  public interface StatusPage {
    /** One fact about a group. */
    void show(String what, Object value);

    /** Something an operator should look at. */
    void alert(String text);
  }

  /** Receives the ENS events a subscriber hears. */
  public interface Notifier {
    /** Tells the user's client about {@code event}. */
    void notifyUser(EnsEvent event);
  }

  /** The front end's session with its own client. */
  public interface ClientSession {
    /** Proxies the session to the store. */
    void proxyTo(IMAPStore store);

    /** Refuses the login. */
    void refuse(String why);

    /** Asks the client to come back later. */
    void tryLater(String why);
  }

  /** Webmail's page after "save": the message is in the mailbox, or may not be. */
  public interface SavePage {
    /** Saved once, with its UID when the server told it. */
    void saved(java.util.OptionalLong uid);

    /** Whether it was saved is not known (the connection dropped). */
    void warn(String text);
  }

  /** The set-up: what the snippet makes, for the snippets that follow. */
  public record SetUp(RepgroupResources resources, GroupRegistry groups, ReplicationGroup group) {}

  /** "Share one RepgroupResources ...": resources, the operators' configuration, the user's group. */
  public static SetUp setUp(Path msconfig, User user) throws ConfigurationException, IOException {
    RepgroupResources resources = RepgroupResources.create();
    GroupRegistry groups = RepgroupConfiguration.load(msconfig).registry();   // e.g. /opt/sun/comms/messaging64/config/msconfig.txt
    ReplicationGroup group = groups.groupFor(user.mailHost());   // a mailHost with no group is a group of one
    return new SetUp(resources, groups, group);
  }

  /** MMP IMAP proxy: a proxy login as the group's admin, for the user. */
  public static IMAPStore mmpImapProxy(RepgroupResources resources, ReplicationGroup group) throws MessagingException {
    ImapFailoverClient imap = ImapFailoverClient.builder(resources).build();
    IMAPStore store = imap.connectAsAdminFor(group, "alice", Intent.WRITE);
    return store;
  }

  /** Webmail and shared folders: the user's own credentials; a referral may lead to an allowed host. */
  public static IMAPStore webmail(ImapFailoverClient imap, ReplicationGroup group, String password)
      throws MessagingException {
    IMAPStore store = imap.connect(group.toBuilder().allowReferralsTo("shared.example.com").build(),
        new Credentials("alice", password), Intent.WRITE);
    return store;
  }

  /** Exactly-once APPEND: after a dropped connection the message is looked for before appending again. */
  public static void exactlyOnceAppend(ImapFailoverClient imap, ReplicationGroup group, String password,
      jakarta.mail.Message message, SavePage ui) throws MessagingException {
    AppendResult r = imap.append(group, new Credentials("alice", password), "INBOX", message);
    switch (r.outcome()) {
      case APPENDED, ALREADY_PRESENT -> ui.saved(r.uid());   // in the mailbox exactly once
      case UNKNOWN -> ui.warn("may not have been saved: " + r.detail());   // no Message-ID, or the store kept dropping
    }
  }

  /** MMP POP proxy. */
  public static POP3Store popProxy(RepgroupResources resources, ReplicationGroup group, String password)
      throws MessagingException {
    POP3Store pop = PopFailoverClient.builder(resources).build().connect(group, new Credentials("alice", password));
    return pop;
  }

  /** MTA LMTP delivery: one result per recipient, each settled in the MTA's queue. */
  public static void lmtpDelivery(RepgroupResources resources, ReplicationGroup group, Path file, DeliveryQueue queue)
      throws Exception {
    try (LmtpFailoverClient lmtp = LmtpFailoverClient.builder(resources).build()) {
      DeliveryResult r = lmtp.deliver(group, "sender@example.com", List.of("alice@example.com"), MessageSource.of(file));
      r.recipients().forEach(rcpt -> queue.settle(rcpt.address(), rcpt.status()));
    }
  }

  /** MTA BURL: the message behind a URLAUTH URL into the SMTP DATA stream, or the SMTP reply that says why not. */
  public static void burl(RepgroupResources resources, ReplicationGroup group, String secret, String url,
      OutputStream smtpData, SmtpSession smtp) throws IOException {
    BurlFetcher burl = BurlFetcher.builder(resources, new Credentials("submit", secret)).build();
    try (UrlFetchResult msg = burl.fetch(group, url)) {
      msg.stream().transferTo(smtpData);
    } catch (BurlFetchException e) {
      smtp.reply(e.smtpReply());   // 451 4.4.1 while the store is down
    }
  }

  /** ENS: publish to every host; subscribe with failover and resume. */
  public static Subscription ens(RepgroupResources resources, ReplicationGroup group, Notifier notifier)
      throws InterruptedException {
    EnsPublisher.builder(resources).build().publish(group, EnsEvent.builder(EventType.NEW_MSG).mailbox("alice").uid(62).build());
    Subscription s = EnsSubscriber.builder(resources).build()
        .subscribe(group, EventFilter.of(EventType.NEW_MSG), (event, id) -> notifier.notifyUser(event));
    return s;
  }

  /** Failures: a refused login apart from a group that cannot serve. */
  public static void failures(ImapFailoverClient imap, ReplicationGroup group, String password, ClientSession client) {
    try {
      client.proxyTo(imap.connect(group, new Credentials("alice", password), Intent.WRITE));
    } catch (AuthenticationFailedException e) {
      client.refuse("wrong user or password");              // never retried on another host
    } catch (MailGroupUnavailableException e) {
      client.tryLater(e.kind() + ": " + e.getMessage());    // IMAP and POP; names every host tried and why
    } catch (MessagingException e) {
      client.tryLater(e.getMessage());
    }
  }

  /** Metrics: the Micrometer binding as the resources' listener. */
  public static RepgroupResources metrics(GroupRegistry groups, MeterRegistry meterRegistry) {
    RepgroupMetrics metrics = RepgroupMetrics.of(groups);   // the configured groups bound the tags
    RepgroupResources resources = RepgroupResources.builder().listener(metrics).build();
    metrics.bindTo(meterRegistry);
    return resources;
  }

  /** Health: what the resources' clients learned, on a status page. */
  public static void statusPage(RepgroupResources resources, ReplicationGroup group, StatusPage page) {
    HealthSnapshot health = resources.health();
    health.group(group.name()).flatMap(HealthSnapshot.GroupHealth::master).ifPresent(m -> page.show("master", m));
    for (HealthSnapshot.HostStatus h : health.hostsOf(group)) {
      h.recheckDueIn().ifPresent(due -> page.alert(h.host() + " down (" + h.downReason().orElse("") + "), recheck in " + due));
    }
  }
}
