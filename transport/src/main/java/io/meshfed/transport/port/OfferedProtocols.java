package io.meshfed.transport.port;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads the ALPN ids a ClientHello offers (RFC 7301 §3.1). */
final class OfferedProtocols {
  /** ExtensionType application_layer_protocol_negotiation (RFC 7301 §3.1). */
  private static final int ALPN_EXTENSION = 16;

  private OfferedProtocols() {}

  /**
   * The ids in the order offered, none if the hello has no ALPN extension; empty when the body
   * breaks the ClientHello's structure, which is left to the TLS engine to refuse.
   *
   * @param body the ClientHello's body, without its handshake header (RFC 8446 §4.1.2, RFC 5246
   *     §7.4.1.2: version, random, session id, cipher suites, compression methods, extensions)
   */
  static Optional<List<String>> of(ByteBuf body) {
    ByteBuf in = body.duplicate();
    try {
      in.skipBytes(2 + 32);
      in.skipBytes(in.readUnsignedByte());
      in.skipBytes(in.readUnsignedShort());
      in.skipBytes(in.readUnsignedByte());
      if (!in.isReadable()) {
        // A TLS 1.2 hello may end here: no extensions at all (RFC 5246 §7.4.1.2).
        return Optional.of(List.of());
      }
      ByteBuf extensions = in.readSlice(in.readUnsignedShort());
      while (extensions.isReadable()) {
        int type = extensions.readUnsignedShort();
        ByteBuf data = extensions.readSlice(extensions.readUnsignedShort());
        if (type == ALPN_EXTENSION) {
          return Optional.of(protocolNames(data));
        }
      }
      return Optional.of(List.of());
    } catch (IndexOutOfBoundsException malformed) {
      return Optional.empty();
    }
  }

  /** ProtocolName protocol_name_list<2..2^16-1>, each ProtocolName opaque<1..2^8-1>. */
  private static List<String> protocolNames(ByteBuf data) {
    ByteBuf list = data.readSlice(data.readUnsignedShort());
    List<String> names = new ArrayList<>();
    while (list.isReadable()) {
      names.add(list.readCharSequence(list.readUnsignedByte(), StandardCharsets.UTF_8).toString());
    }
    return names;
  }
}
