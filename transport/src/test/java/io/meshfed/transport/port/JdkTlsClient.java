package io.meshfed.transport.port;

import io.netty.pkitesting.X509Bundle;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;

/**
 * The JDK's TLS engine as a client, which names the alert a server sent: "Received fatal alert:
 * unknown_ca". It drives the engine over a plain socket so that each flight is one write and the
 * alert is read even when the server closed before reading all of the flight (its kernel then
 * resets the connection, and an SSLSocket would report the broken pipe of its next write instead).
 * It presents its certificate whatever CAs the server asks for, as a misconfigured peer does.
 */
final class JdkTlsClient {
  private static final int TIMEOUT_MILLIS = 10_000;
  private static final byte PROBE = 'x';

  private JdkTlsClient() {}

  /**
   * Connects with {@code protocol} ("TLSv1.3" or "TLSv1.2"), presenting {@code certificate} if any
   * and offering {@code alpnIds}, sends one byte and reads: the alert the server sent, as the JDK
   * words it, or "open (read 120)" when the byte came back.
   */
  static String outcome(InetSocketAddress server, X509Bundle trustedCa, Optional<X509Bundle> certificate,
      String protocol, List<String> alpnIds) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    KeyManager[] keys = certificate.isEmpty() ? null
        : new KeyManager[] {new AnyIssuer((X509KeyManager) certificate.get().toKeyManagerFactory().getKeyManagers()[0])};
    context.init(keys, trustedCa.toTrustManagerFactory().getTrustManagers(), null);
    SSLEngine engine = context.createSSLEngine(TestPki.SERVER_NODE_NAME, server.getPort());
    engine.setUseClientMode(true);
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setProtocols(new String[] {protocol});
    parameters.setApplicationProtocols(alpnIds.toArray(String[]::new));
    parameters.setServerNames(List.of(new SNIHostName(TestPki.SERVER_NODE_NAME)));
    engine.setSSLParameters(parameters);
    try (Socket socket = new Socket()) {
      socket.connect(server, TIMEOUT_MILLIS);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      return new Conversation(engine, socket).run();
    }
  }

  private static final class Conversation {
    private final SSLEngine engine;
    private final Socket socket;
    private final ByteBuffer netIn;
    private final ByteBuffer appIn;
    private final ByteArrayOutputStream flight = new ByteArrayOutputStream();
    private boolean established;
    private boolean probeSent;

    Conversation(SSLEngine engine, Socket socket) {
      this.engine = engine;
      this.socket = socket;
      this.netIn = ByteBuffer.allocate(engine.getSession().getPacketBufferSize() * 2);
      this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() * 2);
    }

    String run() throws IOException {
      try {
        while (true) {
          if (established && !probeSent) {
            probeSent = true;
            wrap(ByteBuffer.wrap(new byte[] {PROBE}));
          }
          if (appIn.position() > 0) {
            return "open (read " + appIn.get(0) + ")";
          }
          switch (engine.getHandshakeStatus()) {
            case NEED_TASK -> runTasks();
            case NEED_WRAP -> wrap(ByteBuffer.allocate(0));
            default -> {
              flush();
              if (!unwrap()) {
                return "closed without an alert";
              }
            }
          }
        }
      } catch (SSLException e) {
        return e.getMessage();
      } catch (SocketTimeoutException e) {
        return "no answer within " + TIMEOUT_MILLIS + " ms";
      } catch (IOException e) {
        return "failed without an alert: " + e;
      }
    }

    private void runTasks() {
      for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
        task.run();
      }
    }

    private void wrap(ByteBuffer data) throws SSLException {
      ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
      note(engine.wrap(data, out));
      flight.write(out.array(), 0, out.position());
    }

    /** One write per flight; a write the server refused to take still leaves its alert to read. */
    private void flush() {
      if (flight.size() == 0) {
        return;
      }
      try {
        socket.getOutputStream().write(flight.toByteArray());
        socket.getOutputStream().flush();
      } catch (IOException serverClosed) {
        // Read on: the alert, if any, is already in our receive buffer.
      }
      flight.reset();
    }

    /**
     * The JDK's TLS 1.3 client still asks to unwrap after its Finished (for a session ticket that
     * may never come), so "handshake over" is taken from the result that says so.
     */
    private SSLEngineResult note(SSLEngineResult result) {
      established |= result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.FINISHED;
      return result;
    }

    /** Unwraps one record, reading as needed; false at the end of the stream. */
    private boolean unwrap() throws IOException {
      while (true) {
        netIn.flip();
        SSLEngineResult result = note(engine.unwrap(netIn, appIn));
        netIn.compact();
        if (result.getStatus() == SSLEngineResult.Status.CLOSED) {
          return false;
        }
        if (result.getStatus() != SSLEngineResult.Status.BUFFER_UNDERFLOW) {
          return true;
        }
        InputStream in = socket.getInputStream();
        int n = in.read(netIn.array(), netIn.position(), netIn.remaining());
        if (n < 0) {
          return false;
        }
        netIn.position(netIn.position() + n);
      }
    }
  }

  /** Presents the certificate even when its issuer is not among the CAs the server asked for. */
  private static final class AnyIssuer extends X509ExtendedKeyManager {
    private final X509KeyManager keys;

    AnyIssuer(X509KeyManager keys) {
      this.keys = keys;
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
      return keys.chooseClientAlias(keyType, null, null);
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
      return keys.chooseClientAlias(keyType, null, socket);
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
      return keys.getClientAliases(keyType, null);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
      return keys.getServerAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
      return keys.chooseServerAlias(keyType, issuers, socket);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
      return keys.getCertificateChain(alias);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
      return keys.getPrivateKey(alias);
    }
  }
}
