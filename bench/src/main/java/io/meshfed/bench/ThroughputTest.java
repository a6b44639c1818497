package io.meshfed.bench;

import io.netty.channel.Channel;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Bulk throughput: N held connections each upload X bytes, all at once; when every upload has been
 * acknowledged they each download X bytes. Each direction is timed across all connections, from
 * the first byte sent to the last byte acknowledged (up) or received (down). A warm-up round runs
 * first on the same connections so the JIT and the TCP windows have settled.
 */
final class ThroughputTest {
  static final double MIB = 1024.0 * 1024.0;
  private static final long TRANSFER_TIMEOUT_SECONDS = 600;

  record Figures(double upMibPerSecond, double downMibPerSecond, double totalMibPerSecond, long bytesEachWay) {}

  private ThroughputTest() {}

  static Figures run(Dialer dialer, int connections, long totalBytes, long warmupBytes) throws Exception {
    List<BulkClientHandler> handlers = new ArrayList<>();
    List<Channel> channels = new ArrayList<>();
    try {
      for (int i = 0; i < connections; i++) {
        BulkClientHandler handler = new BulkClientHandler();
        channels.add(dialer.connect(handler).sync().getNow());
        handlers.add(handler);
      }
      if (warmupBytes > 0) {
        round(handlers, warmupBytes / connections);
      }
      return round(handlers, totalBytes / connections);
    } finally {
      channels.forEach(Channel::close);
    }
  }

  private static Figures round(List<BulkClientHandler> handlers, long perConnection) throws Exception {
    long expected = Payload.checksum(perConnection);
    long start = System.nanoTime();
    awaitChecksums("upload", handlers, h -> h.upload(perConnection), expected);
    long uploaded = System.nanoTime();
    awaitChecksums("download", handlers, h -> h.download(perConnection), expected);
    long downloaded = System.nanoTime();
    double each = perConnection * handlers.size() / MIB;
    return new Figures(each / seconds(uploaded - start), each / seconds(downloaded - uploaded),
        2 * each / seconds(downloaded - start), perConnection * handlers.size());
  }

  private static void awaitChecksums(String what, List<BulkClientHandler> handlers,
                                     Function<BulkClientHandler, Future<Long>> transfer, long expected)
      throws Exception {
    List<Future<Long>> transfers = handlers.stream().map(transfer).toList();
    for (Future<Long> done : transfers) {
      if (!done.await(TRANSFER_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        throw new IOException(what + " did not finish within " + TRANSFER_TIMEOUT_SECONDS + " s");
      }
      if (!done.isSuccess()) {
        throw new IOException(what + " failed: " + done.cause(), done.cause());
      }
      if (done.getNow() != expected) {
        throw new IOException(what + " corrupted the data: checksum " + Long.toHexString(done.getNow())
            + ", expected " + Long.toHexString(expected));
      }
    }
  }

  static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
