package io.meshfed.transport.rpc;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One call as the client sees it. It ends exactly once, whoever gets there first: the server's
 * answer, the deadline, the caller's cancel or the loss of the connection. Those race on different
 * threads, hence the atomic flag.
 */
abstract class ClientCall {
  final PoolKey key;
  final String method;
  final byte[] request;
  final boolean streaming;
  final long deadlineMillis;
  final long deadlineNanoTime;
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile ScheduledFuture<?> deadlineTimer;
  /** Set once the REQUEST is written; the stream id is valid from then on. */
  private volatile ClientConnection connection;
  private volatile int streamId;

  ClientCall(PoolKey key, String method, byte[] request, boolean streaming, long deadlineMillis) {
    this.key = key;
    this.method = method;
    this.request = request;
    this.streaming = streaming;
    this.deadlineMillis = deadlineMillis;
    this.deadlineNanoTime = System.nanoTime() + deadlineMillis * 1_000_000L;
  }

  abstract void deliverResponse(byte[] response);

  abstract void deliverItem(byte[] item);

  abstract void deliverEnd();

  abstract void deliverError(RpcException error);

  final boolean isEnded() {
    return ended.get();
  }

  final void startDeadlineTimer(ScheduledFuture<?> timer) {
    deadlineTimer = timer;
    if (isEnded()) {
      timer.cancel(false);
    }
  }

  final void sent(ClientConnection connection, int streamId) {
    this.streamId = streamId;
    this.connection = connection;
  }

  final int streamId() {
    return streamId;
  }

  final void onResponse(byte[] response) {
    if (end()) {
      deliverResponse(response);
    }
  }

  final void onItem(byte[] item) {
    if (!isEnded()) {
      deliverItem(item);
    }
  }

  final void onEnd() {
    if (end()) {
      deliverEnd();
    }
  }

  final void fail(RpcException error) {
    if (end()) {
      deliverError(error);
    }
  }

  /** The server broke the protocol on this call: end it and stop the server's work. */
  final void failAndCancel(RpcException error) {
    fail(error);
    cancelRemote();
  }

  /** The deadline passed: a call that never reached a server failed to connect, not to answer. */
  final void expire() {
    if (connection == null) {
      fail(new RpcException(RpcCode.UNAVAILABLE,
          "no connection to " + key.describe() + " within the " + deadlineMillis + " ms deadline"));
    } else {
      fail(new RpcException(RpcCode.DEADLINE_EXCEEDED,
          "deadline of " + deadlineMillis + " ms exceeded calling " + method + " on " + key.describe()));
    }
    cancelRemote();
  }

  /** Ends the call on the caller's behalf; true if it had not ended before. */
  final boolean cancelLocally() {
    boolean wasRunning = end();
    cancelRemote();
    return wasRunning;
  }

  /**
   * Tells the server to stop. Safe to call before the REQUEST went out: the connection checks
   * {@link #isEnded()} after writing it and cancels then.
   */
  private void cancelRemote() {
    ClientConnection current = connection;
    if (current != null) {
      current.cancel(this);
    }
  }

  private boolean end() {
    if (!ended.compareAndSet(false, true)) {
      return false;
    }
    ScheduledFuture<?> timer = deadlineTimer;
    if (timer != null) {
      timer.cancel(false);
    }
    return true;
  }
}
