package io.meshfed.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TableTest {
  @Test
  void alignsColumnsTwoSpacesApartWithoutTrailingSpaces() {
    String text = new Table("A", "LONG-HEADER", "C")
        .row("wide-cell", "x", "")
        .row("y", "z", "last")
        .render();
    assertThat(text).isEqualTo(
        "A          LONG-HEADER  C\n"
      + "wide-cell  x            -\n"
      + "y          z            last\n");
  }

  @Test
  void anEmptyLastCellLeavesNoTrailingSpace() {
    assertThat(new Table("A", "B").row("a", null).render()).isEqualTo("A  B\na  -\n");
    assertThat(new Table("NAME", "X").render()).isEqualTo("NAME  X\n");
  }
}
