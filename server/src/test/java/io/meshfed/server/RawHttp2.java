package io.meshfed.server;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An HTTP/2 client that writes frames by hand (RFC 9113 §4.1, HPACK literals per RFC 7541 §6.2.2),
 * so that a test can do what no well-behaved client does: stop in the middle of a message, or
 * send nothing after the preface. Header blocks it receives are decoded with Netty's HPACK decoder.
 */
final class RawHttp2 implements AutoCloseable {
  static final byte DATA = 0x0;
  static final byte HEADERS = 0x1;
  static final byte SETTINGS = 0x4;
  static final byte GOAWAY = 0x7;
  static final byte END_STREAM = 0x1;
  static final byte END_HEADERS = 0x4;
  static final byte ACK = 0x1;

  record Frame(byte type, byte flags, int stream, byte[] payload) {}

  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);

  private RawHttp2(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new DataInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  static RawHttp2 connect(InetAddress from, int port) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(from, 0));
    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
    return new RawHttp2(s);
  }

  void preface() throws IOException {
    out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    frame(SETTINGS, (byte) 0, 0, new byte[0]);
  }

  /** A gRPC call's request headers on {@code stream}, the token in {@code x-meshfed-token} if given. */
  void grpcHeaders(int stream, String path, String token) throws IOException {
    grpcHeaders(stream, path, token, Map.of());
  }

  void grpcHeaders(int stream, String path, String token, Map<String, String> more) throws IOException {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put(":method", "POST");
    headers.put(":scheme", "http");
    headers.put(":path", path);
    headers.put(":authority", "localhost");
    headers.put("content-type", "application/grpc");
    headers.put("te", "trailers");
    if (token != null) {
      headers.put("x-meshfed-token", token);
    }
    headers.putAll(more);
    ByteArrayOutputStream block = new ByteArrayOutputStream();
    headers.forEach((name, value) -> {
      block.write(0x00); // literal without indexing, new name
      literal(block, name);
      literal(block, value);
    });
    frame(HEADERS, END_HEADERS, stream, block.toByteArray());
  }

  void data(int stream, byte[] bytes, boolean endStream) throws IOException {
    frame(DATA, endStream ? END_STREAM : 0, stream, bytes);
  }

  /** gRPC's message prefix: not compressed, then the 4-byte length the message claims. */
  static byte[] messagePrefix(int declaredLength) {
    return ByteBuffer.allocate(5).put((byte) 0).putInt(declaredLength).array();
  }

  /**
   * Reads frames until the server ends {@code stream} with a header block, and returns those
   * headers; SETTINGS are acknowledged on the way. Null if the connection ends first.
   */
  Map<String, String> awaitEndOfStream(int stream, Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
    while (true) {
      Frame f = readFrame();
      if (f == null) {
        return null;
      }
      if (f.type() == SETTINGS && (f.flags() & ACK) == 0) {
        frame(SETTINGS, ACK, 0, new byte[0]);
      } else if (f.type() == HEADERS && f.stream() == stream) {
        Map<String, String> headers = decode(f);
        if ((f.flags() & END_STREAM) != 0) {
          return headers;
        }
      }
    }
  }

  /** The next frame, or null at the end of the connection. */
  Frame readFrame() throws IOException {
    byte[] head = new byte[9];
    try {
      in.readFully(head);
    } catch (EOFException end) {
      return null;
    } catch (java.net.SocketException reset) {
      return null;
    }
    int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
    byte[] payload = new byte[length];
    in.readFully(payload);
    int stream = ByteBuffer.wrap(head, 5, 4).getInt() & 0x7fffffff;
    return new Frame(head[3], head[4], stream, payload);
  }

  private Map<String, String> decode(Frame f) throws IOException {
    try {
      Http2Headers headers = decoder.decodeHeaders(f.stream(), Unpooled.wrappedBuffer(f.payload()));
      Map<String, String> out = new LinkedHashMap<>();
      headers.forEach(e -> out.put(e.getKey().toString(), e.getValue().toString()));
      return out;
    } catch (Http2Exception e) {
      throw new IOException("undecodable header block", e);
    }
  }

  private void frame(byte type, byte flags, int stream, byte[] payload) throws IOException {
    ByteBuffer head = ByteBuffer.allocate(9);
    head.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length)
        .put(type).put(flags).putInt(stream);
    out.write(head.array());
    out.write(payload);
    out.flush();
  }

  /** RFC 7541 §5.2 string literal, not Huffman-coded, with its §5.1 length prefix of 7 bits. */
  private static void literal(ByteArrayOutputStream block, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    int length = bytes.length;
    if (length < 127) {
      block.write(length);
    } else {
      block.write(127);
      length -= 127;
      while (length >= 128) {
        block.write((length & 0x7f) | 0x80);
        length >>>= 7;
      }
      block.write(length);
    }
    block.write(bytes, 0, bytes.length);
  }

  /** gRPC's Status-Message is percent-encoded (%XX of UTF-8 bytes). */
  static String grpcMessage(Map<String, String> trailers) {
    String encoded = trailers.getOrDefault("grpc-message", "");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (c == '%' && i + 2 < encoded.length()) {
        out.write(Integer.parseInt(encoded.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  Socket socket() {
    return socket;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
