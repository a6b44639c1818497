package io.meshfed.protocol.model;

import java.time.Instant;

/**
 * Every limit on what the APIs store or dial, in one place. Encoded sizes are protobuf sizes
 * ({@code meshfed.v1} messages, as {@code ProtoConvert} builds them).
 */
public final class Limits {
  /** Service names and IDs, check IDs and names: far above any real name, and short enough to show. */
  public static final int MAX_NAME_LENGTH = 256;

  /** Addresses: a DNS name has at most 253 characters (RFC 1035), an IPv6 literal far fewer. */
  public static final int MAX_ADDRESS_LENGTH = 255;

  /** Tagged addresses per node or service: Consul uses a handful (lan, wan, lan_ipv4, wan_ipv6, ...). */
  public static final int MAX_TAGGED_ADDRESSES = 16;

  /** Tagged-address keys: names like {@code wan_ipv4}, never prose. */
  public static final int MAX_TAGGED_ADDRESS_KEY_LENGTH = 64;

  /** The largest TCP port. */
  public static final int MAX_PORT = 65535;

  /** Tags per service: real services carry a few; 64 matches the meta pairs. */
  public static final int MAX_TAGS = 64;

  /** One tag: as long as a name. */
  public static final int MAX_TAG_LENGTH = 256;

  /** Meta pairs, key and value length: Consul's numbers (structs.ValidateServiceMetadata). */
  public static final int MAX_META_PAIRS = 64;
  public static final int MAX_META_KEY_LENGTH = 128;
  public static final int MAX_META_VALUE_LENGTH = 512;

  /** Checks in one registration: a node check and one per service are the rule; 32 leaves room. */
  public static final int MAX_CHECKS_PER_REGISTRATION = 32;

  /** A check's Notes (UTF-8 bytes): a sentence for the operator, not a log. */
  public static final int MAX_CHECK_NOTES_BYTES = 1024;

  /** A check's Output (UTF-8 bytes) before Consul's truncation marker: Consul's agent keeps 4 KiB (checks.BufSize). */
  public static final int MAX_CHECK_OUTPUT_BYTES = 4096;

  /** Mesh gateways in one DC's federation state: a DC runs two or three; 32 is a generous fleet. */
  public static final int MAX_MESH_GATEWAYS = 32;

  /** UpdatedAt: no earlier than the epoch (the wire format's 0 means "unset")... */
  public static final Instant MIN_UPDATED_AT = Instant.EPOCH;

  /** ...and no later than the last instant with a four-digit year, which every client can print. */
  public static final Instant MAX_UPDATED_AT = Instant.parse("9999-12-31T23:59:59.999Z");

  /**
   * One catalog registration (node, service and checks): 32 full checks are 4 KiB of output each,
   * so a registration that big is not a registration; a gateway's is about 400 bytes.
   */
  public static final int MAX_REGISTRATION_BYTES = 16 * 1024;

  /** One DC's federation state: 32 gateways of about 2 KiB each (a gateway's is about 500 bytes). */
  public static final int MAX_FEDERATION_STATE_BYTES = 64 * 1024;

  /**
   * All federation states together, as the list answer carries them. That answer crosses the LAN
   * as one Artery message (at most 4 MiB, Jackson CBOR) and a replication answer as one internal
   * RPC frame (16 MiB). CBOR spells out every field name, empty ones included, so a list of
   * near-empty records is about 7.1 times its protobuf size: 512 KiB of them is 3.6 MiB of CBOR,
   * still one message (AnswerSizeTest builds it; 2 MiB would be about 15 MB). About 600 DCs with
   * two gateways each.
   */
  public static final int MAX_FEDERATION_STATES_BYTES = 512 * 1024;

  /**
   * The catalog: every service instance as a read lists it (node and checks included), plus every
   * node without services. The answer listing all of it crosses the LAN as one Artery message, so
   * the same bound applies. About 1,500 gateway registrations.
   */
  public static final int MAX_CATALOG_BYTES = 512 * 1024;

  /** ACL policies in a DC's store: far above what people write by hand, small enough to hold in memory. */
  public static final int MAX_ACL_POLICIES = 1_000;

  /** ACL tokens in a DC's store: one per gateway, operator and automation, with a wide margin. */
  public static final int MAX_ACL_TOKENS = 10_000;

  /** A policy's rules as JSON text (UTF-8 bytes): a few hundred rules. */
  public static final int MAX_ACL_RULES_BYTES = 16 * 1024;

  /** A policy's or token's description (UTF-8 bytes): a sentence. */
  public static final int MAX_ACL_DESCRIPTION_BYTES = 512;

  /**
   * The whole ACL table, as {@code AclValidation.encodedSize} estimates it (every string's UTF-8 bytes
   * and a field-name allowance per entry): the store's answer listing it crosses the LAN as one Artery
   * message of at most 4 MiB of CBOR, which spells out field names as the estimate does. About 10,000
   * tokens of a few policies each.
   */
  public static final int MAX_ACL_TABLE_BYTES = 2 * 1024 * 1024;

  /** Policies one token carries. */
  public static final int MAX_POLICIES_PER_TOKEN = 32;

  /** A policy name: Consul's 128 characters of letters, digits, '-' and '_'. */
  public static final int MAX_ACL_POLICY_NAME_LENGTH = 128;

  private Limits() {}
}
