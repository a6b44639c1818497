package io.meshfed.server.api.listener;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.util.ByteString;

/** The few HTTP/2 frames the listener writes itself, before or after the HTTP/2 stack (RFC 9113). */
final class Http2Frames {
  /** RFC 9113 §3.4: every client connection starts with these 24 octets. */
  static final ByteString CLIENT_PREFACE =
      ByteString.fromString("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", StandardCharsets.US_ASCII);

  /** RFC 9113 §7 error codes. */
  static final int NO_ERROR = 0x0;
  static final int ENHANCE_YOUR_CALM = 0xb;

  private static final byte TYPE_SETTINGS = 0x4;
  private static final byte TYPE_GOAWAY = 0x7;
  /** Debug data is for people; an unbounded message would be a frame of any size. */
  private static final int MAX_DEBUG_BYTES = 512;

  private Http2Frames() {}

  /** RFC 9113 §3.4: the server's preface is a SETTINGS frame, here empty (every setting default). */
  static ByteString emptySettings() {
    return frame(TYPE_SETTINGS, ByteBuffer.allocate(0));
  }

  /**
   * RFC 9113 §6.8 GOAWAY on stream 0. {@code lastStreamId} 0 tells the client that no stream was
   * processed, so a request it sent meanwhile is safe to retry on a new connection.
   */
  static ByteString goAway(int errorCode, String debug) {
    byte[] text = debug.getBytes(StandardCharsets.UTF_8);
    int length = Math.min(text.length, MAX_DEBUG_BYTES);
    ByteBuffer payload = ByteBuffer.allocate(8 + length);
    payload.putInt(0).putInt(errorCode).put(text, 0, length).flip();
    return frame(TYPE_GOAWAY, payload);
  }

  /** RFC 9113 §4.1: 24-bit length, type, flags, reserved bit and 31-bit stream id, payload. */
  private static ByteString frame(byte type, ByteBuffer payload) {
    int length = payload.remaining();
    ByteBuffer frame = ByteBuffer.allocate(9 + length);
    frame.put((byte) (length >>> 16)).put((byte) (length >>> 8)).put((byte) length)
        .put(type).put((byte) 0).putInt(0).put(payload).flip();
    return ByteString.fromByteBuffer(frame);
  }
}
