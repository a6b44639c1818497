package io.meshfed.transport.port;

import io.meshfed.transport.logging.Causes;
import io.meshfed.transport.logging.RateLimitedLog;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connection that will not be handed to a protocol, counting it once and logging it once
 * within the limit of its reason ({@link RateLimitedLog}: anyone who can reach the port can cause
 * refusals, so each reason has its own budget of lines and a flood of one hides no other). One
 * failure can be reported more than once (a failed handshake is both an event and an exception, in
 * an order that differs between Netty versions; a deadline can race a close), and those reports
 * are one story.
 */
final class Refusals {
  /** Under the {@link ServerPort} name, so operators configure one logger for the whole port. */
  private static final Logger LOG = LoggerFactory.getLogger(ServerPort.class);

  private static final AttributeKey<RefusalReason> REFUSED = AttributeKey.valueOf(Refusals.class, "refused");

  /** Reasons quote exception messages, which can carry peer-controlled text, so they are capped. */
  private static final int MAX_REASON_CHARS = 240;

  private final ServerPortStats stats;
  private final Map<RefusalReason, RateLimitedLog> logs = new EnumMap<>(RefusalReason.class);

  Refusals(ServerPortStats stats) {
    this.stats = stats;
    for (RefusalReason reason : RefusalReason.values()) {
      logs.put(reason, RateLimitedLog.warn(LOG));
    }
  }

  void refuse(Channel channel, RefusalReason reason, String message) {
    report(channel, reason, message);
    channel.close();
  }

  /** Counts and logs a refusal unless the connection was refused before; the caller closes it. */
  void report(Channel channel, RefusalReason reason, String message) {
    if (channel.attr(REFUSED).setIfAbsent(reason) == null) {
      stats.countRefusal(reason);
      logs.get(reason).log("server port: refused {}: {}", describe(channel.remoteAddress()), oneLine(message));
    }
  }

  void refuseTlsHandshake(Channel channel, Throwable cause) {
    refuse(channel, RefusalReason.TLS_HANDSHAKE_FAILED, "TLS handshake failed: " + Causes.describe(cause));
  }

  private static String describe(SocketAddress address) {
    if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
      String host = inet.getAddress().getHostAddress();
      return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + inet.getPort();
    }
    return String.valueOf(address);
  }

  private static String oneLine(String message) {
    String line = message.replaceAll("\\p{Cntrl}", " ");
    return line.length() <= MAX_REASON_CHARS ? line : line.substring(0, MAX_REASON_CHARS) + "...";
  }
}
