package io.meshfed.cli.output;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Left-aligned columns sized to their widest cell, two spaces apart, without trailing spaces, so
 * the output lines up for people and splits on whitespace for scripts.
 */
public final class Table {
  private static final String GAP = "  ";
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  public Table(String... header) {
    this.header = List.of(header);
  }

  public Table row(String... cells) {
    if (cells.length != header.size()) {
      throw new IllegalArgumentException("a row of " + cells.length + " cells for " + header.size() + " columns");
    }
    rows.add(Arrays.stream(cells).map(c -> c == null || c.isEmpty() ? "-" : c).toList());
    return this;
  }

  public String render() {
    int[] widths = new int[header.size()];
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    for (List<String> line : all) {
      for (int i = 0; i < widths.length; i++) {
        widths[i] = Math.max(widths[i], line.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (List<String> line : all) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < widths.length; i++) {
        if (i > 0) {
          text.append(GAP);
        }
        text.append(line.get(i)).append(" ".repeat(widths[i] - line.get(i).length()));
      }
      out.append(text.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }
}
