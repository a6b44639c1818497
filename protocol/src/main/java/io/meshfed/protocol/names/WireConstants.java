package io.meshfed.protocol.names;

import java.util.List;

/** Constants that appear on the wire or in the catalog. */
public final class WireConstants {
  /** ALPN protocol ids (RFC 7301) negotiated on the server port. */
  public static final String ALPN_RPC = "meshfed/rpc";
  public static final String ALPN_WAN_GOSSIP_PACKET = "meshfed/wan-gossip/packet";
  public static final String ALPN_WAN_GOSSIP_STREAM = "meshfed/wan-gossip/stream";
  public static final List<String> ALPN_IDS = List.of(ALPN_RPC, ALPN_WAN_GOSSIP_PACKET, ALPN_WAN_GOSSIP_STREAM);

  /**
   * First byte of a plaintext connection on the server port. A TLS record starts with its content
   * type, 0x16 for a handshake (RFC 8446 §5.1), which is above every type byte here.
   */
  public static final byte TYPE_RPC = 0x01;
  public static final byte TYPE_WAN_GOSSIP_PACKET = 0x02;
  public static final byte TYPE_WAN_GOSSIP_STREAM = 0x03;
  public static final byte TYPE_HIGHEST = TYPE_WAN_GOSSIP_STREAM;
  public static final byte TLS_HANDSHAKE_RECORD = 0x16;

  /** Gossip packet frames: a 4-byte big-endian length, then at most this many payload bytes. */
  public static final int MAX_GOSSIP_FRAME_BYTES = 4 * 1024 * 1024;

  /** Service kind of a mesh gateway, and the meta that opts it into WAN federation. */
  public static final String KIND_MESH_GATEWAY = "mesh-gateway";
  public static final String META_WAN_FEDERATION = "meshfed-wan-federation";
  public static final String META_WAN_FEDERATION_ON = "1";

  /** The service under which every server registers itself in its DC's catalog. */
  public static final String SERVER_SERVICE = "meshfed";

  /** The gRPC metadata key of the ACL token ({@code authorization: Bearer T} works too). */
  public static final String GRPC_TOKEN_KEY = "x-meshfed-token";

  public static final int DEFAULT_SERVER_PORT = 8300;
  public static final int DEFAULT_LAN_PORT = 8301;
  public static final int DEFAULT_HTTP_PORT = 8500;
  public static final int DEFAULT_GRPC_PORT = 8502;
  public static final int DEFAULT_GATEWAY_PORT = 8443;

  private WireConstants() {}
}
