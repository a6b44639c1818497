package io.meshfed.transport.fuzz;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The one fuzz runner of every module's suites. A suite runs {@code meshfed.fuzz.tries} cases
 * (10,000 by default; the {@code fuzz-long} profile raises it), case i from seed {@code base + i *
 * STEP}. The base comes from the suite's name, so suites do not share inputs and every run is the
 * same; {@code -Dmeshfed.fuzz.seed=S} makes S the base and, without {@code meshfed.fuzz.tries}, runs
 * that one case: the replay of a failure, which names its seed and the input the case recorded.
 */
public final class Fuzz {
  public static final String TRIES = "meshfed.fuzz.tries";
  public static final String SEED = "meshfed.fuzz.seed";
  // Case i's seed is the base plus i steps, so a failed case's seed is case 0 of its replay.
  private static final long STEP = 0x9E3779B97F4A7C15L;
  private static final int MAX_INPUT_IN_MESSAGE = 2048;
  private static final byte[] BOUNDARIES = {0, 1, 0x7f, (byte) 0x80, (byte) 0xfe, (byte) 0xff};

  private Fuzz() {}

  /** One case: its random source, and what it fed the code under test, for the failure report. */
  public static final class Case {
    public final SplittableRandom random;
    public final long seed;
    // Async bodies may record from another thread than the one that runs them.
    private final Queue<String> inputs = new ConcurrentLinkedQueue<>();

    public Case(long seed) {
      this.seed = seed;
      this.random = new SplittableRandom(seed);
    }

    public byte[] input(byte[] bytes) {
      inputs.add(hex(bytes));
      return bytes;
    }

    public String input(String text) {
      inputs.add(hex(text.getBytes(StandardCharsets.UTF_8)) + " text "
          + text.replace("\n", "\\n").replace("\r", "\\r"));
      return text;
    }

    private static String hex(byte[] bytes) {
      return bytes.length == 0 ? "(empty)" : HexFormat.of().formatHex(bytes);
    }

    String recorded() {
      return inputs.isEmpty() ? "(nothing recorded)\n" : String.join("\n", inputs) + "\n";
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
    return Integer.getInteger(TRIES, System.getProperty(SEED) == null ? 10_000 : 1);
  }

  /** Runs {@link #tries()} cases one after another; returns how many ran. */
  public static int run(String suite, Body body) {
    return runAsync(suite, 1, 60, c -> {
      body.run(c);
      return CompletableFuture.completedFuture(null);
    });
  }

  /**
   * Runs the cases with up to {@code parallel} in flight, each bounded by {@code caseSeconds}, and
   * starts no more after the first failure; returns how many ran.
   */
  public static int runAsync(String suite, int parallel, int caseSeconds, AsyncBody body) {
    String test = callingTest();
    int tries = tries();
    long base = base(suite);
    long started = System.nanoTime();
    Semaphore inFlight = new Semaphore(parallel);
    Queue<Failure> failures = new ConcurrentLinkedQueue<>();
    List<CompletableFuture<?>> pending = new ArrayList<>();
    int ran = 0;
    for (int i = 0; i < tries && failures.isEmpty(); i++, ran++) {
      Case c = new Case(base + i * STEP);
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
          failures.add(new Failure(c, err));
        }
      }));
      if (pending.size() > 4 * parallel) {
        pending.removeIf(CompletableFuture::isDone);
      }
    }
    pending.forEach(f -> f.handle((ok, err) -> null).join());
    long millis = (System.nanoTime() - started) / 1_000_000;
    System.out.printf("fuzz %s: %d cases from seed 0x%016x in %d ms%n", suite, ran, base, millis);
    Failure failure = failures.peek();
    if (failure != null) {
      String head = String.format("fuzz %s failed for seed 0x%016x%nreplay: %s -D%s=0x%016x%nfailure: %s%n"
          + "input, one recorded per line (hex, and for text the text after it):%n",
          suite, failure.c.seed, test, SEED, failure.c.seed, failure.err);
      String input = failure.c.recorded();
      System.out.println(head + input);
      throw new AssertionError(head + (input.length() <= MAX_INPUT_IN_MESSAGE ? input
          : input.substring(0, MAX_INPUT_IN_MESSAGE) + "...\n(cut here; the whole input is in the test's output,"
          + " target/surefire-reports/*-output.txt)"),
          failure.err);
    }
    return ran;
  }

  private record Failure(Case c, Throwable err) {}

  private static long base(String suite) {
    String seed = System.getProperty(SEED);
    if (seed != null) {
      return seed.regionMatches(true, 0, "0x", 0, 2) ? Long.parseUnsignedLong(seed.substring(2), 16)
          : Long.parseLong(seed);
    }
    // FNV-1a: String.hashCode has 32 bits only, and nothing else in the JDK promises the same value
    // on every JVM.
    long hash = 0xcbf29ce484222325L;
    for (byte b : suite.getBytes(StandardCharsets.UTF_8)) {
      hash = (hash ^ (b & 0xff)) * 0x100000001b3L;
    }
    return hash;
  }

  /** The Maven command, up to the seed, that runs the test calling the runner alone. */
  private static String callingTest() {
    StackWalker.StackFrame frame = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE)
        .walk(frames -> frames.filter(f -> f.getDeclaringClass() != Fuzz.class).findFirst()).orElseThrow();
    Class<?> test = frame.getDeclaringClass();
    String module;
    try {
      // <module>/target/test-classes
      module = Path.of(test.getProtectionDomain().getCodeSource().getLocation().toURI())
          .getParent().getParent().getFileName().toString();
    } catch (Exception unknown) {
      module = "<module>";
    }
    return String.format("mvn -o -pl %s -am test -Dtest='%s#%s' -Dsurefire.failIfNoSpecifiedTests=false",
        module, test.getSimpleName(), frame.getMethodName());
  }

  // ---- inputs ----

  /** 0 to {@code maxLength} random bytes. */
  public static byte[] randomBytes(SplittableRandom r, int maxLength) {
    return bytes(r, r.nextInt(maxLength + 1));
  }

  /** Exactly {@code length} random bytes. */
  public static byte[] bytes(SplittableRandom r, int length) {
    byte[] bytes = new byte[length];
    r.nextBytes(bytes);
    return bytes;
  }

  /** {@code data} cut into 1 to 8 writes at random points, as TCP may deliver it. */
  public static List<byte[]> split(SplittableRandom r, byte[] data) {
    List<byte[]> parts = new ArrayList<>();
    int cuts = r.nextInt(8);
    int at = 0;
    for (int i = 0; i < cuts && at < data.length; i++) {
      int end = Math.min(data.length, at + 1 + r.nextInt(Math.max(1, (data.length - at) / 2)));
      parts.add(Arrays.copyOfRange(data, at, end));
      at = end;
    }
    if (at < data.length || parts.isEmpty()) {
      parts.add(Arrays.copyOfRange(data, at, data.length));
    }
    return parts;
  }

  /**
   * 1 to 4 edits of {@code data}: bit flips, boundary values, overwritten bytes, removed, duplicated
   * or inserted ranges, a cut, and two that length-prefixed formats get wrong: the whole message again
   * (protobuf merges repeated fields) and a length-delimited field claiming a huge length.
   */
  public static byte[] mutate(SplittableRandom r, byte[] data) {
    byte[] out = data.clone();
    for (int edits = 1 + r.nextInt(4); edits > 0; edits--) {
      int at = r.nextInt(out.length + 1);
      // Mostly a short range, sometimes one to the end: small slips and whole fields both happen.
      int room = out.length - at;
      int end = at + (room == 0 ? 0 : 1 + r.nextInt(r.nextBoolean() ? Math.min(16, room) : room));
      int edit = r.nextInt(9);
      switch (edit) {
        case 0, 1, 2 -> {
          if (room > 0) {
            out[at] = switch (edit) {
              case 0 -> (byte) (out[at] ^ 1 << r.nextInt(8));
              case 1 -> BOUNDARIES[r.nextInt(BOUNDARIES.length)];
              default -> (byte) r.nextInt(256);
            };
          }
        }
        case 3 -> out = concat(Arrays.copyOf(out, at), Arrays.copyOfRange(out, end, out.length));
        // Next to itself (a repeated frame or field) or anywhere.
        case 4 -> out = insert(out, r.nextBoolean() ? end : r.nextInt(out.length + 1), Arrays.copyOfRange(out, at, end));
        case 5 -> out = concat(out, out);
        case 6 -> out = insert(out, at, bytes(r, 1 + r.nextInt(16)));
        case 7 -> out = Arrays.copyOf(out, at);
        default -> out = insert(out, at, hugeField(r));
      }
    }
    return out;
  }

  /** The header of a protobuf length-delimited field whose length runs far past the message. */
  private static byte[] hugeField(SplittableRandom r) {
    long length = switch (r.nextInt(3)) {
      case 0 -> 0xFFFF_FFFFL;
      case 1 -> Integer.MAX_VALUE;
      default -> 1L + r.nextInt(1 << 24);
    };
    return concat(varint((1 + r.nextInt(16)) << 3 | 2), varint(length));
  }

  private static byte[] varint(long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (; (value & ~0x7FL) != 0; value >>>= 7) {
      out.write((int) (value & 0x7F) | 0x80);
    }
    out.write((int) value);
    return out.toByteArray();
  }

  private static byte[] insert(byte[] data, int at, byte[] what) {
    return concat(Arrays.copyOf(data, at), what, Arrays.copyOfRange(data, at, data.length));
  }

  public static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  /** What a decoder holds back between reads: the bytes a peer makes it buffer. */
  public static int buffered(ByteToMessageDecoder decoder) {
    try {
      Method internalBuffer = ByteToMessageDecoder.class.getDeclaredMethod("internalBuffer");
      internalBuffer.setAccessible(true);
      return ((ByteBuf) internalBuffer.invoke(decoder)).readableBytes();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }
}
