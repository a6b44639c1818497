package io.meshfed.gateway.sni;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * ClientHellos for tests: real ones from the JDK's and BoringSSL's engines, the same re-cut into
 * other records, and hand-made ones for the corner cases no engine sends.
 */
public final class ClientHellos {
  private ClientHellos() {}

  /** What the JDK's TLS client sends first; {@code sni} null for a client that sends no name. */
  public static byte[] jdk(String sni) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
    SSLEngine engine = sni == null ? context.createSSLEngine() : context.createSSLEngine(sni, 443);
    engine.setUseClientMode(true);
    return firstFlight(engine);
  }

  /** What netty-tcnative's BoringSSL client (the one meshfed servers dial with) sends first. */
  public static byte[] boringSsl(String sni) throws Exception {
    SSLEngine engine = SslContextBuilder.forClient()
        .sslProvider(SslProvider.OPENSSL)
        .trustManager(InsecureTrustManagerFactory.INSTANCE)
        .build()
        .newEngine(ByteBufAllocator.DEFAULT, sni, 443);
    return firstFlight(engine);
  }

  private static byte[] firstFlight(SSLEngine engine) throws Exception {
    engine.beginHandshake();
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize() * 4);
    engine.wrap(ByteBuffer.allocate(0), out);
    out.flip();
    byte[] bytes = new byte[out.remaining()];
    out.get(bytes);
    engine.closeOutbound();
    return bytes;
  }

  /** The handshake bytes of a single-record hello, re-cut into records of at most {@code size} bytes. */
  public static byte[] refragment(byte[] singleRecord, int size) {
    byte[] handshake = Arrays.copyOfRange(singleRecord, 5, 5 + ((singleRecord[3] & 0xff) << 8 | singleRecord[4] & 0xff));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int at = 0; at < handshake.length; at += size) {
      out.writeBytes(record(22, Arrays.copyOfRange(handshake, at, Math.min(handshake.length, at + size))));
    }
    return out.toByteArray();
  }

  /** One TLS record (RFC 8446 §5.1), record version 0x0301. */
  public static byte[] record(int contentType, byte[] fragment) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(contentType);
    out.write(3);
    out.write(1);
    out.write(fragment.length >> 8);
    out.write(fragment.length);
    out.writeBytes(fragment);
    return out.toByteArray();
  }

  /** A hand-made ClientHello in one record; {@code extensions} null for none at all (TLS 1.2 allows it). */
  public static byte[] synthetic(byte[]... extensions) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(new byte[] {3, 3});
    body.writeBytes(new byte[32]);
    body.write(0);
    body.writeBytes(new byte[] {0, 2, 0x13, 0x01});
    body.writeBytes(new byte[] {1, 0});
    if (extensions != null) {
      byte[] block = concat(extensions);
      body.writeBytes(u16(block.length));
      body.writeBytes(block);
    }
    return record(22, handshake(1, body.toByteArray()));
  }

  public static byte[] handshake(int type, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(type);
    out.write(body.length >> 16);
    out.write(body.length >> 8);
    out.write(body.length);
    out.writeBytes(body);
    return out.toByteArray();
  }

  public static byte[] extension(int type, byte[] data) {
    return concat(u16(type), u16(data.length), data);
  }

  /** A server_name extension (RFC 6066 §3) listing {@code names}, each as {type, bytes}. */
  public static byte[] serverName(Object... typesAndNames) {
    ByteArrayOutputStream list = new ByteArrayOutputStream();
    for (int i = 0; i < typesAndNames.length; i += 2) {
      byte[] name = typesAndNames[i + 1] instanceof String s ? s.getBytes(StandardCharsets.ISO_8859_1)
          : (byte[]) typesAndNames[i + 1];
      list.write((Integer) typesAndNames[i]);
      list.writeBytes(u16(name.length));
      list.writeBytes(name);
    }
    byte[] entries = list.toByteArray();
    return extension(0, concat(u16(entries.length), entries));
  }

  public static byte[] hostName(String name) {
    return serverName(0, name);
  }

  public static byte[] u16(int value) {
    return new byte[] {(byte) (value >> 8), (byte) value};
  }

  public static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
