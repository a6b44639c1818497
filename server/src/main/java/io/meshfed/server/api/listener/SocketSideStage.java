package io.meshfed.server.api.listener;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * A stage between a connection's socket and its protocol stack: it passes bytes both ways
 * unchanged, and a subclass looks at what the client sends, holds back what the stack writes, or
 * closes the connection with a last word. Completion and cancellation go through per direction.
 */
abstract class SocketSideStage extends GraphStage<BidiShape<ByteString, ByteString, ByteString, ByteString>> {
  final Inlet<ByteString> fromNet;
  final Outlet<ByteString> toStack;
  final Inlet<ByteString> fromStack;
  final Outlet<ByteString> toNet;
  private final BidiShape<ByteString, ByteString, ByteString, ByteString> shape;

  SocketSideStage(String name) {
    fromNet = Inlet.create(name + ".fromNet");
    toStack = Outlet.create(name + ".toStack");
    fromStack = Inlet.create(name + ".fromStack");
    toNet = Outlet.create(name + ".toNet");
    shape = BidiShape.of(fromNet, toStack, fromStack, toNet);
  }

  @Override
  public BidiShape<ByteString, ByteString, ByteString, ByteString> shape() {
    return shape;
  }

  BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> asBidiFlow() {
    return BidiFlow.fromGraph(this);
  }

  abstract class Logic extends TimerGraphStageLogic {
    private boolean closing;
    private long stackWroteNanos = System.nanoTime();

    Logic() {
      super(shape);
      setHandler(fromNet, new AbstractInHandler() {
        @Override
        public void onPush() {
          fromClient(grab(fromNet));
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
          stackWroteNanos = System.nanoTime();
          push(toNet, grab(fromStack));
        }

        @Override
        public void onUpstreamFinish() {
          if (!closing) {
            complete(toNet);
          }
        }
      });
      setHandler(toNet, new AbstractOutHandler() {
        @Override
        public void onPull() {
          if (!closing && stackMayWrite()) {
            pull(fromStack);
          }
        }

        @Override
        public void onDownstreamFinish(Throwable cause) {
          cancel(fromStack, cause);
        }
      });
    }

    /** Time since the protocol stack last wrote to the client. */
    java.time.Duration sinceStackWrote() {
      return java.time.Duration.ofNanos(System.nanoTime() - stackWroteNanos);
    }

    /** Bytes from the client: pass them on with {@code push(toStack, bytes)}, or {@code pull(fromNet)} for more. */
    void fromClient(ByteString bytes) {
      push(toStack, bytes);
    }

    /** Whether what the stack writes may go to the client yet; see {@link #letStackWrite()}. */
    boolean stackMayWrite() {
      return true;
    }

    /** Call once {@link #stackMayWrite()} has turned true: the stack's output flows from now on. */
    void letStackWrite() {
      if (isAvailable(toNet) && !hasBeenPulled(fromStack)) {
        pull(fromStack);
      }
    }

    /** Stops both directions, writes {@code last} to the client (may be empty), then closes. */
    void closeWith(ByteString last) {
      if (closing) {
        return;
      }
      closing = true;
      cancel(fromNet);
      cancel(fromStack);
      complete(toStack);
      if (last.isEmpty()) {
        complete(toNet);
      } else {
        emit(toNet, last, () -> complete(toNet));
      }
    }
  }
}
