package io.meshfed.server.api.listener;

import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.stream.stage.AsyncCallback;

/**
 * What the request layer of one connection tells its {@link ConnectionGuard}: a request started or
 * finished, or the listener is stopping. The request layer runs on other threads than the guard, so
 * events travel through the guard's async callback, in order.
 */
public final class ConnectionActivity {
  enum Event { REQUEST_STARTED, REQUEST_FINISHED, DRAIN }

  private final List<Event> beforeAttach = new ArrayList<>();
  private AsyncCallback<Event> guard;
  private volatile boolean draining;

  /** A request's head has been read and handed to the application. */
  public void requestStarted() {
    send(Event.REQUEST_STARTED);
  }

  /** The response to a started request has been produced in full (or the request failed). */
  public void requestFinished() {
    send(Event.REQUEST_FINISHED);
  }

  /** True once the listener stops: responses should ask the client to close the connection. */
  public boolean draining() {
    return draining;
  }

  void drain() {
    draining = true;
    send(Event.DRAIN);
  }

  synchronized void attach(AsyncCallback<Event> callback) {
    guard = callback;
    beforeAttach.forEach(callback::invoke);
    beforeAttach.clear();
  }

  private synchronized void send(Event event) {
    if (guard == null) {
      beforeAttach.add(event);
    } else {
      guard.invoke(event);
    }
  }
}
