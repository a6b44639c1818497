package io.meshfed.transport.port;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.SslClientHelloHandler;
import io.netty.util.concurrent.Future;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Refuses a TLS connection whose ClientHello offers none of the port's ALPN ids with the fatal
 * {@code no_application_protocol} alert of RFC 7301 §3.2. BoringSSL sends that alert only when its
 * ALPN callback asks for it, and netty-tcnative's callback never does: the handshake would complete
 * without a protocol and the client would see a bare close. So the ClientHello is read here first,
 * without being consumed; a hello with an id in common, or one this cannot parse, goes on to the TLS
 * engine unchanged. ALPN is how the port knows what follows, so a hello offering no id at all is
 * refused the same way.
 */
final class AlpnOfferCheck extends SslClientHelloHandler<Optional<List<String>>> {
  /**
   * The alert goes out before any server flight, when no keys exist yet, so it is a plaintext record
   * (RFC 8446 §5.1, RFC 5246 §6.2.1): alert(21), legacy_record_version 0x0303, length 2, then the
   * alert itself, fatal(2) no_application_protocol(120) (RFC 8446 §6, RFC 7301 §3.2).
   */
  private static final byte[] NO_APPLICATION_PROTOCOL = {21, 3, 3, 0, 2, 2, 120};
  /**
   * Bound on the buffered ClientHello; a longer one fails the handshake. Ample for a hello with
   * post-quantum key shares, far below the 16 MiB a handshake message may claim (RFC 8446 §4).
   */
  static final int MAX_CLIENT_HELLO_BYTES = 64 * 1024;

  private final Set<String> served;
  private final Refusals refusals;
  private boolean refused;

  AlpnOfferCheck(Set<String> served, Refusals refusals) {
    super(MAX_CLIENT_HELLO_BYTES);
    this.served = served;
    this.refusals = refusals;
  }

  /** After a refusal the rest of the client's bytes go nowhere, least of all to the TLS engine. */
  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
    if (refused) {
      in.skipBytes(in.readableBytes());
      return;
    }
    super.decode(ctx, in, out);
  }

  @Override
  protected Future<Optional<List<String>>> lookup(ChannelHandlerContext ctx, ByteBuf clientHello) {
    // Null when the first record is no ClientHello; the TLS engine says what is wrong with it.
    return ctx.executor().newSucceededFuture(clientHello == null ? Optional.empty() : OfferedProtocols.of(clientHello));
  }

  @Override
  protected void onLookupComplete(ChannelHandlerContext ctx, Future<Optional<List<String>>> lookup) {
    Optional<List<String>> offered = lookup.getNow();
    if (offered.isEmpty() || offered.get().stream().anyMatch(served::contains)) {
      // Removal hands every buffered byte to the TLS engine.
      ctx.pipeline().remove(this);
      return;
    }
    refused = true;
    refusals.report(ctx.channel(), RefusalReason.NO_APPLICATION_PROTOCOL, offered.get().isEmpty()
        ? "no application protocol offered (ALPN is required)"
        : "no application protocol in common: the client offered " + offered.get() + ", this port serves "
            + served);
    // From this handler's context, so the alert passes no TLS handler on its way out.
    ctx.writeAndFlush(Unpooled.wrappedBuffer(NO_APPLICATION_PROTOCOL)).addListener(ChannelFutureListener.CLOSE);
  }
}
