package io.meshfed.transport.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.transport.tls.CertificateTool.Issued;
import io.netty.handler.ssl.SslContext;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The material in force, and the contexts handed out, follow a replace; equal kinds share one context. */
class TlsSourceTest {
  private static final Issued CA = CertificateTool.createCa("meshfed", TestPki.YEAR);
  private static final Issued FIRST = CertificateTool.createServerCert(CA, "dc1", "n1", "meshfed", TestPki.YEAR);
  private static final Issued SECOND = CertificateTool.createServerCert(CA, "dc1", "n1", "meshfed", TestPki.YEAR);

  @TempDir Path dir;

  @Test
  void everyContextHandedOutIsRebuiltFromTheNewMaterialOnReplace() throws Exception {
    TestPki pki = new TestPki(dir);
    TlsMaterial first = pki.material(CA, FIRST);
    TlsMaterial second = pki.material(CA, SECOND);
    TlsSource source = TlsSource.of(first);
    Supplier<SslContext> port = source.serverPort(List.of("meshfed/rpc"));
    Supplier<SslContext> dial = source.client("meshfed/rpc");
    Supplier<SSLContext> jdk = source.jdk();
    assertThat(source.serverPort(List.of("meshfed/rpc")).get()).as("an equal kind shares the context")
        .isSameAs(port.get());
    assertThat(source.kinds()).containsExactlyInAnyOrder("server-port[meshfed/rpc]", "client[meshfed/rpc]", "jdk[]");
    SslContext portBefore = port.get();
    SslContext dialBefore = dial.get();
    SSLContext jdkBefore = jdk.get();

    source.replace(second);

    assertThat(source.material()).isSameAs(second);
    assertThat(port.get()).isNotSameAs(portBefore);
    assertThat(port.get().isServer()).isTrue();
    assertThat(dial.get()).isNotSameAs(dialBefore);
    assertThat(dial.get().isClient()).isTrue();
    assertThat(jdk.get()).isNotSameAs(jdkBefore);
  }
}
