package io.meshfed.actors.federation;

/**
 * What the generic replication needs to know about the records of one replicated table: their key,
 * the primary's modify index of each, and how a copy of the primary's record is written locally.
 *
 * @param <R> the record type
 */
public interface RecordKind<R> {
  /** The records, plural, for log lines and errors: {@code "federation states"}. */
  String what();

  /** One record, for log lines and errors: {@code "federation state"}. */
  String one();

  /** The record's identity in its table; the diff walks both lists in this key's order. */
  String key(R record);

  /** The record's modify index in the store it was read from. */
  long modifyIndex(R record);

  /** The copy of a primary's record that the local store is given. */
  R asReplica(R remote);

  /**
   * The primary's modify index of the record a local copy was made from, or -1 when copies do not keep it.
   * A copy whose index differs from the primary's record is rewritten even when the primary's table index
   * says nothing changed: the primary's history was replaced (a restored snapshot) and the index already passed
   * the last round's again, so {@link ReplicationCore}'s "index went backwards" rule never saw it go back.
   */
  default long primaryIndexOfCopy(R local) {
    return -1;
  }
}
