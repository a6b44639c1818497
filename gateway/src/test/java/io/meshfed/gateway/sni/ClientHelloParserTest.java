package io.meshfed.gateway.sni;

import static io.meshfed.gateway.sni.ClientHellos.concat;
import static io.meshfed.gateway.sni.ClientHellos.extension;
import static io.meshfed.gateway.sni.ClientHellos.handshake;
import static io.meshfed.gateway.sni.ClientHellos.hostName;
import static io.meshfed.gateway.sni.ClientHellos.record;
import static io.meshfed.gateway.sni.ClientHellos.serverName;
import static io.meshfed.gateway.sni.ClientHellos.synthetic;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClientHelloParserTest {
  private static final String NAME = "n1.server.dc1.meshfed";
  private static final int MAX = 16 * 1024;

  @Test
  void readsTheNameFromTheJdkClientHello() throws Exception {
    assertThat(parseAll(ClientHellos.jdk(NAME))).isEqualTo(new HelloResult.Found(NAME));
  }

  @Test
  void readsTheNameFromTheBoringSslClientHello() throws Exception {
    assertThat(parseAll(ClientHellos.boringSsl(NAME))).isEqualTo(new HelloResult.Found(NAME));
  }

  @Test
  void readsAnFqdnNodeNameAndKeepsItsCase() throws Exception {
    String fqdn = "Node-1.Example.COM.server.dc1.meshfed";
    assertThat(parseAll(ClientHellos.jdk(fqdn))).isEqualTo(new HelloResult.Found(fqdn));
  }

  @Test
  void decidesOnlyWithTheLastByteWhenFedOneByteAtATime() throws Exception {
    byte[] hello = ClientHellos.boringSsl(NAME);
    ClientHelloParser parser = new ClientHelloParser(MAX);
    ByteBuf input = Unpooled.buffer();
    for (int i = 0; i < hello.length - 1; i++) {
      input.writeByte(hello[i]);
      assertThat(parser.parse(input)).as("after %d of %d bytes", i + 1, hello.length).isSameAs(HelloResult.NEED_MORE);
    }
    input.writeByte(hello[hello.length - 1]);
    assertThat(parser.parse(input)).isEqualTo(new HelloResult.Found(NAME));
    assertThat(input.readerIndex()).as("nothing consumed").isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 4, 5, 64, 100, 511})
  void reassemblesAClientHelloFragmentedOverRecords(int fragment) throws Exception {
    byte[] hello = ClientHellos.refragment(ClientHellos.jdk(NAME), fragment);
    assertThat(parseAll(hello)).isEqualTo(new HelloResult.Found(NAME));
    assertThat(parseByteAtATime(hello)).isEqualTo(new HelloResult.Found(NAME));
  }

  @Test
  void ignoresWhatFollowsTheClientHello() throws Exception {
    byte[] earlyData = record(23, "0-RTT data".getBytes(StandardCharsets.US_ASCII));
    assertThat(parseAll(concat(ClientHellos.jdk(NAME), earlyData))).isEqualTo(new HelloResult.Found(NAME));
  }

  @Test
  void everyTruncationNeedsMore() throws Exception {
    byte[] hello = ClientHellos.refragment(ClientHellos.boringSsl(NAME), 200);
    for (int length = 0; length < hello.length; length++) {
      assertThat(new ClientHelloParser(MAX).parse(Unpooled.wrappedBuffer(hello, 0, length)))
          .as("first %d bytes", length).isSameAs(HelloResult.NEED_MORE);
    }
  }

  @Test
  void aClientHelloWithoutServerNameHasNoSni() throws Exception {
    assertRejected(ClientHellos.jdk(null), Rejection.NO_SNI);
    assertRejected(synthetic(extension(43, new byte[] {2, 3, 4})), Rejection.NO_SNI);
    assertRejected(synthetic((byte[][]) null), Rejection.NO_SNI);
    assertRejected(synthetic(extension(0, new byte[0])), Rejection.NO_SNI);
  }

  @Test
  void handMadeHelloWithOneHostNameIsRead() {
    assertThat(parseAll(synthetic(extension(10, new byte[] {0, 2, 0, 29}), hostName("server.dc2.meshfed"))))
        .isEqualTo(new HelloResult.Found("server.dc2.meshfed"));
  }

  @Test
  void tooLargeAsSoonAsTheHandshakeHeaderSaysSo() {
    byte[] header = record(22, new byte[] {1, 0, (byte) 0x4e, 0x20}); // ClientHello of 20000 bytes
    assertRejected(header, Rejection.TOO_LARGE);
  }

  @Test
  void tooLargeWhenRecordHeadersPushItPastTheLimit() throws Exception {
    byte[] hello = ClientHellos.jdk(NAME);
    assertThat(new ClientHelloParser(hello.length).parse(Unpooled.wrappedBuffer(hello)))
        .isEqualTo(new HelloResult.Found(NAME));
    byte[] inOneByteRecords = ClientHellos.refragment(hello, 1);
    assertThat(new ClientHelloParser(hello.length).parse(Unpooled.wrappedBuffer(inOneByteRecords)))
        .isInstanceOfSatisfying(HelloResult.Rejected.class, r -> assertThat(r.reason()).isEqualTo(Rejection.TOO_LARGE));
  }

  @Test
  void tooLargeRecordIsRejectedFromItsHeader() {
    byte[] header = {22, 3, 1, 0x40, 0x00}; // a 16384-byte record, one byte short of fitting with its header
    assertThat(new ClientHelloParser(MAX).parse(Unpooled.wrappedBuffer(header)))
        .isInstanceOfSatisfying(HelloResult.Rejected.class, r -> assertThat(r.reason()).isEqualTo(Rejection.TOO_LARGE));
  }

  @Test
  void plaintextAndGarbageAreNotTls() {
    assertRejected("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII), Rejection.NOT_TLS);
    assertRejected(new byte[] {0}, Rejection.NOT_TLS);
    assertRejected(new byte[] {22, 2}, Rejection.NOT_TLS);
    assertRejected(new byte[] {22, 3, 9}, Rejection.NOT_TLS);
  }

  @Test
  void sslV2StyleHelloIsNotTls() {
    // SSL 2.0 CLIENT-HELLO with a 2-byte header (high bit set), as old clients sent for compatibility.
    byte[] sslv2 = {(byte) 0x80, 0x2e, 0x01, 0x03, 0x01, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10};
    assertRejected(sslv2, Rejection.NOT_TLS);
  }

  @Test
  void recordLayerViolationsAreMalformed() throws Exception {
    assertRejected(new byte[] {22, 3, 1, 0, 0}, Rejection.MALFORMED);
    assertRejected(new byte[] {22, 3, 1, 0x40, 0x01}, Rejection.MALFORMED);
    byte[] hello = ClientHellos.refragment(ClientHellos.jdk(NAME), 100);
    byte[] changeCipherSpec = record(20, new byte[] {1});
    assertRejected(concat(Arrays.copyOf(hello, 105), changeCipherSpec, Arrays.copyOfRange(hello, 105, hello.length)),
        Rejection.MALFORMED);
    byte[] laterRecordWithBadVersion = concat(Arrays.copyOf(hello, 105), new byte[] {22, 4, 1, 0, 1, 0});
    assertRejected(laterRecordWithBadVersion, Rejection.MALFORMED);
  }

  @Test
  void aHandshakeMessageOtherThanClientHelloIsMalformed() {
    assertRejected(record(22, handshake(2, new byte[40])), Rejection.MALFORMED);
  }

  @Test
  void serverNameViolationsAreMalformed() {
    assertRejected(synthetic(serverName(0, "a.meshfed", 0, "b.meshfed")), Rejection.MALFORMED);
    assertRejected(synthetic(hostName("a.meshfed"), hostName("b.meshfed")), Rejection.MALFORMED);
    assertRejected(synthetic(serverName(0, "bad name")), Rejection.MALFORMED);
    assertRejected(synthetic(serverName(0, new byte[] {'a', (byte) 0xc3, (byte) 0xa9})), Rejection.MALFORMED);
    assertRejected(synthetic(serverName(0, "")), Rejection.MALFORMED);
    assertRejected(synthetic(serverName(7, "x")), Rejection.MALFORMED);
    assertRejected(synthetic(extension(0, new byte[] {0, 9, 0, 0, 1, 'a'})), Rejection.MALFORMED);
  }

  @Test
  void lengthsRunningPastTheirEnclosingStructureAreMalformed() {
    byte[] hello = synthetic(hostName(NAME));
    byte[] badExtensionsLength = hello.clone();
    int extensionsLengthAt = 5 + 4 + 2 + 32 + 1 + 4 + 2;
    badExtensionsLength[extensionsLengthAt + 1] += 1;
    assertRejected(badExtensionsLength, Rejection.MALFORMED);
    byte[] badSessionId = hello.clone();
    badSessionId[5 + 4 + 2 + 32] = 33;
    assertRejected(badSessionId, Rejection.MALFORMED);
  }

  @Test
  void randomCorruptionNeverThrows() throws Exception {
    byte[] hello = ClientHellos.refragment(ClientHellos.boringSsl(NAME), 300);
    Random random = new Random(42);
    for (int i = 0; i < 5_000; i++) {
      byte[] corrupt = hello.clone();
      for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
        corrupt[random.nextInt(corrupt.length)] ^= (byte) (1 << random.nextInt(8));
      }
      assertThat(parseAll(corrupt)).isNotNull();
    }
  }

  private static HelloResult parseAll(byte[] bytes) {
    return new ClientHelloParser(MAX).parse(Unpooled.wrappedBuffer(bytes));
  }

  private static HelloResult parseByteAtATime(byte[] bytes) {
    ClientHelloParser parser = new ClientHelloParser(MAX);
    ByteBuf input = Unpooled.buffer();
    HelloResult result = HelloResult.NEED_MORE;
    for (int i = 0; i < bytes.length && result == HelloResult.NEED_MORE; i++) {
      input.writeByte(bytes[i]);
      result = parser.parse(input);
    }
    return result;
  }

  private static void assertRejected(byte[] bytes, Rejection reason) {
    assertThat(parseAll(bytes)).isInstanceOfSatisfying(HelloResult.Rejected.class,
        rejected -> assertThat(rejected.reason()).as(rejected.detail()).isEqualTo(reason));
    assertThat(parseByteAtATime(bytes)).as("byte at a time").isInstanceOfSatisfying(HelloResult.Rejected.class,
        rejected -> assertThat(rejected.reason()).isEqualTo(reason));
  }
}
