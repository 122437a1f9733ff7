/** Repgroup's ENS (event notification) client over OkHttp: publisher and SSE subscriptions. */
module org.repgroup.ens {
  requires transitive org.repgroup.core;
  requires transitive okhttp3;
  requires okio;
  // OkHttp 4 is an automatic module, which requires nothing: without this its Kotlin stdlib
  // would not be resolved on a module path (NoClassDefFoundError: kotlin/jvm/internal/Intrinsics).
  requires kotlin.stdlib;

  exports org.repgroup.ens;
}
