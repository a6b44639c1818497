package io.meshfed.protocol.names;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {
  @ParameterizedTest
  @ValueSource(strings = {"dc1", "us-east-1", "eu_west", "a", "x23456789012345678901234567890123456789012345678901234567890123"})
  void validDatacenters(String dc) {
    assertThat(Names.datacenterError(dc)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "DC1", "dc.1", "dc/1", "dc 1", "x234567890123456789012345678901234567890123456789012345678901234"})
  void invalidDatacenters(String dc) {
    assertThat(Names.datacenterError(dc)).isPresent();
  }

  @ParameterizedTest
  @ValueSource(strings = {"n1", "node-1", "server1.example.com", "ip-10-0-0-1.ec2.internal", "N_1"})
  void validNodeNamesIncludingFqdns(String node) {
    assertThat(Names.nodeNameError(node)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a/b", "a..b", ".a", "a.", "-a", "a-", "a b"})
  void invalidNodeNames(String node) {
    assertThat(Names.nodeNameError(node)).isPresent();
  }

  @Test
  void slashIsRejectedWithItsOwnMessage() {
    assertThat(Names.nodeNameError("web/1")).hasValueSatisfying(m -> assertThat(m).contains("must not contain '/'"));
  }

  @Test
  void sniNamesAreBuiltAndParsedBySuffix() {
    assertThat(Names.serverSni("n1", "dc2", "meshfed")).isEqualTo("n1.server.dc2.meshfed");
    assertThat(Names.anyServerSni("dc2", "meshfed")).isEqualTo("server.dc2.meshfed");
    assertThat(Names.parseSni("n1.server.dc2.meshfed", "meshfed"))
        .contains(new Names.ServerName(Optional.of("n1"), "dc2"));
    assertThat(Names.parseSni("server.dc2.meshfed", "meshfed"))
        .contains(new Names.ServerName(Optional.empty(), "dc2"));
    // FQDN node names keep their dots; the DC is the label right before the domain.
    assertThat(Names.parseSni("srv1.example.com.server.dc2.corp.example", "corp.example"))
        .contains(new Names.ServerName(Optional.of("srv1.example.com"), "dc2"));
    assertThat(Names.parseSni("N1.SERVER.dc2.MESHFED.", "meshfed")).isEmpty();
    assertThat(Names.parseSni("n1.server.dc2.meshfed.", "meshfed"))
        .contains(new Names.ServerName(Optional.of("n1"), "dc2"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "meshfed", "dc2.meshfed", "n1.client.dc2.meshfed", "n1.server.dc2.other",
      "n1.server.DC2.meshfed", ".server.dc2.meshfed", "a/b.server.dc2.meshfed", "x.meshfed.evil"})
  void foreignSniNamesAreNotServers(String sni) {
    assertThat(Names.parseSni(sni, "meshfed")).isEmpty();
  }

  @Test
  void wanMemberNamesSplitOnTheLastDot() {
    assertThat(Names.wanMemberName("n1.example.com", "dc2")).isEqualTo("n1.example.com.dc2");
    assertThat(Names.parseWanMemberName("n1.example.com.dc2"))
        .contains(new Names.WanMemberName("n1.example.com", "dc2"));
    assertThat(Names.parseWanMemberName("n1")).isEmpty();
    assertThat(Names.parseWanMemberName("n1.")).isEmpty();
    assertThat(Names.parseWanMemberName(".dc1")).isEmpty();
  }

  @Property
  void sniRoundTrips(@ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 20) String label1,
      @ForAll @AlphaChars @StringLength(min = 1, max = 20) String label2,
      @ForAll @NumericChars @StringLength(min = 1, max = 5) String dcSuffix) {
    String node = label1 + "." + label2;
    String dc = "dc" + dcSuffix;
    assertThat(Names.parseSni(Names.serverSni(node, dc, "meshfed"), "meshfed"))
        .contains(new Names.ServerName(Optional.of(node), dc));
    assertThat(Names.parseWanMemberName(Names.wanMemberName(node, dc)))
        .contains(new Names.WanMemberName(node, dc));
  }

  @Test
  void alpnIdsAndTypeBytes() {
    assertThat(WireConstants.ALPN_IDS)
        .containsExactly("meshfed/rpc", "meshfed/wan-gossip/packet", "meshfed/wan-gossip/stream");
    // Every plaintext type byte sits below a TLS record's first byte, so one byte tells them apart.
    assertThat(WireConstants.TYPE_HIGHEST).isLessThan(WireConstants.TLS_HANDSHAKE_RECORD);
    assertThat(WireConstants.MAX_GOSSIP_FRAME_BYTES).isEqualTo(4 * 1024 * 1024);
  }
}
