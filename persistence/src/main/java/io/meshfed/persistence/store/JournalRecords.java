package io.meshfed.persistence.store;

import io.meshfed.persistence.store.journal.JournalAclPolicy;
import io.meshfed.persistence.store.journal.JournalAclToken;
import io.meshfed.persistence.store.journal.JournalCheck;
import io.meshfed.persistence.store.journal.JournalCheckDefinition;
import io.meshfed.persistence.store.journal.JournalFederationState;
import io.meshfed.persistence.store.journal.JournalNode;
import io.meshfed.persistence.store.journal.JournalService;
import io.meshfed.persistence.store.journal.JournalServiceAddress;
import io.meshfed.persistence.store.journal.JournalServiceInstance;
import io.meshfed.protocol.model.AclPolicy;
import io.meshfed.protocol.model.AclToken;
import io.meshfed.protocol.model.CheckDefinition;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.ServiceAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Converts between the API records the store works with and the journal's records. Both ways are
 * lossless for every value the store accepts ({@code JournalRecordsTest} checks each component),
 * so a state computed from the API records equals the state its journaled event replays to.
 * Journal values read from older entries may lack fields (null); the API records' constructors
 * give those their defaults.
 */
final class JournalRecords {
  private JournalRecords() {}

  static JournalFederationState toJournal(FederationState s) {
    return new JournalFederationState(s.datacenter(), list(s.meshGateways(), JournalRecords::toJournal),
        s.updatedAt() == null ? null : s.updatedAt().toString(), s.primaryModifyIndex(), s.createIndex(),
        s.modifyIndex());
  }

  static FederationState toModel(JournalFederationState s) {
    return new FederationState(s.datacenter(), list(s.meshGateways(), JournalRecords::toModel),
        s.updatedAt() == null ? null : Instant.parse(s.updatedAt()), s.primaryModifyIndex(), s.createIndex(),
        s.modifyIndex());
  }

  static JournalServiceInstance toJournal(CheckServiceNode c) {
    return new JournalServiceInstance(toJournal(c.node()), toJournal(c.service()),
        list(c.checks(), JournalRecords::toJournal));
  }

  static CheckServiceNode toModel(JournalServiceInstance c) {
    return new CheckServiceNode(toModel(c.node()), toModel(c.service()), list(c.checks(), JournalRecords::toModel));
  }

  static JournalNode toJournal(Node n) {
    return n == null ? null
        : new JournalNode(n.node(), n.address(), n.datacenter(), n.taggedAddresses(), n.meta());
  }

  static Node toModel(JournalNode n) {
    return n == null ? null : new Node(n.node(), n.address(), n.datacenter(), n.taggedAddresses(), n.meta());
  }

  static JournalService toJournal(NodeService s) {
    return s == null ? null
        : new JournalService(s.id(), s.service(), s.kind(), s.tags(), s.address(), s.port(), s.meta(),
            map(s.taggedAddresses(), a -> new JournalServiceAddress(a.address(), a.port())));
  }

  static NodeService toModel(JournalService s) {
    return s == null ? null
        : new NodeService(s.id(), s.service(), s.kind(), s.tags(), s.address(), s.port(), s.meta(),
            map(s.taggedAddresses(), a -> new ServiceAddress(a.address(), a.port())));
  }

  static JournalCheck toJournal(HealthCheck c) {
    CheckDefinition d = c.definition();
    return new JournalCheck(c.node(), c.checkId(), c.name(), c.status(), c.notes(), c.output(), c.serviceId(),
        c.serviceName(), d == null ? null : new JournalCheckDefinition(d.tcp(), d.interval(), d.timeout()));
  }

  static HealthCheck toModel(JournalCheck c) {
    JournalCheckDefinition d = c.definition();
    return new HealthCheck(c.node(), c.checkId(), c.name(), c.status(), c.notes(), c.output(), c.serviceId(),
        c.serviceName(), d == null ? null : new CheckDefinition(d.tcp(), d.interval(), d.timeout()));
  }

  static JournalAclPolicy toJournal(AclPolicy p) {
    return new JournalAclPolicy(p.name(), p.description(), p.rules(), p.createIndex(), p.modifyIndex());
  }

  static AclPolicy toModel(JournalAclPolicy p) {
    return new AclPolicy(p.name(), p.description(), p.rules(), p.createIndex(), p.modifyIndex());
  }

  static JournalAclToken toJournal(AclToken t) {
    return new JournalAclToken(t.accessorId(), t.secretHash(), t.description(), t.policies(),
        t.createTime() == null ? null : t.createTime().toString(), t.createIndex(), t.modifyIndex());
  }

  static AclToken toModel(JournalAclToken t) {
    return new AclToken(t.accessorId(), t.secretHash(), t.description(), t.policies(),
        t.createTime() == null ? null : Instant.parse(t.createTime()), t.createIndex(), t.modifyIndex());
  }

  static List<JournalCheck> checksToJournal(List<HealthCheck> checks) {
    return list(checks, JournalRecords::toJournal);
  }

  static List<HealthCheck> checksToModel(List<JournalCheck> checks) {
    return list(checks, JournalRecords::toModel);
  }

  /** Null (a field an older entry lacks) stays null: the receiving constructor decides its default. */
  private static <A, B> List<B> list(List<A> from, Function<A, B> convert) {
    if (from == null) {
      return null;
    }
    List<B> to = new ArrayList<>(from.size());
    for (A a : from) {
      to.add(a == null ? null : convert.apply(a));
    }
    return Collections.unmodifiableList(to);
  }

  private static <A, B> Map<String, B> map(Map<String, A> from, Function<A, B> convert) {
    if (from == null) {
      return null;
    }
    Map<String, B> to = new LinkedHashMap<>();
    from.forEach((k, v) -> to.put(k, v == null ? null : convert.apply(v)));
    return Collections.unmodifiableMap(to);
  }
}
