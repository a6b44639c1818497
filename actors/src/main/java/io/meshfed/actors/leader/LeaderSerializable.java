package io.meshfed.actors.leader;

/** Marker for the leader's messages that cross the LAN: serialized by Jackson (CBOR). */
public interface LeaderSerializable {}
