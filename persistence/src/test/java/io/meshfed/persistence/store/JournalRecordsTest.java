package io.meshfed.persistence.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import io.meshfed.persistence.store.StoreEvent.CatalogRegistered;
import io.meshfed.persistence.store.StoreEvent.FederationStateUpserted;
import io.meshfed.protocol.model.AclPolicy;
import io.meshfed.protocol.model.AclToken;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import java.lang.reflect.Constructor;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The journal's records (events and snapshots) are a format of their own: they hold nothing of the
 * API's types, and every component of the API records the store keeps survives the trip through
 * them, so that a field added to an API record but not to the journal fails here rather than
 * vanishing on recovery.
 */
class JournalRecordsTest {
  private static final String JOURNAL_PACKAGE = "io.meshfed.persistence.store.journal";
  private static ActorTestKit testKit;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("journal-records-test", ConfigFactory.load());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void everyComponentOfAFederationStateSurvivesTheJournal() {
    FederationState state = filled(FederationState.class);
    assertThat(JournalRecords.toModel(JournalRecords.toJournal(state))).isEqualTo(state);
    StoreEvent read = roundTrip(FederationStateUpserted.of(state));
    assertThat(JournalRecords.toModel(((FederationStateUpserted) read).state())).isEqualTo(state);
  }

  @Test
  void everyComponentOfARegistrationSurvivesTheJournal() {
    Node node = filled(Node.class);
    NodeService service = filled(NodeService.class);
    List<HealthCheck> checks = List.of(filled(HealthCheck.class), filled(HealthCheck.class).withNode("other"));
    CatalogRegistered read = (CatalogRegistered) roundTrip(CatalogRegistered.of(node, service, checks));
    assertThat(JournalRecords.toModel(read.node())).isEqualTo(node);
    assertThat(JournalRecords.toModel(read.service())).isEqualTo(service);
    assertThat(JournalRecords.checksToModel(read.checks())).isEqualTo(checks);
  }

  @Test
  void everyComponentOfAnAclPolicyAndTokenSurvivesTheJournal() {
    AclPolicy policy = filled(AclPolicy.class);
    StoreEvent readPolicy = roundTrip(StoreEvent.AclPolicyUpserted.of(policy));
    assertThat(JournalRecords.toModel(((StoreEvent.AclPolicyUpserted) readPolicy).policy())).isEqualTo(policy);
    AclToken token = filled(AclToken.class);
    StoreEvent readToken = roundTrip(StoreEvent.AclTokenUpserted.of(token, true));
    assertThat(JournalRecords.toModel(((StoreEvent.AclTokenUpserted) readToken).token())).isEqualTo(token);
    assertThat(((StoreEvent.AclTokenUpserted) readToken).bootstrap()).isTrue();
  }

  @Test
  void everyComponentOfTheStateSurvivesASnapshot() {
    StoreState state = StoreState.EMPTY.withFederationState(filled(FederationState.class));
    Node node = filled(Node.class);
    NodeService service = filled(NodeService.class);
    state = state.withCatalog(state.registered(node, service,
        List.of(filled(HealthCheck.class).withNode(node.node()))));
    state = state.withAclPolicy(filled(AclPolicy.class)).withAclToken(filled(AclToken.class), true);
    Serialization serialization = SerializationExtension.get(testKit.system());
    StoreSnapshot snapshot = StoreSnapshot.of(state);
    var serializer = serialization.findSerializerFor(snapshot);
    StoreSnapshot read = (StoreSnapshot) serialization.deserialize(serialization.serialize(snapshot).get(),
        serializer.identifier(), Serializers.manifestFor(serializer, snapshot)).get();
    assertThat(read.toState()).isEqualTo(state);
  }

  @Test
  void absentOptionalPartsStayAbsent() {
    HealthCheck noDefinition = new HealthCheck("n1", "c", "c", HealthCheck.PASSING, "", "", "", "");
    CatalogRegistered read = (CatalogRegistered) roundTrip(
        CatalogRegistered.of(filled(Node.class), null, List.of(noDefinition)));
    assertThat(read.service()).isNull();
    assertThat(JournalRecords.checksToModel(read.checks())).containsExactly(noDefinition);
    FederationState unstamped = new FederationState("dc2", List.of(), null, 0, 0, 0);
    assertThat(JournalRecords.toModel(((FederationStateUpserted) roundTrip(FederationStateUpserted.of(unstamped)))
        .state())).isEqualTo(unstamped);
  }

  @Test
  void theJournalRecordsHoldOnlyJdkValuesAndRecordsOfTheJournalPackage() {
    Deque<Class<?>> todo = new ArrayDeque<>(Arrays.asList(StoreEvent.class.getPermittedSubclasses()));
    todo.add(StoreSnapshot.class);
    Set<Class<?>> seen = new HashSet<>();
    List<String> foreign = new ArrayList<>();
    while (!todo.isEmpty()) {
      Class<?> type = todo.pop();
      if (!seen.add(type)) {
        continue;
      }
      for (RecordComponent c : type.getRecordComponents()) {
        checkType(type.getSimpleName() + "." + c.getName(), c.getGenericType(), todo, foreign);
      }
    }
    assertThat(foreign).as("journal fields of types that are not the journal's own").isEmpty();
    assertThat(seen).extracting(Class::getSimpleName)
        .contains("JournalCheckDefinition", "JournalServiceAddress", "JournalCatalogNode");
  }

  private static void checkType(String where, Type type, Deque<Class<?>> todo, List<String> foreign) {
    if (type instanceof ParameterizedType p && (p.getRawType() == List.class || p.getRawType() == Map.class)) {
      Type[] args = p.getActualTypeArguments();
      if (p.getRawType() == Map.class && args[0] != String.class) {
        foreign.add(where + ": map keys must be strings, not " + args[0].getTypeName());
      }
      checkType(where + "[]", args[args.length - 1], todo, foreign);
    } else if (type == String.class || type == long.class || type == int.class || type == boolean.class) {
      return;
    } else if (type == StoreSnapshot.class) {
      // A restore's event carries a whole snapshot, which is checked as the snapshots' record.
      todo.push(StoreSnapshot.class);
    } else if (type instanceof Class<?> c && c.isRecord() && c.getPackageName().equals(JOURNAL_PACKAGE)) {
      todo.push(c);
    } else {
      foreign.add(where + ": " + type.getTypeName());
    }
  }

  private static StoreEvent roundTrip(StoreEvent event) {
    Serialization serialization = SerializationExtension.get(testKit.system());
    var serializer = serialization.findSerializerFor(event);
    byte[] bytes = serialization.serialize(event).get();
    return (StoreEvent) serialization.deserialize(bytes, serializer.identifier(),
        Serializers.manifestFor(serializer, event)).get();
  }

  // ---- API records with every component set ----

  private static int counter;

  /**
   * An instance of {@code type} whose every component, down the nested records, holds a distinct
   * non-default value. A component of a type this cannot fill fails the test: teach it the type.
   */
  @SuppressWarnings("unchecked")
  static <T> T filled(Class<T> type) {
    return (T) fill(type, type.getSimpleName());
  }

  private static Object fill(Type type, String path) {
    int n = ++counter;
    if (type == String.class) {
      return path + "-" + n;
    } else if (type == int.class) {
      return 1000 + n;
    } else if (type == long.class) {
      return 100_000L + n;
    } else if (type == boolean.class) {
      return true;
    } else if (type == Instant.class) {
      return Instant.ofEpochSecond(1_700_000_000L + n, 123_456_789);
    } else if (type instanceof ParameterizedType p && p.getRawType() == List.class) {
      Type element = p.getActualTypeArguments()[0];
      return List.of(fill(element, path + "[0]"), fill(element, path + "[1]"));
    } else if (type instanceof ParameterizedType p && p.getRawType() == Map.class
        && p.getActualTypeArguments()[0] == String.class) {
      Type value = p.getActualTypeArguments()[1];
      Map<String, Object> m = new LinkedHashMap<>();
      m.put(path + "-k" + n, fill(value, path + "{a}"));
      m.put(path + "-j" + n, fill(value, path + "{b}"));
      return m;
    } else if (type instanceof Class<?> c && c.isRecord()) {
      RecordComponent[] components = c.getRecordComponents();
      Object[] values = new Object[components.length];
      Class<?>[] types = new Class<?>[components.length];
      for (int i = 0; i < components.length; i++) {
        values[i] = fill(components[i].getGenericType(), path + "." + components[i].getName());
        types[i] = components[i].getType();
      }
      try {
        Constructor<?> canonical = c.getDeclaredConstructor(types);
        return canonical.newInstance(values);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot build " + c.getName(), e);
      }
    }
    throw new AssertionError("no value for " + path + " of type " + type.getTypeName()
        + ": teach JournalRecordsTest.fill this type");
  }
}
