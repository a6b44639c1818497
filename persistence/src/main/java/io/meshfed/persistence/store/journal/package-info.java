/**
 * The journal's own records: what the store's events (and snapshots) carry, independent of the API
 * records of {@code io.meshfed.protocol.model}. The store converts between the two when it writes
 * and when it applies, so that a change to an API record cannot change what is on disk.
 *
 * <p>These records are a stored format (see docs/journal.md): a journal written by any earlier
 * version must still be read. A field may be added (older entries read it as null, 0 or false, and
 * older readers ignore it); renaming or removing a field, or changing its type, needs a Jackson
 * migration and a new fixture under {@code persistence/src/test/resources/journal-compat/}. Only JDK
 * value types (String, long, int, boolean, List, Map) and records of this package may appear here.
 */
package io.meshfed.persistence.store.journal;
