package io.meshfed.transport.logging;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.DecoderException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class CausesTest {
  @Test
  void aCauseIsDescribedByEveryMessageInItsChainOnce() {
    SSLHandshakeException handshake = new SSLHandshakeException("General OpenSslEngine problem");
    handshake.initCause(new CertificateException("unable to find valid certification path"));

    assertThat(Causes.describe(new DecoderException(handshake)))
        .isEqualTo("General OpenSslEngine problem: unable to find valid certification path");
    assertThat(Causes.describe(new ClosedChannelException())).isEqualTo("ClosedChannelException");
  }
}
