package io.meshfed.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.tls.CertificateTool.Issued;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real loopback TLS between a server-port context and a dialing context, both from {@link TlsMaterial}. */
class TlsContextsTest {
  private static final Issued CA = CertificateTool.createCa("meshfed", TestPki.YEAR);
  private static final Issued N1 = CertificateTool.createServerCert(CA, "dc1", "n1", "meshfed", TestPki.YEAR);
  private static final Issued N2 = CertificateTool.createServerCert(CA, "dc2", "n2", "meshfed", TestPki.YEAR);
  private static EventLoopGroup group;

  @TempDir
  Path dir;
  TestPki pki;

  @BeforeAll
  static void startLoop() {
    group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stopLoop() {
    group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @BeforeEach
  void setUp() {
    pki = new TestPki(dir);
  }

  /** What one side saw: the handshake outcome, the negotiated protocol and the peer certificate. */
  record Side(CompletableFuture<String> protocol, CompletableFuture<X509Certificate> peer,
              CompletableFuture<String> echo) {
    Side() {
      this(new CompletableFuture<>(), new CompletableFuture<>(), new CompletableFuture<>());
    }
  }

  /** Records the handshake of {@code side} and echoes (server) or sends "ping" and awaits the echo (client). */
  private static final class Recorder extends ChannelInboundHandlerAdapter {
    private final Side side;
    private final boolean client;

    Recorder(Side side, boolean client) {
      this.side = side;
      this.client = client;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (evt instanceof SslHandshakeCompletionEvent done) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (done.isSuccess()) {
          side.protocol.complete(String.valueOf(ssl.applicationProtocol()));
          try {
            side.peer.complete((X509Certificate) ssl.engine().getSession().getPeerCertificates()[0]);
          } catch (Exception e) {
            side.peer.completeExceptionally(e);
          }
          if (client) {
            ctx.writeAndFlush(Unpooled.copiedBuffer("ping", StandardCharsets.US_ASCII));
          }
        } else {
          side.protocol.completeExceptionally(done.cause());
          side.peer.completeExceptionally(done.cause());
        }
      }
      ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (client) {
        side.echo.complete(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
        ((ByteBuf) msg).release();
      } else {
        ctx.writeAndFlush(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      IllegalStateException closed = new IllegalStateException("connection closed");
      side.protocol.completeExceptionally(closed);
      side.peer.completeExceptionally(closed);
      side.echo.completeExceptionally(closed);
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      side.echo.completeExceptionally(cause);
      ctx.close();
    }
  }

  private record Connection(Side server, Side client, Channel serverChannel, Channel clientChannel) {
    void close() {
      clientChannel.close().syncUninterruptibly();
      serverChannel.close().syncUninterruptibly();
    }
  }

  private static Connection connect(Function<Channel, SslHandler> serverSsl, SslContext clientContext, String serverName)
      throws InterruptedException {
    Side server = new Side();
    Side client = new Side();
    Channel listener = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(serverSsl.apply(ch), new Recorder(server, false));
          }
        })
        .bind("127.0.0.1", 0).sync().channel();
    int port = ((InetSocketAddress) listener.localAddress()).getPort();
    Channel dialer = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(TlsContexts.clientHandler(clientContext, ch.alloc(), serverName, port),
                new Recorder(client, true));
          }
        })
        .connect("127.0.0.1", port).sync().channel();
    return new Connection(server, client, listener, dialer);
  }

  private static Function<Channel, SslHandler> netty(SslContext context) {
    return ch -> context.newHandler(ch.alloc());
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  private static Throwable failure(CompletableFuture<?> future) {
    assertThatThrownBy(() -> future.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
    return future.handle((ok, e) -> e).join();
  }

  private static String causes(Throwable e) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      text.append(t).append(" | ");
    }
    return text.toString();
  }

  @Test
  void boringSslIsTheProvider() throws Exception {
    assertThat(OpenSsl.isAvailable()).isTrue();
    assertThat(OpenSsl.versionString()).contains("BoringSSL");
    assertThat(TlsContexts.provider()).isEqualTo(SslProvider.OPENSSL);
    SslContext server = TlsContexts.serverPort(pki.material(CA, N1), WireConstants.ALPN_IDS);
    SSLEngine engine = server.newEngine(io.netty.buffer.ByteBufAllocator.DEFAULT);
    assertThat(engine).isInstanceOf(ReferenceCountedOpenSslEngine.class);
    assertThat(engine.getNeedClientAuth()).isTrue();
    // BoringSSL's engine always lists the SSLv2Hello pseudo-protocol; no SSLv2 is ever spoken.
    assertThat(engine.getEnabledProtocols()).contains("TLSv1.2", "TLSv1.3").doesNotContain("TLSv1", "TLSv1.1");
  }

  @Test
  void mutualTlsHandshakeNegotiatesTheAlpnIdAndEchoes() throws Exception {
    SslContext serverContext = TlsContexts.serverPort(pki.material(CA, N1), WireConstants.ALPN_IDS);
    SslContext clientContext = TlsContexts.client(pki.material(CA, N2), WireConstants.ALPN_WAN_GOSSIP_STREAM);
    Connection c = connect(netty(serverContext), clientContext, "n1.server.dc1.meshfed");
    try {
      assertThat(await(c.client().protocol())).isEqualTo(WireConstants.ALPN_WAN_GOSSIP_STREAM);
      assertThat(await(c.server().protocol())).isEqualTo(WireConstants.ALPN_WAN_GOSSIP_STREAM);
      assertThat(await(c.client().echo())).isEqualTo("ping");
      assertThat(await(c.client().peer())).isEqualTo(N1.certificate());
      assertThat(await(c.server().peer())).isEqualTo(N2.certificate());
    } finally {
      c.close();
    }
  }

  @Test
  void anyServerNameVerifiesToo() throws Exception {
    SslContext serverContext = TlsContexts.serverPort(pki.material(CA, N1), WireConstants.ALPN_IDS);
    SslContext clientContext = TlsContexts.client(pki.material(CA, N2), WireConstants.ALPN_RPC);
    Connection c = connect(netty(serverContext), clientContext, "server.dc1.meshfed");
    try {
      assertThat(await(c.client().echo())).isEqualTo("ping");
      assertThat(await(c.server().protocol())).isEqualTo(WireConstants.ALPN_RPC);
    } finally {
      c.close();
    }
  }

  @Test
  void clientCertificateOfAnotherCaIsRefused() throws Exception {
    Issued otherCa = CertificateTool.createCa("meshfed", TestPki.YEAR);
    Issued intruder = CertificateTool.createServerCert(otherCa, "dc2", "n2", "meshfed", TestPki.YEAR);
    // The intruder trusts our CA, so only the server's check of its certificate can stop it.
    TlsMaterial intruderMaterial = TlsMaterial.load(pki.write("our-ca.pem", CA.certificatePem()),
        pki.write("intruder.pem", intruder.certificatePem()), pki.write("intruder-key.pem", intruder.privateKeyPem()));
    SslContext serverContext = TlsContexts.serverPort(pki.material(CA, N1), WireConstants.ALPN_IDS);
    Connection c = connect(netty(serverContext), TlsContexts.client(intruderMaterial, WireConstants.ALPN_RPC),
        "n1.server.dc1.meshfed");
    try {
      assertThat(causes(failure(c.server().protocol())))
          .contains("Path does not chain with any of the trust anchors");
      failure(c.client().echo());
    } finally {
      c.close();
    }
  }

  @Test
  void serverCertificateForAnotherNodeFailsHostnameVerification() throws Exception {
    SslContext serverContext = TlsContexts.serverPort(pki.material(CA, N1), WireConstants.ALPN_IDS);
    SslContext clientContext = TlsContexts.client(pki.material(CA, N2), WireConstants.ALPN_RPC);
    Connection c = connect(netty(serverContext), clientContext, "n2.server.dc1.meshfed");
    try {
      assertThat(causes(failure(c.client().protocol())))
          .contains("No subject alternative DNS name matching n2.server.dc1.meshfed found");
      failure(c.server().echo());
    } finally {
      c.close();
    }
  }

  @Test
  void unknownAlpnIdNegotiatesNoProtocol() throws Exception {
    SslContext serverContext = TlsContexts.serverPort(pki.material(CA, N1), WireConstants.ALPN_IDS);
    SslContext clientContext = TlsContexts.client(pki.material(CA, N2), "meshfed/bogus");
    Connection c = connect(netty(serverContext), clientContext, "n1.server.dc1.meshfed");
    try {
      // The handshake completes without a protocol; the server port's dispatcher closes such connections.
      assertThat(await(c.server().protocol())).isEqualTo("null");
      assertThat(await(c.client().protocol())).isEqualTo("null");
    } finally {
      c.close();
    }
  }

  @Test
  void jdkContextServesTheSameMaterialToABoringSslClient() throws Exception {
    javax.net.ssl.SSLContext jdk = TlsContexts.jdkSslContext(pki.material(CA, N1));
    Function<Channel, SslHandler> jdkServer = ch -> {
      SSLEngine engine = jdk.createSSLEngine();
      engine.setUseClientMode(false);
      engine.setNeedClientAuth(true);
      return new SslHandler(engine);
    };
    SslContext clientContext = TlsContexts.client(pki.material(CA, N2), WireConstants.ALPN_RPC);
    Connection c = connect(jdkServer, clientContext, "n1.server.dc1.meshfed");
    try {
      assertThat(await(c.client().echo())).isEqualTo("ping");
      assertThat(await(c.server().peer())).isEqualTo(N2.certificate());
    } finally {
      c.close();
    }
  }
}
