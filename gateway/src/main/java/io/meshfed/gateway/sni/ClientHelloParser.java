package io.meshfed.gateway.sni;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

/**
 * Reads the server name from a TLS ClientHello without consuming or changing any byte, so that all of
 * them can be forwarded as they came. One parser serves one connection: it is fed the whole buffered
 * input each time more arrives and remembers how far it got, so a byte-at-a-time client costs linear
 * work, not quadratic.
 *
 * <p>The ClientHello may be split over TCP segments and over several handshake records (RFC 8446
 * §5.1: handshake messages may be fragmented over records); the fragments are reassembled before
 * the message is parsed (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2 for hellos without extensions, RFC
 * 6066 §3 for server_name).
 */
public final class ClientHelloParser {
  // RFC 8446 §5.1: ContentType handshake(22); records carry at most 2^14 bytes of fragment.
  private static final int CONTENT_TYPE_HANDSHAKE = 22;
  private static final int RECORD_HEADER_BYTES = 5;
  private static final int MAX_FRAGMENT_BYTES = 1 << 14;
  // RFC 8446 §4: HandshakeType client_hello(1), then a uint24 length.
  private static final int HANDSHAKE_CLIENT_HELLO = 1;
  private static final int HANDSHAKE_HEADER_BYTES = 4;
  // RFC 6066 §3: ExtensionType server_name(0), NameType host_name(0).
  private static final int EXTENSION_SERVER_NAME = 0;
  private static final int NAME_TYPE_HOST_NAME = 0;
  // RFC 1035 §2.3.4: a domain name has at most 255 octets.
  private static final int MAX_HOST_NAME_BYTES = 255;

  private final int maxBytes;
  /** Offset, from the input's reader index, of the first record not yet reassembled. */
  private int nextRecord;
  private byte[] handshake = new byte[512];
  private int handshakeBytes;
  private boolean finished;

  /** @param maxBytes bound on the ClientHello with its record headers */
  public ClientHelloParser(int maxBytes) {
    if (maxBytes < RECORD_HEADER_BYTES + HANDSHAKE_HEADER_BYTES) {
      throw new IllegalArgumentException("maxBytes too small: " + maxBytes);
    }
    this.maxBytes = maxBytes;
  }

  /**
   * Looks at everything received so far (the readable bytes of {@code input}, which must start with
   * the connection's first byte and only ever grow at the end). Returns {@link HelloResult#NEED_MORE}
   * until it can decide; after a decision it must not be called again.
   */
  public HelloResult parse(ByteBuf input) {
    if (finished) {
      throw new IllegalStateException("the ClientHello was already parsed");
    }
    HelloResult result = readRecords(input);
    finished = !(result instanceof HelloResult.NeedMore);
    return result;
  }

  private HelloResult readRecords(ByteBuf input) {
    int base = input.readerIndex();
    int available = input.readableBytes();
    while (true) {
      int visible = Math.min(available - nextRecord, RECORD_HEADER_BYTES);
      if (visible <= 0) {
        return HelloResult.NEED_MORE;
      }
      HelloResult header = checkRecordHeader(input, base + nextRecord, visible);
      if (header != null || visible < RECORD_HEADER_BYTES) {
        return header == null ? HelloResult.NEED_MORE : header;
      }
      int length = input.getUnsignedShort(base + nextRecord + 3);
      if (length == 0 || length > MAX_FRAGMENT_BYTES) {
        // RFC 8446 §5.1: zero-length handshake fragments MUST NOT be sent; 2^14 is the maximum.
        return rejected(Rejection.MALFORMED, "handshake record length " + length + " is outside 1.." + MAX_FRAGMENT_BYTES);
      }
      long recordEnd = (long) nextRecord + RECORD_HEADER_BYTES + length;
      if (recordEnd > maxBytes) {
        return tooLarge(recordEnd);
      }
      if (available < recordEnd) {
        return HelloResult.NEED_MORE;
      }
      append(input, base + nextRecord + RECORD_HEADER_BYTES, length);
      nextRecord = (int) recordEnd;
      HelloResult message = checkHandshake();
      if (message != null) {
        return message;
      }
    }
  }

  /** Null while the visible part of the record header is fine. */
  private HelloResult checkRecordHeader(ByteBuf input, int at, int visible) {
    // The first record decides whether this is TLS at all; later ones can only be broken TLS.
    Rejection reason = nextRecord == 0 ? Rejection.NOT_TLS : Rejection.MALFORMED;
    int type = input.getUnsignedByte(at);
    if (type != CONTENT_TYPE_HANDSHAKE) {
      return rejected(reason, nextRecord == 0
          ? String.format("first byte 0x%02x is not a TLS handshake record", type)
          : String.format("record of content type %d inside the ClientHello (handshake messages must not be interleaved)", type));
    }
    // legacy_record_version: 0x0301 in practice, 0x0300..0x0304 tolerated (RFC 8446 §5.1, Appendix D).
    if (visible >= 2 && input.getUnsignedByte(at + 1) != 3
        || visible >= 3 && input.getUnsignedByte(at + 2) > 4) {
      int major = input.getUnsignedByte(at + 1);
      String version = visible >= 3 ? String.format("0x%02x%02x", major, input.getUnsignedByte(at + 2))
          : String.format("0x%02x..", major);
      return rejected(reason, "record version " + version + " is not TLS");
    }
    return null;
  }

  /** Null while the handshake message is incomplete (and not yet known to be too large). */
  private HelloResult checkHandshake() {
    if (handshakeBytes < HANDSHAKE_HEADER_BYTES) {
      return null;
    }
    int type = handshake[0] & 0xff;
    if (type != HANDSHAKE_CLIENT_HELLO) {
      return rejected(Rejection.MALFORMED, "first handshake message has type " + type + ", not client_hello(1)");
    }
    int length = (handshake[1] & 0xff) << 16 | (handshake[2] & 0xff) << 8 | handshake[3] & 0xff;
    long smallestWireSize = (long) RECORD_HEADER_BYTES + HANDSHAKE_HEADER_BYTES + length;
    if (smallestWireSize > maxBytes) {
      return tooLarge(smallestWireSize);
    }
    if (handshakeBytes < HANDSHAKE_HEADER_BYTES + length) {
      return null;
    }
    try {
      return serverName(new Cursor(handshake, HANDSHAKE_HEADER_BYTES, HANDSHAKE_HEADER_BYTES + length));
    } catch (MalformedException e) {
      return rejected(Rejection.MALFORMED, e.getMessage());
    }
  }

  /** RFC 8446 §4.1.2 ClientHello, reading only as far as the server_name extension. */
  private static HelloResult serverName(Cursor hello) {
    hello.skip(2, "legacy_version");
    hello.skip(32, "random");
    hello.skip(hello.length8(0, 32, "legacy_session_id"), "legacy_session_id");
    hello.skip(hello.length16(2, 0xfffe, "cipher_suites"), "cipher_suites");
    hello.skip(hello.length8(1, 0xff, "legacy_compression_methods"), "legacy_compression_methods");
    if (!hello.hasRemaining()) {
      // RFC 5246 §7.4.1.2: a TLS 1.2 ClientHello may end here, without extensions.
      return new HelloResult.Rejected(Rejection.NO_SNI, "ClientHello has no extensions");
    }
    Cursor extensions = hello.slice(hello.length16(0, 0xffff, "extensions"), "extensions");
    hello.expectEnd("ClientHello");
    Set<Integer> seen = new HashSet<>();
    String hostName = null;
    while (extensions.hasRemaining()) {
      int type = extensions.u16("extension type");
      Cursor data = extensions.slice(extensions.length16(0, 0xffff, "extension data"), "extension data");
      // RFC 8446 §4.2: there MUST NOT be more than one extension of the same type.
      if (!seen.add(type)) {
        throw new MalformedException("extension " + type + " appears twice");
      }
      if (type == EXTENSION_SERVER_NAME) {
        hostName = hostName(data);
      }
    }
    return hostName == null
        ? new HelloResult.Rejected(Rejection.NO_SNI, "ClientHello has no server_name host name")
        : new HelloResult.Found(hostName);
  }

  /** RFC 6066 §3 ServerNameList; null when it names no host (an empty extension is a server's echo). */
  private static String hostName(Cursor data) {
    if (!data.hasRemaining()) {
      return null;
    }
    Cursor list = data.slice(data.length16(1, 0xffff, "server_name_list"), "server_name_list");
    data.expectEnd("server_name extension");
    String hostName = null;
    while (list.hasRemaining()) {
      int nameType = list.u8("name_type");
      if (nameType != NAME_TYPE_HOST_NAME) {
        // Only host_name is defined, and a name of another type has no known length to skip.
        throw new MalformedException("unknown server name type " + nameType);
      }
      int length = list.length16(1, MAX_HOST_NAME_BYTES, "host_name");
      byte[] name = list.bytes(length, "host_name");
      if (hostName != null) {
        throw new MalformedException("server_name lists more than one host_name");
      }
      hostName = asciiHostName(name);
    }
    return hostName;
  }

  /** RFC 6066 §3: "a byte string using ASCII encoding without a trailing dot". */
  private static String asciiHostName(byte[] name) {
    for (byte b : name) {
      boolean allowed = b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
          || b == '-' || b == '.' || b == '_';
      if (!allowed) {
        throw new MalformedException("host_name is not an ASCII host name");
      }
    }
    return new String(name, StandardCharsets.US_ASCII);
  }

  private void append(ByteBuf input, int from, int length) {
    if (handshakeBytes + length > handshake.length) {
      handshake = Arrays.copyOf(handshake, Math.max(handshake.length * 2, handshakeBytes + length));
    }
    input.getBytes(from, handshake, handshakeBytes, length);
    handshakeBytes += length;
  }

  private HelloResult tooLarge(long atLeast) {
    return rejected(Rejection.TOO_LARGE, "ClientHello needs at least " + atLeast + " bytes; the limit is " + maxBytes);
  }

  private static HelloResult rejected(Rejection reason, String detail) {
    return new HelloResult.Rejected(reason, detail);
  }

  /** A bounds-checked reader over part of the reassembled handshake message. */
  private static final class Cursor {
    private final byte[] bytes;
    private int position;
    private final int end;

    Cursor(byte[] bytes, int position, int end) {
      this.bytes = bytes;
      this.position = position;
      this.end = end;
    }

    boolean hasRemaining() {
      return position < end;
    }

    int u8(String field) {
      require(1, field);
      return bytes[position++] & 0xff;
    }

    int u16(String field) {
      require(2, field);
      int value = (bytes[position] & 0xff) << 8 | bytes[position + 1] & 0xff;
      position += 2;
      return value;
    }

    /** A one-byte vector length, checked against the vector's bounds in the RFC. */
    int length8(int min, int max, String field) {
      return checked(u8(field + " length"), min, max, field);
    }

    int length16(int min, int max, String field) {
      return checked(u16(field + " length"), min, max, field);
    }

    void skip(int length, String field) {
      require(length, field);
      position += length;
    }

    byte[] bytes(int length, String field) {
      require(length, field);
      byte[] copy = Arrays.copyOfRange(bytes, position, position + length);
      position += length;
      return copy;
    }

    Cursor slice(int length, String field) {
      require(length, field);
      Cursor slice = new Cursor(bytes, position, position + length);
      position += length;
      return slice;
    }

    void expectEnd(String what) {
      if (hasRemaining()) {
        throw new MalformedException((end - position) + " unexpected bytes after the " + what);
      }
    }

    private void require(int length, String field) {
      if (end - position < length) {
        throw new MalformedException(field + " runs past the end of its enclosing structure");
      }
    }

    private static int checked(int length, int min, int max, String field) {
      if (length < min || length > max) {
        throw new MalformedException(field + " length " + length + " is outside " + min + ".." + max);
      }
      return length;
    }
  }

  /** Unchecked so the cursor can stay terse; never leaves this class. */
  private static final class MalformedException extends RuntimeException {
    MalformedException(String message) {
      super(message, null, false, false);
    }
  }
}
