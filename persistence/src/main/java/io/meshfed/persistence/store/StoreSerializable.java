package io.meshfed.persistence.store;

/** Marker for the store's messages, events and snapshots: serialized by Jackson (CBOR). */
public interface StoreSerializable {}
