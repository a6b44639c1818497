package io.meshfed.actors.fuzz;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The fuzz contract of the actors and server suites: {@code meshfed.fuzz.tries} cases (10,000 by default,
 * more under the {@code fuzz-long} profile), each from its own seed, so that a failure names the one
 * seed that replays it alone ({@code -Dmeshfed.fuzz.seed=S -Dmeshfed.fuzz.tries=1}), with its input
 * in hex.
 */
public final class Fuzz {
  public static final String TRIES = "meshfed.fuzz.tries";
  public static final String SEED = "meshfed.fuzz.seed";
  private static final long DEFAULT_SEED = 0x18B;
  // Case i's seed is the run's seed plus i steps, so case 0 of a replay is the failed case itself.
  private static final long STEP = 0x9E3779B97F4A7C15L;

  private Fuzz() {}

  /** One case: its random source, and where it says what it fed the parser (for the failure report). */
  public static final class Case {
    public final SplittableRandom random;
    public final long seed;
    private volatile String input = "(not recorded)";

    Case(long seed) {
      this.seed = seed;
      this.random = new SplittableRandom(seed);
    }

    public byte[] input(byte[] bytes) {
      this.input = "hex " + HexFormat.of().formatHex(bytes);
      return bytes;
    }

    public String input(String text) {
      this.input = "hex " + HexFormat.of().formatHex(text.getBytes(java.nio.charset.StandardCharsets.UTF_8))
          + " text " + text.replace("\n", "\\n");
      return text;
    }
  }

  @FunctionalInterface
  public interface Body {
    void run(Case c) throws Exception;
  }

  @FunctionalInterface
  public interface AsyncBody {
    CompletionStage<?> run(Case c) throws Exception;
  }

  public static int tries() {
    return Integer.getInteger(TRIES, 10_000);
  }

  public static long seed() {
    return Long.getLong(SEED, DEFAULT_SEED);
  }

  /** Runs {@link #tries()} cases one after another; returns how many ran. */
  public static int run(String suite, Body body) {
    return runAsync(suite, 1, 60, c -> {
      body.run(c);
      return CompletableFuture.completedFuture(null);
    });
  }

  /** Runs the cases with up to {@code parallel} in flight, each bounded by {@code caseSeconds}. */
  public static int runAsync(String suite, int parallel, int caseSeconds, AsyncBody body) {
    int tries = tries();
    long seed = seed();
    long started = System.nanoTime();
    Semaphore inFlight = new Semaphore(parallel);
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    List<CompletableFuture<?>> pending = new ArrayList<>();
    int ran = 0;
    for (int i = 0; i < tries && failures.isEmpty(); i++, ran++) {
      Case c = new Case(seed + i * STEP);
      inFlight.acquireUninterruptibly();
      CompletableFuture<?> done;
      try {
        done = body.run(c).toCompletableFuture().orTimeout(caseSeconds, TimeUnit.SECONDS);
      } catch (Throwable t) {
        done = CompletableFuture.failedFuture(t);
      }
      pending.add(done.whenComplete((ok, err) -> {
        inFlight.release();
        if (err != null) {
          failures.add(report(suite, c, err));
        }
      }));
      if (pending.size() > 4 * parallel) {
        pending.removeIf(CompletableFuture::isDone);
      }
    }
    pending.forEach(f -> f.handle((ok, err) -> null).join());
    long millis = (System.nanoTime() - started) / 1_000_000;
    System.out.printf("fuzz %s: %d cases from seed %d in %d ms%n", suite, ran, seed, millis);
    if (!failures.isEmpty()) {
      throw new AssertionError(failures.peek());
    }
    return ran;
  }

  private static String report(String suite, Case c, Throwable err) {
    java.io.StringWriter trace = new java.io.StringWriter();
    err.printStackTrace(new java.io.PrintWriter(trace));
    return "fuzz " + suite + " failed; replay with -D" + SEED + "=" + c.seed + " -D" + TRIES + "=1\ninput: "
        + c.input + "\n" + trace;
  }

  // ---- inputs ----

  public static byte[] randomBytes(SplittableRandom r, int maxLength) {
    byte[] b = new byte[r.nextInt(maxLength + 1)];
    r.nextBytes(b);
    return b;
  }

  /**
   * One to three mutations of {@code valid}: bit flips, truncation, a duplicated slice or the whole
   * message again (protobuf merges repeated fields), a length-delimited field claiming a huge length,
   * random bytes inserted or overwritten.
   */
  public static byte[] mutate(SplittableRandom r, byte[] valid) {
    byte[] b = valid.clone();
    int rounds = 1 + r.nextInt(3);
    for (int i = 0; i < rounds; i++) {
      b = mutateOnce(r, b);
    }
    return b;
  }

  private static byte[] mutateOnce(SplittableRandom r, byte[] b) {
    int at = b.length == 0 ? 0 : r.nextInt(b.length + 1);
    switch (r.nextInt(7)) {
      case 0 -> {
        if (b.length > 0) {
          int flips = 1 + r.nextInt(8);
          for (int i = 0; i < flips; i++) {
            b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
          }
        }
        return b;
      }
      case 1 -> {
        return java.util.Arrays.copyOf(b, at);
      }
      case 2 -> {
        int from = b.length == 0 ? 0 : r.nextInt(b.length);
        int to = from + (b.length == 0 ? 0 : r.nextInt(b.length - from + 1));
        return insert(b, at, java.util.Arrays.copyOfRange(b, from, to));
      }
      case 3 -> {
        return insert(b, b.length, b.clone());
      }
      case 4 -> {
        int field = 1 + r.nextInt(16);
        long length = switch (r.nextInt(3)) {
          case 0 -> 0xFFFF_FFFFL;
          case 1 -> Integer.MAX_VALUE;
          default -> 1L + r.nextInt(1 << 24);
        };
        return insert(b, at, concat(varint((field << 3) | 2), varint(length)));
      }
      case 5 -> {
        return insert(b, at, randomBytes(r, 16));
      }
      default -> {
        if (b.length > 0) {
          b[r.nextInt(b.length)] = (byte) r.nextInt(256);
        }
        return b;
      }
    }
  }

  private static byte[] varint(long v) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
    return out.toByteArray();
  }

  private static byte[] insert(byte[] b, int at, byte[] what) {
    byte[] out = new byte[b.length + what.length];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(what, 0, out, at, what.length);
    System.arraycopy(b, at, out, at + what.length, b.length - at);
    return out;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    return insert(a, a.length, b);
  }
}
