package io.meshfed.server.api.listener;

import java.net.InetSocketAddress;
import java.util.function.BiFunction;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

/** The protocol an {@link ApiListener} speaks on each connection it admits. */
public interface ProtocolStack {
  /** The bytes-in, bytes-out flow of one connection; the request layer reports to {@code activity}. */
  Flow<ByteString, ByteString, ?> connection(ConnectionActivity activity, InetSocketAddress remote);

  /** The whole answer to a connection that is refused before it is read: one line, then close. */
  ByteString refusal(Refusal refusal);

  /** Why a connection was not admitted; {@code message} is the one line the client is told. */
  record Refusal(Kind kind, String message) {
    public enum Kind { PER_CLIENT_LIMIT, TOTAL_LIMIT, STOPPING }
  }

  /** The last bytes a connection gets when the {@link ConnectionGuard} closes it. */
  Farewells farewells();

  /**
   * @param everyRequestHasAHeadTimeout HTTP/1.1: each request head has its own timeout from its
   *     first byte; HTTP/2: only the first request has one
   * @param firstRequestTimedOut what a connection that sent no complete request in time is told;
   *     its first argument says whether some bytes of a request had arrived
   * @param closing what a connection with no request in progress is told when it is closed (idle,
   *     or the listener stops)
   */
  record Farewells(boolean everyRequestHasAHeadTimeout,
      BiFunction<Boolean, ConnectionLimits, ByteString> firstRequestTimedOut, ByteString closing) {}
}
