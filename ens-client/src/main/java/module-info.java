/** Repgroup's ENS (event notification) client over OkHttp: publisher and SSE subscriptions. */
module org.repgroup.ens {
  requires transitive org.repgroup.core;
  requires transitive okhttp3;
  requires okio;

  exports org.repgroup.ens;
}
