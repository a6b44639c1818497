package io.meshfed.persistence.store;

import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The encoded size of one of the store's tables, kept from write to write, so that checking a
 * write against a total measures the one record it replaces rather than the whole table. The
 * store's tables are immutable maps, so "the table the last write produced" is an identity test;
 * any other table (the first write after recovery) is measured in full once.
 */
final class TableSize<V> {
  private final ToLongFunction<V> sizeOf;
  private Map<String, V> measured;
  private long bytes;

  TableSize(ToLongFunction<V> sizeOf) {
    this.sizeOf = sizeOf;
  }

  long of(Map<String, V> table) {
    if (table != measured) {
      long sum = 0;
      for (V record : table.values()) {
        sum += sizeOf.applyAsLong(record);
      }
      measured = table;
      bytes = sum;
    }
    return bytes;
  }

  /** The size of {@code table} with {@code before} (null: none) replaced by {@code after} (null: none). */
  long replacing(Map<String, V> table, V before, V after) {
    return of(table) - sizeOf(before) + sizeOf(after);
  }

  /** {@code table}, which a write just produced, measures {@code size} (as {@link #replacing} computed it). */
  void remember(Map<String, V> table, long size) {
    measured = table;
    bytes = size;
  }

  private long sizeOf(V record) {
    return record == null ? 0 : sizeOf.applyAsLong(record);
  }
}
