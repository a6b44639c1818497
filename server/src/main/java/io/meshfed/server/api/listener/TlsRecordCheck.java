package io.meshfed.server.api.listener;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * Lets a connection reach the TLS engine only if its first byte opens a TLS handshake record
 * (content type 22, RFC 8446 §5.1). A plain-text HTTP request (or an HTTP/2 preface) gets one
 * plain-text answer that names the problem, as Go's HTTPS servers give; any other first byte is
 * closed without a word, since no TLS client could read one.
 */
final class TlsRecordCheck extends SocketSideStage {
  private static final byte HANDSHAKE = 22;

  private final String wrongProtocol;
  private final ListenerStats stats;

  /** @param wrongProtocol the one line a plain-text HTTP client is told */
  private TlsRecordCheck(String wrongProtocol, ListenerStats stats) {
    super("TlsRecordCheck");
    this.wrongProtocol = wrongProtocol;
    this.stats = stats;
  }

  static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> create(String wrongProtocol,
      ListenerStats stats) {
    return new TlsRecordCheck(wrongProtocol, stats).asBidiFlow();
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new Logic() {
      private boolean confirmed;

      @Override
      void fromClient(ByteString bytes) {
        if (confirmed || bytes.isEmpty()) {
          push(toStack, bytes);
          return;
        }
        if (bytes.apply(0) != HANDSHAKE) {
          stats.countBadRequest();
          byte first = bytes.apply(0);
          closeWith(first >= 'A' && first <= 'Z'
              ? Http1Stack.response(400, "Bad Request", wrongProtocol)
              : ByteString.emptyByteString());
          return;
        }
        confirmed = true;
        push(toStack, bytes);
        letStackWrite();
      }

      /** The engine's first flight answers the ClientHello, so nothing is written before the check. */
      @Override
      boolean stackMayWrite() {
        return confirmed;
      }
    };
  }
}
