package io.meshfed.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "client", mixinStandardHelpOptions = true,
    description = {"Measures one or more targets; prints a human line per measurement and "
        + "'RESULT target=.. test=.. value=.. unit=..' lines.",
        "All targets are measured by this one JVM, after an unrecorded warm-up round of each, in "
        + "rounds whose order rotates: the JIT and a busy machine weigh on every target alike."})
final class ClientCommand implements Callable<Integer> {
  private static final long MIB = 1024 * 1024;

  @Option(names = "--target", required = true, paramLabel = "NAME=HOST:PORT",
      description = "A target and where to connect for it: the bench server itself or a proxy in front of it (repeatable).")
  LinkedHashMap<String, InetSocketAddress> targets;

  @Mixin
  ClientOptions client;

  @Option(names = "--rounds", defaultValue = "1", description = "Recorded rounds (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(names = "--warmup-rounds", defaultValue = "1",
      description = "Unrecorded rounds first, each like a recorded one: on 2 cores the JIT needs about a minute "
          + "of this load before the figures settle (default: ${DEFAULT-VALUE}).")
  int warmupRounds;

  @Option(names = "--tests", split = ",", defaultValue = "throughput,conn_rate,latency",
      description = "Which measurements, in order (default: ${DEFAULT-VALUE}).")
  List<Plan.Test> tests;

  @Option(names = "--connections", defaultValue = "4", description = "Throughput: parallel connections (default: ${DEFAULT-VALUE}).")
  int connections;

  @Option(names = "--total-mib", defaultValue = "256",
      description = "Throughput: MiB sent each way, split over the connections (default: ${DEFAULT-VALUE}).")
  long totalMib;

  @Option(names = "--warmup-mib", defaultValue = "64",
      description = "Throughput: MiB each way of an unmeasured first transfer (default: ${DEFAULT-VALUE}).")
  long warmupMib;

  @Option(names = "--workers", defaultValue = "16", description = "Connection rate: concurrent workers (default: ${DEFAULT-VALUE}).")
  int workers;

  @Option(names = "--duration", defaultValue = "10", description = "Connection rate: measured seconds (default: ${DEFAULT-VALUE}).")
  double durationSeconds;

  @Option(names = "--warmup", defaultValue = "2", description = "Connection rate: unmeasured seconds first (default: ${DEFAULT-VALUE}).")
  double warmupSeconds;

  @Option(names = "--iterations", defaultValue = "20000", description = "Latency: measured round trips (default: ${DEFAULT-VALUE}).")
  int iterations;

  @Option(names = "--warmup-iterations", defaultValue = "2000", description = "Latency: unmeasured round trips first (default: ${DEFAULT-VALUE}).")
  int warmupIterations;

  @Option(names = "--size", defaultValue = "64", description = "Latency: bytes of a request and of its response (default: ${DEFAULT-VALUE}).")
  int size;

  @Override
  public Integer call() throws Exception {
    Plan plan = new Plan(tests, connections, totalMib * MIB, warmupMib * MIB, workers, seconds(durationSeconds),
        seconds(warmupSeconds), size, iterations, warmupIterations);
    EventLoopGroup group = client.newGroup();
    try {
      SslContext tls = client.tls();
      Map<String, Dialer> dialers = new LinkedHashMap<>();
      targets.forEach((name, address) -> dialers.put(name, new Dialer(address, client.serverName, tls, group)));
      List<String> names = new ArrayList<>(dialers.keySet());
      int failures = 0;
      for (int round = 0; round < warmupRounds; round++) {
        for (String name : names) {
          failures += TargetRun.run(name, dialers.get(name), plan, false, System.out);
        }
      }
      for (int round = 0; round < rounds; round++) {
        for (int i = 0; i < names.size(); i++) {
          String name = names.get((round + i) % names.size());
          System.out.printf("round %d/%d: %s%n", round + 1, rounds, name);
          failures += TargetRun.run(name, dialers.get(name), plan, true, System.out);
        }
      }
      return failures == 0 ? 0 : 1;
    } finally {
      NettyTransport.shutdown(group);
    }
  }

  private static Duration seconds(double seconds) {
    return Duration.ofNanos((long) (seconds * 1e9));
  }
}
