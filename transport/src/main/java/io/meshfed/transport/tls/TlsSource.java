package io.meshfed.transport.tls;

import io.netty.handler.ssl.SslContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/**
 * The TLS material in force and every context derived from it, replaceable while the server runs.
 * A listener or dialer takes a supplier from here and asks it for the context of each new
 * connection, so new handshakes use new material as soon as {@link #replace} returns, while
 * connections already established keep the engine they were made with.
 *
 * <p>{@link #replace} builds every context handed out so far from the new material before it swaps
 * anything: a material that cannot make one of them is refused whole, and the old one stays.
 */
public final class TlsSource {
  /** A kind of context, by what it is built for; equal keys share one context. */
  private record Kind(String name, List<String> alpnIds) {}

  private interface Builder {
    Object build(TlsMaterial material) throws SSLException;
  }

  private record Snapshot(TlsMaterial material, Map<Kind, Object> contexts) {}

  private final Map<Kind, Builder> builders = new HashMap<>();
  private final AtomicReference<Snapshot> current;

  private TlsSource(TlsMaterial material) {
    current = new AtomicReference<>(new Snapshot(material, Map.of()));
  }

  public static TlsSource of(TlsMaterial material) {
    return new TlsSource(Objects.requireNonNull(material, "material"));
  }

  /** The material in force now. */
  public TlsMaterial material() {
    return current.get().material();
  }

  /** The server port's context ({@link TlsContexts#serverPort}) of the material in force. */
  public Supplier<SslContext> serverPort(List<String> alpnIds) throws SSLException {
    return view(new Kind("server-port", List.copyOf(alpnIds)), m -> TlsContexts.serverPort(m, alpnIds));
  }

  /** A dialing context ({@link TlsContexts#client}) of the material in force. */
  public Supplier<SslContext> client(String alpnId) throws SSLException {
    return view(new Kind("client", List.of(alpnId)), m -> TlsContexts.client(m, alpnId));
  }

  /** A JDK context ({@link TlsContexts#jdkSslContext}) of the material in force. */
  public Supplier<SSLContext> jdk() throws SSLException {
    return view(new Kind("jdk", List.of()), TlsContexts::jdkSslContext);
  }

  /**
   * Puts {@code next} in force, with every context handed out so far rebuilt from it.
   *
   * @throws SSLException a context that cannot be built from {@code next}; nothing changed then
   */
  public synchronized void replace(TlsMaterial next) throws SSLException {
    Objects.requireNonNull(next, "next");
    Map<Kind, Object> contexts = new HashMap<>();
    for (Map.Entry<Kind, Builder> b : builders.entrySet()) {
      try {
        contexts.put(b.getKey(), b.getValue().build(next));
      } catch (RuntimeException e) {
        throw new SSLException("cannot build the " + b.getKey().name() + " TLS context: " + e.getMessage(), e);
      }
    }
    current.set(new Snapshot(next, Map.copyOf(contexts)));
  }

  /** What has been handed out, for a test: the context kinds a replace rebuilds. */
  synchronized List<String> kinds() {
    List<String> out = new ArrayList<>();
    builders.keySet().forEach(k -> out.add(k.name() + k.alpnIds()));
    return out;
  }

  @SuppressWarnings("unchecked")
  private synchronized <T> Supplier<T> view(Kind kind, Builder builder) throws SSLException {
    Snapshot now = current.get();
    if (!now.contexts().containsKey(kind)) {
      Map<Kind, Object> contexts = new HashMap<>(now.contexts());
      contexts.put(kind, builder.build(now.material()));
      builders.put(kind, builder);
      current.set(new Snapshot(now.material(), Map.copyOf(contexts)));
    }
    return () -> (T) current.get().contexts().get(kind);
  }
}
