package io.meshfed.server.api.listener;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * Lets a connection reach the HTTP/2 stack only once it has opened with the client preface (RFC
 * 9113 §3.4), compared byte by byte as it arrives. Anything else gets one clear answer and is
 * closed: an HTTP/1.x request a plain-text response naming the right port, other bytes a GOAWAY
 * with PROTOCOL_ERROR, as §3.4 asks for an invalid preface. The server's side waits for the
 * client's preface too (allowed by §3.4), so a refused client reads nothing but the refusal.
 */
final class PrefaceCheck extends SocketSideStage {
  private static final int PROTOCOL_ERROR = 0x1;

  private final String wrongProtocol;
  private final ListenerStats stats;

  /** @param wrongProtocol the one line an HTTP/1.x client is told */
  private PrefaceCheck(String wrongProtocol, ListenerStats stats) {
    super("PrefaceCheck");
    this.wrongProtocol = wrongProtocol;
    this.stats = stats;
  }

  static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> create(String wrongProtocol,
      ListenerStats stats) {
    return new PrefaceCheck(wrongProtocol, stats).asBidiFlow();
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new Logic() {
      private ByteString seen = ByteString.emptyByteString();
      private boolean confirmed;

      @Override
      void fromClient(ByteString bytes) {
        if (confirmed) {
          push(toStack, bytes);
          return;
        }
        seen = seen.concat(bytes);
        int compared = Math.min(seen.size(), Http2Frames.CLIENT_PREFACE.size());
        for (int i = 0; i < compared; i++) {
          if (seen.apply(i) != Http2Frames.CLIENT_PREFACE.apply(i)) {
            refuse();
            return;
          }
        }
        if (compared < Http2Frames.CLIENT_PREFACE.size()) {
          pull(fromNet);
          return;
        }
        confirmed = true;
        push(toStack, seen);
        seen = null;
        letStackWrite();
      }

      /** The stack's own preface waits for the client's: a refused client reads only the refusal. */
      @Override
      boolean stackMayWrite() {
        return confirmed;
      }

      private void refuse() {
        stats.countBadRequest();
        boolean looksLikeHttp1 = seen.apply(0) >= 'A' && seen.apply(0) <= 'Z';
        closeWith(looksLikeHttp1
            ? Http1Stack.response(505, "HTTP Version Not Supported", wrongProtocol)
            : Http2Frames.goAway(PROTOCOL_ERROR, "invalid connection preface: " + wrongProtocol));
      }
    };
  }
}
