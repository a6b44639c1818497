package io.meshfed.transport.gossip;

import io.meshfed.protocol.names.Names;
import io.meshfed.transport.dial.TlsDial;
import io.meshfed.transport.tls.TlsMaterial;
import io.meshfed.transport.tls.TlsSource;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;

/**
 * Dials a member over native TLS. The TCP connection goes to the given address, the
 * member's own server port in the same DC or a mesh gateway for another DC; the SNI (RFC 6066 §3) is
 * {@code <node>.server.<dc>.<domain>} derived from the member name, and the server certificate is
 * verified against that name, not the address, since through a gateway only the name says which
 * server must answer. The channel is handed over only once the gossip ALPN id (RFC 7301) was agreed.
 */
public final class TlsGossipDialer implements GossipDialer {
  /** The WAN join placeholder's prefix: {@code *.<dc>} is any server of dc. */
  public static final String ANY_SERVER_PREFIX = "*.";

  private final Map<GossipProtocol, Supplier<SslContext>> contexts;
  private final String domain;
  private final Duration connectTimeout;

  private TlsGossipDialer(Map<GossipProtocol, Supplier<SslContext>> contexts, String domain, Duration connectTimeout) {
    this.contexts = contexts;
    this.domain = domain;
    this.connectTimeout = connectTimeout;
  }

  /** Presents {@code material}'s certificate and trusts only its CA. */
  public static TlsGossipDialer create(TlsMaterial material, String domain, Duration connectTimeout)
      throws SSLException {
    return create(TlsSource.of(material), domain, connectTimeout);
  }

  /** Presents the certificate of the material in force at each dial, and trusts only its CAs. */
  public static TlsGossipDialer create(TlsSource tls, String domain, Duration connectTimeout) throws SSLException {
    Map<GossipProtocol, Supplier<SslContext>> contexts = new EnumMap<>(GossipProtocol.class);
    for (GossipProtocol protocol : GossipProtocol.values()) {
      contexts.put(protocol, tls.client(protocol.alpnId()));
    }
    return new TlsGossipDialer(contexts, Objects.requireNonNull(domain, "domain"),
        Objects.requireNonNull(connectTimeout, "connectTimeout"));
  }

  @Override
  public CompletionStage<Channel> dial(String member, InetSocketAddress address, GossipProtocol protocol,
      EventLoopGroup group, Consumer<ChannelPipeline> installer) {
    String sni = sni(member);
    if (sni == null) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("member name does not encode a datacenter: " + member));
    }
    return TlsDial.open(group, address, contexts.get(protocol).get(), sni, protocol.alpnId(), connectTimeout, installer);
  }

  /**
   * {@code <node>.server.<dc>.<domain>} for a member; {@code server.<dc>.<domain>} for the join
   * placeholder {@code *.<dc>} ("any server of dc"), which the gateway or server
   * answers with whichever server it picks. Null when {@code member} is neither.
   */
  private String sni(String member) {
    if (member.startsWith(ANY_SERVER_PREFIX)) {
      String dc = member.substring(ANY_SERVER_PREFIX.length());
      return Names.datacenterError(dc).isPresent() ? null : Names.anyServerSni(dc, domain);
    }
    return Names.parseWanMemberName(member)
        .map(name -> Names.serverSni(name.node(), name.datacenter(), domain)).orElse(null);
  }
}
