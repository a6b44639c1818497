package io.meshfed.protocol.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.protocol.names.Names;
import org.junit.jupiter.api.Test;

class QuoteTest {
  @Test
  void ordinaryInputIsQuotedAsIs() {
    assertThat(Quote.of("web-1")).isEqualTo("\"web-1\"");
    assertThat(Quote.single("web-1")).isEqualTo("'web-1'");
    assertThat(Quote.bare("frob")).isEqualTo("frob");
    assertThat(Quote.of("café ☕ 😀")).isEqualTo("\"café ☕ 😀\"");
    assertThat(Quote.of(null)).isEqualTo("\"\"");
  }

  @Test
  void lineBreaksControlAndInvisibleCharactersAreEscaped() {
    assertThat(Quote.of("a\nb\r\tc")).isEqualTo("\"a\\nb\\r\\tc\"");
    assertThat(Quote.of("bell\u0007 del\u007f c1\u0085")).isEqualTo("\"bell\\u0007 del\\u007F c1\\u0085\"");
    assertThat(Quote.of("ls\u2028ps\u2029rlo\u202e")).isEqualTo("\"ls\\u2028ps\\u2029rlo\\u202E\"");
    assertThat(Quote.of("lone\ud800")).isEqualTo("\"lone\\uD800\"");
  }

  @Test
  void theQuoteCharacterAndTheBackslashAreEscaped() {
    assertThat(Quote.of("say \"hi\" \\o/")).isEqualTo("\"say \\\"hi\\\" \\\\o/\"");
    assertThat(Quote.single("it's")).isEqualTo("'it\\'s'");
    assertThat(Quote.of("it's")).isEqualTo("\"it's\"");
  }

  @Test
  void longInputIsCutAfter64EscapedCharactersWithItsLength() {
    assertThat(Quote.of("x".repeat(64))).isEqualTo("\"" + "x".repeat(64) + "\"");
    assertThat(Quote.of("x".repeat(65))).isEqualTo("\"" + "x".repeat(64) + "\"…(65 chars)");
    assertThat(Quote.bare("y".repeat(1_000_000))).isEqualTo("y".repeat(64) + "…(1000000 chars)");
    // Escapes count as what they show: 32 line breaks fill the 64.
    assertThat(Quote.of("\n".repeat(100))).isEqualTo("\"" + "\\n".repeat(32) + "\"…(100 chars)");
    // An escape is never cut in half.
    assertThat(Quote.of("x".repeat(60) + "\u0007")).isEqualTo("\"" + "x".repeat(60) + "\"…(61 chars)");
  }

  @Test
  void namesQuoteTheirInputTheSameWay() {
    assertThat(Names.datacenterError("..\n/evil"))
        .contains("invalid datacenter name '..\\n/evil': use 1 to 63 characters of a-z, 0-9, '_' and '-' "
            + "(no dots, no upper case)");
    assertThat(Names.nodeNameError("a/" + "b".repeat(300)))
        .contains("invalid node name 'a/" + "b".repeat(62) + "'…(302 chars): it must not contain '/'");
    assertThat(Names.nodeNameError("gw\u0007")).contains("invalid node name 'gw\\u0007': each dot-separated part "
        + "must be 1 to 63 letters, digits, '-' or '_', not starting or ending with '-'");
  }
}
