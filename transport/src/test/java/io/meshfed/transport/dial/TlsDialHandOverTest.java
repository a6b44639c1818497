package io.meshfed.transport.dial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.meshfed.protocol.names.WireConstants;
import io.meshfed.transport.tls.TlsContexts;
import io.meshfed.transport.tls.TlsMaterial;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A dial whose connection closed before the connect's listener ran (a gateway that closes a name it
 * cannot route, on a loaded machine): the pipeline has lost its handlers by then, and the dial must
 * still fail with the reason instead of never completing. Seen in a clean-clone run, where the dial
 * looked the TLS handler up in the emptied pipeline and hung.
 */
class TlsDialHandOverTest {
  private static final String SERVER_NAME = "n1.server.dc1.meshfed";

  @TempDir Path dir;

  @Test
  void aConnectionClosedBeforeItsConnectWasSeenFailsWithTheReason() throws Exception {
    Instant now = Instant.now();
    CertificateBuilder base = new CertificateBuilder()
        .notBefore(now.minus(1, ChronoUnit.DAYS)).notAfter(now.plus(1, ChronoUnit.DAYS)).ecp256();
    X509Bundle ca = base.copy().subject("CN=meshfed CA").setIsCertificateAuthority(true).buildSelfSigned();
    X509Bundle cert = base.copy().subject("CN=n2.server.dc2.meshfed").addSanDnsName("n2.server.dc2.meshfed")
        .addExtendedKeyUsageClientAuth().buildIssuedBy(ca);
    TlsMaterial material = TlsMaterial.load(Files.writeString(dir.resolve("ca.pem"), ca.getCertificatePEM()),
        Files.writeString(dir.resolve("cert.pem"), cert.getCertificatePEM()),
        Files.writeString(dir.resolve("key.pem"), cert.getPrivateKeyPEM()));

    EmbeddedChannel channel = new EmbeddedChannel();
    SslHandler ssl = TlsContexts.clientHandler(TlsContexts.client(material, WireConstants.ALPN_RPC), channel.alloc(),
        SERVER_NAME, 8300);
    channel.pipeline().addLast(ssl);
    channel.close().syncUninterruptibly();
    assertThat(channel.pipeline().get(SslHandler.class)).as("the closed channel's handlers are gone").isNull();

    CompletableFuture<Channel> dialed = new CompletableFuture<>();
    TlsDial.handOver(channel.newSucceededFuture(), ssl, SERVER_NAME, "127.0.0.1:8300", WireConstants.ALPN_RPC,
        dialed);
    assertThatThrownBy(() -> dialed.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(IOException.class)
        .hasMessage("TLS handshake with " + SERVER_NAME + " via 127.0.0.1:8300 failed: the connection closed before"
            + " the handshake completed (a mesh gateway closes a connection whose name it cannot route)");
  }
}
