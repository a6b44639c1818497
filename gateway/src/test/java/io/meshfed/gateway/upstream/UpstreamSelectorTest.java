package io.meshfed.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.meshfed.gateway.route.Route;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class UpstreamSelectorTest {
  private static final InetSocketAddress A = new InetSocketAddress("10.0.0.1", 8300);
  private static final InetSocketAddress B = new InetSocketAddress("10.0.0.2", 8300);
  private static final InetSocketAddress C = new InetSocketAddress("10.0.0.3", 8300);
  private static final Route ROUTE = new Route("server.dc1.meshfed", List.of(A, B, C));

  private final MutableClock clock = new MutableClock();
  private final List<InetSocketAddress> ejections = new ArrayList<>();
  private final UpstreamSelector selector =
      new UpstreamSelector(3, Duration.ofSeconds(30), clock, new SplittableRandom(1), ejections::add);

  @Test
  void spreadsOpenConnectionsEvenly() {
    Map<InetSocketAddress, Integer> open = new HashMap<>();
    for (int i = 0; i < 300; i++) {
      Upstream upstream = selector.choose(ROUTE, Set.of()).orElseThrow();
      upstream.connected();
      open.merge(upstream.address(), 1, Integer::sum);
    }
    assertThat(open.values()).allSatisfy(count -> assertThat(count).isBetween(90, 110));
  }

  @Test
  void prefersTheLessLoadedOfTwo() {
    for (int i = 0; i < 10; i++) {
      open(A);
      open(B);
    }
    for (int i = 0; i < 20; i++) {
      assertThat(selector.choose(new Route("r", List.of(A, C)), Set.of()).orElseThrow().address()).isEqualTo(C);
    }
  }

  @Test
  void neverOffersAnEndpointAlreadyTried() {
    Set<InetSocketAddress> tried = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      tried.add(selector.choose(ROUTE, tried).orElseThrow().address());
    }
    assertThat(tried).containsExactlyInAnyOrder(A, B, C);
    assertThat(selector.choose(ROUTE, tried)).isEmpty();
  }

  @Test
  void ejectsAfterConsecutiveFailuresAndRetriesAfterTheEjectionTime() {
    fail(A, 2);
    succeed(A); // a success in between resets the count
    fail(A, 2);
    assertThat(ejections).isEmpty();
    fail(A, 1);
    assertThat(ejections).containsExactly(A);
    assertThat(selector.isEjected(A)).isTrue();
    for (int i = 0; i < 50; i++) {
      assertThat(selector.choose(ROUTE, Set.of()).orElseThrow().address()).isNotEqualTo(A);
    }
    clock.advance(Duration.ofSeconds(30));
    assertThat(selector.isEjected(A)).isFalse();
    assertThat(chosenIn(100)).contains(A);
  }

  @Test
  void whenEveryEndpointLeftIsEjectedOneIsTriedAnyway() {
    fail(A, 3);
    fail(B, 3);
    assertThat(selector.choose(ROUTE, Set.of(C)).orElseThrow().address()).isIn(A, B);
    assertThat(selector.choose(ROUTE, Set.of(B, C)).orElseThrow().address()).isEqualTo(A);
  }

  @Test
  void retainForgetsEndpointsNoLongerRouted() {
    fail(A, 3);
    selector.retain(List.of(B, C));
    assertThat(selector.isEjected(A)).isFalse();
  }

  private Set<InetSocketAddress> chosenIn(int tries) {
    Set<InetSocketAddress> chosen = new HashSet<>();
    for (int i = 0; i < tries; i++) {
      chosen.add(selector.choose(ROUTE, Set.of()).orElseThrow().address());
    }
    return chosen;
  }

  private void open(InetSocketAddress address) {
    selector.choose(new Route("one", List.of(address)), Set.of()).orElseThrow().connected();
  }

  private void succeed(InetSocketAddress address) {
    Upstream upstream = selector.choose(new Route("one", List.of(address)), Set.of()).orElseThrow();
    upstream.connected();
    upstream.closed();
  }

  private void fail(InetSocketAddress address, int times) {
    for (int i = 0; i < times; i++) {
      selector.choose(new Route("one", List.of(address)), Set.of()).orElseThrow().failed();
    }
  }

  private static final class MutableClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}
