package io.meshfed.actors.api.listener;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * Lets a connection reach the HTTP/2 stack only once it has opened with the client preface (RFC
 * 9113 §3.4), compared byte by byte as it arrives. Anything else gets one clear answer and is
 * closed: an HTTP/1.x request a plain-text response naming the right port, other bytes a GOAWAY
 * with PROTOCOL_ERROR, as §3.4 asks for an invalid preface. The server's side waits for the
 * client's preface too (allowed by §3.4), so a refused client reads nothing but the refusal.
 */
final class PrefaceCheck extends GraphStage<BidiShape<ByteString, ByteString, ByteString, ByteString>> {
  private static final int PROTOCOL_ERROR = 0x1;

  private final Inlet<ByteString> fromNet = Inlet.create("PrefaceCheck.fromNet");
  private final Outlet<ByteString> toStack = Outlet.create("PrefaceCheck.toStack");
  private final Inlet<ByteString> fromStack = Inlet.create("PrefaceCheck.fromStack");
  private final Outlet<ByteString> toNet = Outlet.create("PrefaceCheck.toNet");
  private final BidiShape<ByteString, ByteString, ByteString, ByteString> shape =
      BidiShape.of(fromNet, toStack, fromStack, toNet);
  private final String wrongProtocol;
  private final ListenerStats stats;

  /** @param wrongProtocol the one line an HTTP/1.x client is told */
  private PrefaceCheck(String wrongProtocol, ListenerStats stats) {
    this.wrongProtocol = wrongProtocol;
    this.stats = stats;
  }

  static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> create(String wrongProtocol,
      ListenerStats stats) {
    return BidiFlow.fromGraph(new PrefaceCheck(wrongProtocol, stats));
  }

  @Override
  public BidiShape<ByteString, ByteString, ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new GraphStageLogic(shape) {
      private ByteString seen = ByteString.emptyByteString();
      private boolean confirmed;
      private boolean refused;

      {
        setHandler(fromNet, new AbstractInHandler() {
          @Override
          public void onPush() {
            ByteString bytes = grab(fromNet);
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
            if (compared == Http2Frames.CLIENT_PREFACE.size()) {
              confirmed = true;
              push(toStack, seen);
              seen = null;
              if (isAvailable(toNet)) {
                pull(fromStack);
              }
            } else {
              pull(fromNet);
            }
          }

          @Override
          public void onUpstreamFinish() {
            complete(toStack);
          }
        });
        setHandler(toStack, new AbstractOutHandler() {
          @Override
          public void onPull() {
            if (!hasBeenPulled(fromNet) && !isClosed(fromNet)) {
              pull(fromNet);
            }
          }

          @Override
          public void onDownstreamFinish(Throwable cause) {
            cancel(fromNet, cause);
          }
        });
        setHandler(fromStack, new AbstractInHandler() {
          @Override
          public void onPush() {
            push(toNet, grab(fromStack));
          }

          @Override
          public void onUpstreamFinish() {
            if (!refused) {
              complete(toNet);
            }
          }
        });
        setHandler(toNet, new AbstractOutHandler() {
          @Override
          public void onPull() {
            // The stack's own preface waits for the client's: a refused client reads only the refusal.
            if (confirmed) {
              pull(fromStack);
            }
          }

          @Override
          public void onDownstreamFinish(Throwable cause) {
            cancel(fromStack, cause);
          }
        });
      }

      private void refuse() {
        refused = true;
        stats.countBadRequest();
        boolean looksLikeHttp1 = seen.apply(0) >= 'A' && seen.apply(0) <= 'Z';
        ByteString answer = looksLikeHttp1
            ? Http1Stack.response(505, "HTTP Version Not Supported", wrongProtocol)
            : Http2Frames.goAway(PROTOCOL_ERROR, "invalid connection preface: " + wrongProtocol);
        cancel(fromNet);
        cancel(fromStack);
        complete(toStack);
        emit(toNet, answer, () -> complete(toNet));
      }
    };
  }
}
