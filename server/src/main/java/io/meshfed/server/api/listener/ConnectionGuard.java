package io.meshfed.server.api.listener;

import java.time.Duration;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * Sits between a connection's socket and its protocol stack and closes connections that hold a
 * slot without using it: one that delivers no complete request head within the first-request
 * timeout, and one with no request in progress for the idle timeout. Unlike a byte-level idle
 * timeout, it never closes a connection while a request is in progress, however long that request
 * waits (a blocking read, a watch): the request layer reports starts and ends through
 * {@link ConnectionActivity}. The bytes themselves pass through unchanged.
 */
final class ConnectionGuard extends SocketSideStage {
  /** How long the protocol stack must have written nothing before a draining connection is closed. */
  static final Duration FLUSH_GRACE = Duration.ofMillis(200);

  private static final String FIRST_REQUEST = "first-request";
  private static final String IDLE = "idle";
  private static final String CLOSE = "close";

  private final ConnectionLimits limits;
  private final ProtocolStack.Farewells farewells;
  private final ConnectionActivity activity;
  private final ListenerStats stats;

  private ConnectionGuard(ConnectionLimits limits, ProtocolStack.Farewells farewells, ConnectionActivity activity,
      ListenerStats stats) {
    super("ConnectionGuard");
    this.limits = limits;
    this.farewells = farewells;
    this.activity = activity;
    this.stats = stats;
  }

  static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> create(
      ConnectionLimits limits, ProtocolStack.Farewells farewells, ConnectionActivity activity, ListenerStats stats) {
    return new ConnectionGuard(limits, farewells, activity, stats).asBidiFlow();
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new Logic() {
      private int inFlight;
      private boolean draining;
      /** Bytes arrived since the connection last had no request in progress: a request is on its way. */
      private boolean partialRequest;
      private long lastFinishedNanos = System.nanoTime();

      @Override
      void fromClient(ByteString bytes) {
        if (inFlight == 0 && !partialRequest && farewells.everyRequestHasAHeadTimeout()) {
          partialRequest = true;
          // From the connection's start, the first request's timer runs already: bytes do not renew it.
          if (!isTimerActive(FIRST_REQUEST)) {
            scheduleOnce(FIRST_REQUEST, limits.firstRequestTimeout());
          }
        }
        push(toStack, bytes);
      }

      @Override
      public void preStart() {
        activity.attach(createAsyncCallback(this::onActivity));
        scheduleOnce(FIRST_REQUEST, limits.firstRequestTimeout());
      }

      private void onActivity(ConnectionActivity.Event event) {
        switch (event) {
          case REQUEST_STARTED -> {
            inFlight++;
            partialRequest = false;
            cancelTimer(FIRST_REQUEST);
            cancelTimer(IDLE);
          }
          case REQUEST_FINISHED -> {
            inFlight--;
            if (inFlight == 0) {
              lastFinishedNanos = System.nanoTime();
              scheduleOnce(draining ? CLOSE : IDLE, draining ? FLUSH_GRACE : limits.idleTimeout());
            }
          }
          case DRAIN -> {
            draining = true;
            if (inFlight == 0) {
              cancelTimer(IDLE);
              Duration since = Duration.ofNanos(System.nanoTime() - lastFinishedNanos);
              scheduleOnce(CLOSE, since.compareTo(FLUSH_GRACE) >= 0 ? Duration.ZERO : FLUSH_GRACE.minus(since));
            }
          }
        }
      }

      @Override
      public void onTimer(Object key) {
        if (FIRST_REQUEST.equals(key)) {
          stats.closedFirstRequestTimeout.incrementAndGet();
          closeWith(farewells.firstRequestTimedOut().apply(partialRequest, limits));
        } else if (IDLE.equals(key)) {
          stats.closedIdle.incrementAndGet();
          closeWith(farewells.closing());
        } else if (CLOSE.equals(key)) {
          // An answer may still be on its way to the socket (a large body, HTTP/2 flow control):
          // close once the stack has been quiet for the grace; the listener's deadline bounds it.
          Duration quiet = sinceStackWrote();
          if (quiet.compareTo(FLUSH_GRACE) < 0) {
            scheduleOnce(CLOSE, FLUSH_GRACE.minus(quiet));
          } else {
            closeWith(farewells.closing());
          }
        }
      }
    };
  }
}
