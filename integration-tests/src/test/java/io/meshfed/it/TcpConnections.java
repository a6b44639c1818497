package io.meshfed.it;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The established TCP connections a process owns, read from Linux's /proc (no external tool):
 * /proc/net/tcp and tcp6 list every socket with its inode, and /proc/PID/fd links name the inodes a
 * process holds. The JVM opens dual-stack sockets, so IPv4 peers mostly appear in tcp6 as
 * IPv4-mapped addresses; both files are read and such addresses are shown as plain IPv4. Lets a
 * test prove who connected to whom.
 */
final class TcpConnections {
  /** One established connection as its owner sees it. */
  record Connection(String localAddress, int localPort, String remoteAddress, int remotePort) {
    @Override
    public String toString() {
      return localAddress + ":" + localPort + " -> " + remoteAddress + ":" + remotePort;
    }
  }

  private static final String ESTABLISHED = "01";

  private TcpConnections() {}

  static List<Connection> establishedBy(long pid) throws IOException {
    Set<String> inodes = socketInodes(pid);
    List<Connection> out = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      List<String> all = Files.readAllLines(Path.of(table));
      lines.addAll(all.subList(1, all.size()));
    }
    for (String line : lines) {
      String[] f = line.trim().split("\\s+");
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      if (f.length < 10 || !f[3].equals(ESTABLISHED) || !inodes.contains(f[9])) {
        continue;
      }
      String[] local = f[1].split(":");
      String[] remote = f[2].split(":");
      out.add(new Connection(address(local[0]), Integer.parseInt(local[1], 16), address(remote[0]),
          Integer.parseInt(remote[1], 16)));
    }
    return out;
  }

  private static Set<String> socketInodes(long pid) throws IOException {
    Set<String> inodes = new HashSet<>();
    try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException closedMeanwhile) {
          // the descriptor closed between listing and reading: not a connection any more
        }
      }
    }
    return inodes;
  }

  /**
   * /proc writes an address as 32-bit words, each in host (little-endian) byte order: one word for
   * IPv4, four for IPv6, where {@code ::ffff:a.b.c.d} (an IPv4 peer of a dual-stack socket) is
   * returned as {@code a.b.c.d}.
   */
  private static String address(String hex) throws IOException {
    if (hex.length() == 32 && hex.startsWith("0000000000000000FFFF0000")) {
      hex = hex.substring(24);
    }
    byte[] bytes = new byte[hex.length() / 2];
    for (int word = 0; word < hex.length() / 8; word++) {
      long v = Long.parseLong(hex.substring(word * 8, word * 8 + 8), 16);
      for (int i = 0; i < 4; i++) {
        bytes[word * 4 + i] = (byte) (v >> (8 * i));
      }
    }
    return InetAddress.getByAddress(bytes).getHostAddress();
  }
}
