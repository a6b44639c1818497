package io.meshfed.persistence.store;

import io.meshfed.persistence.store.DcStore.ApplyAclPolicy;
import io.meshfed.persistence.store.DcStore.ApplyAclToken;
import io.meshfed.persistence.store.DcStore.ApplyFederationState;
import io.meshfed.persistence.store.DcStore.BootstrapAcl;
import io.meshfed.persistence.store.DcStore.DeleteAclPolicy;
import io.meshfed.persistence.store.DcStore.DeleteAclToken;
import io.meshfed.persistence.store.DcStore.Command;
import io.meshfed.persistence.store.DcStore.DeregisterCatalog;
import io.meshfed.persistence.store.DcStore.GetFederationState;
import io.meshfed.persistence.store.DcStore.ListAcl;
import io.meshfed.persistence.store.DcStore.ListFederationStates;
import io.meshfed.persistence.store.DcStore.ListMeshGateways;
import io.meshfed.persistence.store.DcStore.ListServices;
import io.meshfed.persistence.store.DcStore.RegisterCatalog;
import io.meshfed.persistence.store.DcStore.Restore;
import io.meshfed.persistence.store.DcStore.SnapshotTaken;
import io.meshfed.persistence.store.DcStore.TakeSnapshot;
import io.meshfed.persistence.store.DcStore.UpdateCheck;
import io.meshfed.persistence.store.DcStore.WriteResult;
import io.meshfed.persistence.store.StoreEvent.AclPolicyDeleted;
import io.meshfed.persistence.store.StoreEvent.AclPolicyUpserted;
import io.meshfed.persistence.store.StoreEvent.AclTokenDeleted;
import io.meshfed.persistence.store.StoreEvent.AclTokenUpserted;
import io.meshfed.persistence.store.StoreEvent.CatalogDeregistered;
import io.meshfed.persistence.store.StoreEvent.CatalogRegistered;
import io.meshfed.persistence.store.StoreEvent.CheckUpdated;
import io.meshfed.persistence.store.StoreEvent.FederationStateDeleted;
import io.meshfed.persistence.store.StoreEvent.FederationStateUpserted;
import io.meshfed.persistence.store.StoreEvent.StoreRestored;
import io.meshfed.persistence.store.StoreState.CatalogNode;
import io.meshfed.protocol.convert.ProtoConvert;
import io.meshfed.protocol.model.AclPolicy;
import io.meshfed.protocol.model.AclToken;
import io.meshfed.protocol.model.AclValidation;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.FederationStateOp;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Limits;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.Quote;
import io.meshfed.protocol.model.Validation;
import io.meshfed.protocol.names.WireConstants;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;

/**
 * The event-sourced store of one DC (see {@link DcStore}). Validation and anything
 * non-deterministic (the clock) happen in the command handler, so events replay to the same state.
 * Parked blocking reads are not state: they live only in this actor instance, so after a restart
 * or a move of the store their callers get no answer and retry when their own ask times out.
 */
final class DcStoreBehavior extends EventSourcedBehavior<Command, StoreEvent, StoreState> {

  /** The wait of parked read {@code readId} is over. */
  record WaitExpired(long readId) implements Command {}

  private enum Table {
    FEDERATION_STATES,
    CATALOG,
    ACL
  }

  private record Parked(Table table, long minIndex, Command read) {}

  private final String datacenter;
  private final TimerScheduler<Command> timers;
  /** Snapshots are taken and restored in the journal's serialized form, the snapshot store's. */
  private final Serialization serialization;
  private final TableSize<FederationState> federationStatesSize =
      new TableSize<>(fs -> ProtoConvert.asListElement(ProtoConvert.encodedSize(fs)));
  private final TableSize<CatalogNode> catalogSize = new TableSize<>(CatalogNode::encodedSize);
  // Insertion order, so that reads woken by one write are answered oldest first.
  private final Map<Long, Parked> parked = new LinkedHashMap<>();
  private long nextReadId;

  static Behavior<Command> create(String datacenter) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new DcStoreBehavior(datacenter, timers, SerializationExtension.get(ctx.getSystem()))));
  }

  private DcStoreBehavior(String datacenter, TimerScheduler<Command> timers, Serialization serialization) {
    // A journal that fails (the database is down or was failed over) restarts the store with
    // backoff, which recovers its state from the journal again; callers see "unavailable" meanwhile.
    super(PersistenceId.of("dc-store", datacenter, "|"),
        SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
    this.datacenter = datacenter;
    this.timers = timers;
    this.serialization = serialization;
  }

  @Override
  public StoreState emptyState() {
    return StoreState.EMPTY;
  }

  /** Snapshots are stored in the journal's records, like events, not as the state's API records. */
  @Override
  public SnapshotAdapter<StoreState> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(StoreState state) {
        return StoreSnapshot.of(state);
      }

      @Override
      public StoreState fromJournal(Object from) {
        if (from instanceof StoreSnapshot snapshot) {
          return snapshot.toState();
        }
        throw new IllegalStateException("not a store snapshot: " + from.getClass().getName());
      }
    };
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public EventHandler<StoreState, StoreEvent> eventHandler() {
    // Each event converts its journal records back to API records and applies them.
    return newEventHandlerBuilder().forAnyState().onAnyEvent((s, e) -> e.applyTo(s));
  }

  @Override
  public CommandHandler<Command, StoreEvent, StoreState> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(ApplyFederationState.class, this::onApplyFederationState)
        .onCommand(DcStore.DecommissionDatacenter.class, this::onDecommission)
        .onCommand(DcStore.RecommissionDatacenter.class, (s, c) -> c.datacenter() == null || c.datacenter().isEmpty()
            ? reject(c.replyTo(), "missing datacenter to recommission")
            : s.decommission(c.datacenter()) == null ? unchanged(s, c.replyTo())
            : persist(new StoreEvent.DatacenterRecommissioned(c.datacenter()), c.replyTo(), next -> {}))
        .onCommand(DcStore.ListDecommissioned.class, (s, c) -> {
          answer(s, c);
          return Effect().none();
        })
        .onCommand(RegisterCatalog.class, this::onRegister)
        .onCommand(DeregisterCatalog.class, this::onDeregister)
        .onCommand(UpdateCheck.class, this::onUpdateCheck)
        .onCommand(ApplyAclPolicy.class, this::onApplyAclPolicy)
        .onCommand(DeleteAclPolicy.class, (s, c) -> s.acl().policies().containsKey(c.name())
            ? persist(new AclPolicyDeleted(c.name()), c.replyTo(), next -> {})
            : unchanged(s, c.replyTo()))
        .onCommand(ApplyAclToken.class, (s, c) -> onApplyAclToken(s, c.token(), false, c.replyTo()))
        .onCommand(DeleteAclToken.class, (s, c) -> s.acl().tokens().containsKey(c.accessorId())
            ? persist(new AclTokenDeleted(c.accessorId()), c.replyTo(), next -> {})
            : unchanged(s, c.replyTo()))
        .onCommand(BootstrapAcl.class, this::onBootstrapAcl)
        .onCommand(TakeSnapshot.class, this::onTakeSnapshot)
        .onCommand(Restore.class, this::onRestore)
        .onCommand(GetFederationState.class,
            (s, c) -> onRead(s, c, Table.FEDERATION_STATES, c.minIndex(), c.waitTime()))
        .onCommand(ListFederationStates.class,
            (s, c) -> onRead(s, c, Table.FEDERATION_STATES, c.minIndex(), c.waitTime()))
        .onCommand(ListMeshGateways.class,
            (s, c) -> onRead(s, c, Table.FEDERATION_STATES, c.minIndex(), c.waitTime()))
        .onCommand(ListServices.class, (s, c) -> onRead(s, c, Table.CATALOG, c.minIndex(), c.waitTime()))
        .onCommand(ListAcl.class, (s, c) -> onRead(s, c, Table.ACL, c.minIndex(), c.waitTime()))
        .onCommand(WaitExpired.class, this::onWaitExpired)
        .build();
  }

  // ---- writes ----

  private Effect<StoreEvent, StoreState> onApplyFederationState(StoreState s, ApplyFederationState c) {
    if (c.op() == null) {
      return reject(c.replyTo(), "missing federation state operation: use upsert or delete");
    }
    if (c.state() == null) {
      return reject(c.replyTo(), "missing federation state");
    }
    FederationState state = c.state();
    if (state.datacenter().isEmpty()) {
      return reject(c.replyTo(), "missing datacenter on federation state");
    }
    FederationState existing = s.federationState(state.datacenter());
    if (c.op() == FederationStateOp.DELETE) {
      if (existing == null) {
        return unchanged(s, c.replyTo());
      }
      long size = federationStatesSize.replacing(s.federationStates(), existing, null);
      return persist(new FederationStateDeleted(state.datacenter()), c.replyTo(),
          next -> federationStatesSize.remember(next.federationStates(), size));
    }
    DcStore.Decommissioned decommissioned = s.decommission(state.datacenter());
    if (decommissioned != null) {
      // A late anti-entropy round of a removed DC, or anyone else: it must not come back by itself.
      return reject(c.replyTo(), DcStore.DECOMMISSIONED + " " + decommissioned.datacenter()
          + " was decommissioned at " + decommissioned.at() + "; to accept it again run `meshfed federation-state"
          + " recommission " + decommissioned.datacenter() + "`");
    }
    // The clock is read here, not in the event handler, so that replay is deterministic.
    FederationState stamped = state.updatedAt() == null ? state.withUpdatedAt(Instant.now()) : state;
    Optional<String> error = Validation.federationStateError(stamped);
    if (error.isPresent()) {
      return reject(c.replyTo(), error.get());
    }
    long size = federationStatesSize.replacing(s.federationStates(), existing, stamped);
    if (!c.replicated() && size > Limits.MAX_FEDERATION_STATES_BYTES
        && size > federationStatesSize.of(s.federationStates())) {
      return reject(c.replyTo(), "the federation states would total " + size + " bytes encoded, over the limit of "
          + Limits.MAX_FEDERATION_STATES_BYTES + "; delete the states of DCs that are gone");
    }
    return persist(FederationStateUpserted.of(stamped), c.replyTo(),
        next -> federationStatesSize.remember(next.federationStates(), size));
  }

  private Effect<StoreEvent, StoreState> onDecommission(StoreState s, DcStore.DecommissionDatacenter c) {
    if (c.datacenter() == null || c.datacenter().isEmpty()) {
      return reject(c.replyTo(), "missing datacenter to decommission");
    }
    if (c.at() == null) {
      return reject(c.replyTo(), "missing time of the decommission of " + c.datacenter());
    }
    if (s.decommission(c.datacenter()) != null) {
      return unchanged(s, c.replyTo());
    }
    FederationState existing = s.federationState(c.datacenter());
    long size = existing == null ? federationStatesSize.of(s.federationStates())
        : federationStatesSize.replacing(s.federationStates(), existing, null);
    return persist(new StoreEvent.DatacenterDecommissioned(c.datacenter(), c.at().toString()), c.replyTo(),
        next -> federationStatesSize.remember(next.federationStates(), size));
  }

  private Effect<StoreEvent, StoreState> onRegister(StoreState s, RegisterCatalog c) {
    Node node = c.node();
    if (node == null) {
      return reject(c.replyTo(), "missing node in catalog registration");
    }
    List<HealthCheck> checks = new ArrayList<>();
    for (HealthCheck check : c.checks() == null ? List.<HealthCheck>of() : c.checks()) {
      checks.add(check == null ? null : Validation.withTruncatedOutput(check.withNode(node.node())));
    }
    Optional<String> error = Validation.registrationError(node, c.service(), checks);
    if (error.isEmpty()) {
      error = unknownServiceError(s, node.node(), c.service(), checks);
    }
    if (error.isPresent()) {
      return reject(c.replyTo(), error.get());
    }
    return writeCatalog(s, node.node(), s.registered(node, c.service(), checks),
        CatalogRegistered.of(node, c.service(), checks), c.replyTo());
  }

  /** A check may only name a service of its node: one registered before, or in the same registration. */
  private static Optional<String> unknownServiceError(StoreState s, String node, NodeService service,
      List<HealthCheck> checks) {
    Set<String> serviceIds = new HashSet<>();
    CatalogNode existing = s.node(node);
    if (existing != null) {
      serviceIds.addAll(existing.services().keySet());
    }
    if (service != null) {
      serviceIds.add(service.id());
    }
    for (HealthCheck check : checks) {
      if (!check.serviceId().isEmpty() && !serviceIds.contains(check.serviceId())) {
        return Optional.of("check " + Quote.single(check.checkId()) + " refers to service "
            + Quote.single(check.serviceId()) + ", which is not registered on node " + Quote.single(node));
      }
    }
    return Optional.empty();
  }

  private Effect<StoreEvent, StoreState> onDeregister(StoreState s, DeregisterCatalog c) {
    if (c.node() == null || c.node().isEmpty()) {
      return reject(c.replyTo(), "node name is empty");
    }
    CatalogDeregistered event = new CatalogDeregistered(c.node(), orEmpty(c.serviceId()), orEmpty(c.checkId()));
    return writeCatalog(s, c.node(), s.deregistered(event.node(), event.serviceId(), event.checkId()), event,
        c.replyTo());
  }

  private Effect<StoreEvent, StoreState> onUpdateCheck(StoreState s, UpdateCheck c) {
    String node = orEmpty(c.node());
    String checkId = orEmpty(c.checkId());
    CatalogNode existing = s.node(node);
    if (existing == null || !existing.checks().containsKey(checkId)) {
      return reject(c.replyTo(), "check " + Quote.single(checkId) + " not found on node " + Quote.single(node));
    }
    String status = orEmpty(c.status());
    String given = Validation.truncatedOutput(orEmpty(c.output()));
    Optional<String> error = Validation.checkStatusError(status).or(() -> Validation.checkOutputError(checkId, given));
    if (error.isPresent()) {
      return reject(c.replyTo(), error.get());
    }
    String output = given;
    Map<String, CatalogNode> next = s.checkUpdated(node, checkId, status, output);
    if (catalogWriteError(s, node, next).isPresent()) {
      // A status must always get through (a gateway that died must turn critical), so an output that
      // would grow the catalog past its limits is cut to the length the check's output had, and if
      // even that does not fit (the status word grew), dropped: the limits have margin for that.
      output = cutToBytes(output, existing.checks().get(checkId).output().getBytes(StandardCharsets.UTF_8).length);
      next = s.checkUpdated(node, checkId, status, output);
      if (catalogWriteError(s, node, next).isPresent()) {
        output = "";
        next = s.checkUpdated(node, checkId, status, output);
      }
    }
    return persistCatalog(s, node, next, new CheckUpdated(node, checkId, status, output), c.replyTo());
  }

  private Effect<StoreEvent, StoreState> onApplyAclPolicy(StoreState s, ApplyAclPolicy c) {
    if (c.policy() == null) {
      return reject(c.replyTo(), "missing ACL policy");
    }
    Optional<String> error = AclValidation.policyError(c.policy());
    if (error.isPresent()) {
      return reject(c.replyTo(), error.get());
    }
    AclPolicy existing = s.acl().policies().get(c.policy().name());
    if (existing == null && s.acl().policies().size() >= Limits.MAX_ACL_POLICIES) {
      return reject(c.replyTo(), "this DC already holds " + Limits.MAX_ACL_POLICIES
          + " ACL policies, the limit; delete policies that are no longer used");
    }
    if (existing != null && existing.withIndexes(0, 0).equals(c.policy().withIndexes(0, 0))) {
      return unchanged(s, c.replyTo());
    }
    long growth = AclValidation.encodedSize(c.policy()) - (existing == null ? 0 : AclValidation.encodedSize(existing));
    Optional<String> tooBig = aclTableError(s, growth);
    if (tooBig.isPresent()) {
      return reject(c.replyTo(), tooBig.get());
    }
    return persist(AclPolicyUpserted.of(c.policy()), c.replyTo(), next -> {});
  }

  private Effect<StoreEvent, StoreState> onBootstrapAcl(StoreState s, BootstrapAcl c) {
    if (s.acl().bootstrapIndex() > 0) {
      return reject(c.replyTo(), DcStore.BOOTSTRAP_DONE + " (it was done at index " + s.acl().bootstrapIndex()
          + "); create tokens with a management token instead");
    }
    return onApplyAclToken(s, c.token(), true, c.replyTo());
  }

  private Effect<StoreEvent, StoreState> onApplyAclToken(StoreState s, AclToken token, boolean bootstrap,
      ActorRef<StatusReply<WriteResult>> replyTo) {
    if (token == null) {
      return reject(replyTo, "missing ACL token");
    }
    Optional<String> error = AclValidation.tokenError(token);
    if (error.isPresent()) {
      return reject(replyTo, error.get());
    }
    AclToken existing = s.acl().tokens().get(token.accessorId());
    if (existing == null && s.acl().tokens().size() >= Limits.MAX_ACL_TOKENS) {
      return reject(replyTo, "this DC already holds " + Limits.MAX_ACL_TOKENS
          + " ACL tokens, the limit; delete tokens that are no longer used");
    }
    for (AclToken other : s.acl().tokens().values()) {
      if (other.secretHash().equals(token.secretHash()) && !other.accessorId().equals(token.accessorId())) {
        return reject(replyTo, "another token already has this secret");
      }
    }
    if (!bootstrap && existing != null && existing.withIndexes(0, 0).equals(token.withIndexes(0, 0))) {
      return unchanged(s, replyTo);
    }
    long growth = AclValidation.encodedSize(token) - (existing == null ? 0 : AclValidation.encodedSize(existing));
    Optional<String> tooBig = aclTableError(s, growth);
    if (tooBig.isPresent()) {
      return reject(replyTo, tooBig.get());
    }
    return persist(AclTokenUpserted.of(token, bootstrap), replyTo, next -> {});
  }

  /**
   * Why the ACL table may not grow by {@code growth}: past its total, which one answer must carry across
   * the LAN. Counted afresh (ACL writes are rare, the table small); a write that does not grow it passes.
   */
  private static Optional<String> aclTableError(StoreState s, long growth) {
    if (growth <= 0) {
      return Optional.empty();
    }
    long size = 0;
    for (AclPolicy p : s.acl().policies().values()) {
      size += AclValidation.encodedSize(p);
    }
    for (AclToken t : s.acl().tokens().values()) {
      size += AclValidation.encodedSize(t);
    }
    if (size + growth <= Limits.MAX_ACL_TABLE_BYTES) {
      return Optional.empty();
    }
    return Optional.of("the ACL table would be " + (size + growth) + " bytes, over the limit of "
        + Limits.MAX_ACL_TABLE_BYTES + "; delete tokens and policies that are no longer used");
  }

  /** The longest start of {@code text} that fits {@code max} UTF-8 bytes, not cutting a character. */
  private static String cutToBytes(String text, int max) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    if (bytes.length <= max) {
      return text;
    }
    int keep = max;
    while (keep > 0 && (bytes[keep] & 0xC0) == 0x80) {
      keep--;
    }
    return new String(bytes, 0, keep, StandardCharsets.UTF_8);
  }

  /**
   * Journals a catalog write that changes something. A write that changes nothing answers at once
   * and wakes no reader; one that would grow the catalog over its total, or leave the DC's mesh
   * gateways unfit for a federation state, is rejected.
   */
  private Effect<StoreEvent, StoreState> writeCatalog(StoreState s, String nodeName, Map<String, CatalogNode> next,
      StoreEvent event, ActorRef<StatusReply<WriteResult>> replyTo) {
    if (next.equals(s.nodes())) {
      return unchanged(s, replyTo);
    }
    Optional<String> error = catalogWriteError(s, nodeName, next);
    if (error.isPresent()) {
      return reject(replyTo, error.get());
    }
    return persistCatalog(s, nodeName, next, event, replyTo);
  }

  private Effect<StoreEvent, StoreState> persistCatalog(StoreState s, String nodeName, Map<String, CatalogNode> next,
      StoreEvent event, ActorRef<StatusReply<WriteResult>> replyTo) {
    if (next.equals(s.nodes())) {
      return unchanged(s, replyTo);
    }
    long size = catalogSize.replacing(s.nodes(), s.node(nodeName), next.get(StoreState.nodeKey(nodeName)));
    return persist(event, replyTo, state -> catalogSize.remember(state.nodes(), size));
  }

  /** Why the catalog may not become {@code next}: past its total, or its mesh gateways unpublishable. */
  private Optional<String> catalogWriteError(StoreState s, String nodeName, Map<String, CatalogNode> next) {
    CatalogNode before = s.node(nodeName);
    CatalogNode after = next.get(StoreState.nodeKey(nodeName));
    long size = catalogSize.replacing(s.nodes(), before, after);
    if (size > Limits.MAX_CATALOG_BYTES && size > catalogSize.of(s.nodes())) {
      return Optional.of("the catalog would be " + size + " bytes encoded, over the limit of "
          + Limits.MAX_CATALOG_BYTES + "; deregister what is gone");
    }
    return meshGatewaysError(s.nodes(), next, before, after);
  }

  /**
   * Anti-entropy publishes the catalog's mesh gateways as this DC's federation state, so a write
   * that would make them an invalid one (too many, too big) could never be published: it is
   * rejected. Gateways already unfit before the write (stored before these limits) do not block it.
   */
  private Optional<String> meshGatewaysError(Map<String, CatalogNode> current, Map<String, CatalogNode> next,
      CatalogNode before, CatalogNode after) {
    if (!hostsMeshGateway(before) && !hostsMeshGateway(after)) {
      return Optional.empty();
    }
    Optional<String> error = Validation.federationStateError(meshGatewaysState(next));
    if (error.isEmpty() || Validation.federationStateError(meshGatewaysState(current)).isPresent()) {
      return Optional.empty();
    }
    return Optional.of("this DC's mesh gateways would no longer fit in its federation state, so anti-entropy "
        + "could not publish them: " + error.get());
  }

  private FederationState meshGatewaysState(Map<String, CatalogNode> nodes) {
    return new FederationState(datacenter, StoreState.services(nodes, "", WireConstants.KIND_MESH_GATEWAY), null,
        0, 0, 0);
  }

  private static boolean hostsMeshGateway(CatalogNode node) {
    return node != null
        && node.services().values().stream().anyMatch(s -> s.kind().equals(WireConstants.KIND_MESH_GATEWAY));
  }

  // ---- snapshots for backups ----

  /** Serialized here, inside the actor, so that the snapshot is one point of the store's history. */
  private Effect<StoreEvent, StoreState> onTakeSnapshot(StoreState s, TakeSnapshot c) {
    StoreSnapshot snapshot = StoreSnapshot.of(s);
    try {
      Serializer serializer = serialization.findSerializerFor(snapshot);
      c.replyTo().tell(StatusReply.success(new SnapshotTaken(datacenter, s.index(), serializer.identifier(),
          Serializers.manifestFor(serializer, snapshot), serializer.toBinary(snapshot))));
    } catch (RuntimeException e) {
      c.replyTo().tell(StatusReply.error("cannot serialize the store of DC " + Quote.single(datacenter)
          + " at index " + s.index() + ": " + e));
    }
    return Effect().none();
  }

  private Effect<StoreEvent, StoreState> onRestore(StoreState s, Restore c) {
    Object read;
    try {
      read = serialization.deserialize(c.payload(), c.serializerId(), c.manifest()).get();
    } catch (Exception e) {
      return reject(c.replyTo(), "the snapshot's payload (serializer " + c.serializerId() + ", manifest "
          + Quote.single(c.manifest()) + ") cannot be read by this version: " + e);
    }
    if (!(read instanceof StoreSnapshot snapshot)) {
      return reject(c.replyTo(), "the snapshot's payload is a " + read.getClass().getName() + ", not a store snapshot");
    }
    // The empty store's index is 1: anything above is a write that the restore would throw away.
    if (s.index() > StoreState.EMPTY.index() && !c.force()) {
      return reject(c.replyTo(), DcStore.RESTORE_NOT_EMPTY + ": DC " + Quote.single(datacenter)
          + " has a journal with writes (store index " + s.index() + "), which a restore would replace");
    }
    return persist(new StoreRestored(snapshot), c.replyTo(), next -> {});
  }

  private Effect<StoreEvent, StoreState> persist(StoreEvent event, ActorRef<StatusReply<WriteResult>> replyTo,
      Consumer<StoreState> measured) {
    return Effect().persist(event).thenRun(next -> {
      measured.accept(next);
      replyTo.tell(StatusReply.success(new WriteResult(next.index(), true)));
      wakeParked(next);
    });
  }

  private Effect<StoreEvent, StoreState> unchanged(StoreState s, ActorRef<StatusReply<WriteResult>> replyTo) {
    replyTo.tell(StatusReply.success(new WriteResult(s.index(), false)));
    return Effect().none();
  }

  private Effect<StoreEvent, StoreState> reject(ActorRef<StatusReply<WriteResult>> replyTo, String message) {
    replyTo.tell(StatusReply.error(message));
    return Effect().none();
  }

  // ---- reads ----

  private Effect<StoreEvent, StoreState> onRead(
      StoreState s, Command read, Table table, long minIndex, Duration waitTime) {
    if (minIndex > 0 && reportedIndex(s, table) <= minIndex) {
      long id = nextReadId++;
      parked.put(id, new Parked(table, minIndex, read));
      timers.startSingleTimer(id, new WaitExpired(id), withJitter(waitTime));
    } else {
      answer(s, read);
    }
    return Effect().none();
  }

  /** Consul's blocking-query wait: default if unset, capped, plus up to 1/16 jitter to spread wake-ups. */
  private static Duration withJitter(Duration requested) {
    Duration wait = requested == null || requested.isZero() || requested.isNegative()
        ? DcStore.DEFAULT_WAIT : requested;
    if (wait.compareTo(DcStore.MAX_WAIT) > 0) {
      wait = DcStore.MAX_WAIT;
    }
    long jitter = ThreadLocalRandom.current().nextLong(wait.toNanos() / 16 + 1);
    return wait.plusNanos(jitter);
  }

  private Effect<StoreEvent, StoreState> onWaitExpired(StoreState s, WaitExpired c) {
    Parked p = parked.remove(c.readId());
    if (p != null) {
      answer(s, p.read());
    }
    return Effect().none();
  }

  private void wakeParked(StoreState s) {
    Iterator<Map.Entry<Long, Parked>> it = parked.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Long, Parked> e = it.next();
      Parked p = e.getValue();
      if (reportedIndex(s, p.table()) > p.minIndex()) {
        it.remove();
        timers.cancel(e.getKey());
        answer(s, p.read());
      }
    }
  }

  /** Like Consul, a table never reports index 0, so that "minIndex 0" always means "don't block". */
  private static long reportedIndex(StoreState s, Table table) {
    long index = switch (table) {
      case CATALOG -> s.catalogIndex();
      case FEDERATION_STATES -> s.federationStatesIndex();
      case ACL -> s.acl().index();
    };
    return Math.max(1, index);
  }

  private static void answer(StoreState s, Command read) {
    long fedIndex = reportedIndex(s, Table.FEDERATION_STATES);
    if (read instanceof GetFederationState r) {
      String dc = orEmpty(r.datacenter());
      r.replyTo().tell(StatusReply.success(new DcStore.FederationStateResult(fedIndex, s.federationState(dc))));
    } else if (read instanceof ListFederationStates r) {
      r.replyTo().tell(StatusReply.success(new DcStore.FederationStatesResult(fedIndex, s.federationStateList())));
    } else if (read instanceof ListMeshGateways r) {
      r.replyTo().tell(StatusReply.success(new DcStore.MeshGatewaysResult(fedIndex, s.meshGateways())));
    } else if (read instanceof DcStore.ListDecommissioned r) {
      r.replyTo().tell(StatusReply.success(new DcStore.DecommissionedResult(s.index(),
          List.copyOf(s.decommissioned().values()))));
    } else if (read instanceof ListAcl r) {
      r.replyTo().tell(StatusReply.success(new DcStore.AclResult(reportedIndex(s, Table.ACL), s.acl().entries())));
    } else if (read instanceof ListServices r) {
      r.replyTo().tell(StatusReply.success(new DcStore.ServicesResult(
          reportedIndex(s, Table.CATALOG), s.services(orEmpty(r.name()), orEmpty(r.kind())))));
    } else {
      throw new IllegalArgumentException("not a read: " + read);
    }
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }
}
