package io.meshfed.protocol.version;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * What this build is and which protocol versions it speaks. The compatibility policy
 * (docs/upgrading.md) is stated in these numbers: a release understands its own version of every
 * protocol and the previous release's, so a federation and a DC can run two adjacent releases side
 * by side while they are upgraded.
 *
 * <ul>
 *   <li><b>gossip</b>: WAN membership packets and streams (gossip.proto). Advertised in each
 *       member's tags; a member whose range does not overlap is refused.
 *   <li><b>internal RPC</b>: the frames and forwarded calls on {@code meshfed/rpc}. A new
 *       incompatible version gets a new ALPN id, so a server that does not speak it refuses the
 *       handshake; the range is advertised in the WAN tags as well, so such a member is refused
 *       before anyone dials it.
 *   <li><b>journal</b>: the store's events and snapshots (docs/journal.md). A build reads every
 *       earlier format; it writes only its own.
 *   <li><b>API</b>: the HTTP paths' {@code /v1} and the {@code meshfed.v1} protobuf package.
 * </ul>
 */
public final class Versions {
  /** This build's release, e.g. {@code 0.2.0} or {@code 0.2.0-SNAPSHOT} between releases. */
  public static final String RELEASE = release();

  /** Gossip versions this build understands; release 0.1.0 spoke 1 and advertised none (read as 1). */
  public static final ProtocolRange GOSSIP = new ProtocolRange(1, 1);

  /** Internal RPC versions this build understands; 0.1.0 spoke 1 and advertised none (read as 1). */
  public static final ProtocolRange RPC = new ProtocolRange(1, 1);

  /** The range a peer that advertises no versions speaks: release 0.1.0, which had no such tags. */
  public static final ProtocolRange UNADVERTISED = new ProtocolRange(1, 1);

  /** The journal format this build writes; it reads every format from 1 up to this one. */
  public static final int JOURNAL = 4;

  /** The client APIs' version: {@code /v1/...} paths and the {@code meshfed.v1} protobuf package. */
  public static final int API = 1;

  private Versions() {}

  private static String release() {
    try (InputStream in = Versions.class.getResourceAsStream("release.properties")) {
      if (in == null) {
        throw new IllegalStateException("release.properties is missing from the meshfed jar");
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "");
      if (v.isEmpty() || v.startsWith("${")) {
        throw new IllegalStateException("release.properties was not filtered by the build: " + v);
      }
      return v;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read this build's release version", e);
    }
  }
}
