package io.meshfed.protocol.convert;

import com.google.protobuf.CodedOutputStream;
import io.meshfed.protocol.model.CheckDefinition;
import io.meshfed.protocol.model.CheckServiceNode;
import io.meshfed.protocol.model.FederationState;
import io.meshfed.protocol.model.HealthCheck;
import io.meshfed.protocol.model.Limits;
import io.meshfed.protocol.model.Node;
import io.meshfed.protocol.model.NodeService;
import io.meshfed.protocol.model.ServiceAddress;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Maps the domain records to and from their {@code meshfed.v1} protobuf messages. */
public final class ProtoConvert {
  private ProtoConvert() {}

  public static io.meshfed.protocol.v1.Node toProto(Node n) {
    var b = io.meshfed.protocol.v1.Node.newBuilder()
        .setNode(n.node()).setAddress(n.address()).setDatacenter(n.datacenter());
    b.putAllTaggedAddresses(n.taggedAddresses()).putAllMeta(n.meta());
    return b.build();
  }

  public static Node fromProto(io.meshfed.protocol.v1.Node n) {
    return new Node(n.getNode(), n.getAddress(), n.getDatacenter(), n.getTaggedAddressesMap(), n.getMetaMap());
  }

  public static io.meshfed.protocol.v1.NodeService toProto(NodeService s) {
    var b = io.meshfed.protocol.v1.NodeService.newBuilder()
        .setId(s.id()).setService(s.service()).setKind(s.kind()).addAllTags(s.tags())
        .setAddress(s.address()).setPort(s.port());
    b.putAllMeta(s.meta());
    s.taggedAddresses().forEach((k, v) -> b.putTaggedAddresses(k, v == null
        ? io.meshfed.protocol.v1.ServiceAddress.getDefaultInstance()
        : io.meshfed.protocol.v1.ServiceAddress.newBuilder().setAddress(v.address()).setPort(v.port()).build()));
    return b.build();
  }

  public static NodeService fromProto(io.meshfed.protocol.v1.NodeService s) {
    Map<String, ServiceAddress> tagged = new LinkedHashMap<>();
    s.getTaggedAddressesMap().forEach((k, v) -> tagged.put(k, new ServiceAddress(v.getAddress(), v.getPort())));
    return new NodeService(s.getId(), s.getService(), s.getKind(), s.getTagsList(), s.getAddress(), s.getPort(),
        s.getMetaMap(), tagged);
  }

  public static io.meshfed.protocol.v1.HealthCheck toProto(HealthCheck c) {
    var b = io.meshfed.protocol.v1.HealthCheck.newBuilder()
        .setNode(c.node()).setCheckId(c.checkId()).setName(c.name()).setStatus(c.status()).setNotes(c.notes())
        .setOutput(c.output()).setServiceId(c.serviceId()).setServiceName(c.serviceName());
    if (c.definition() != null) {
      b.setDefinition(io.meshfed.protocol.v1.CheckDefinition.newBuilder().setTcp(c.definition().tcp())
          .setInterval(c.definition().interval()).setTimeout(c.definition().timeout()));
    }
    return b.build();
  }

  public static HealthCheck fromProto(io.meshfed.protocol.v1.HealthCheck c) {
    CheckDefinition definition = c.hasDefinition() ? new CheckDefinition(c.getDefinition().getTcp(),
        c.getDefinition().getInterval(), c.getDefinition().getTimeout()) : null;
    return new HealthCheck(c.getNode(), c.getCheckId(), c.getName(), c.getStatus(), c.getNotes(), c.getOutput(),
        c.getServiceId(), c.getServiceName(), definition);
  }

  public static io.meshfed.protocol.v1.CheckServiceNode toProto(CheckServiceNode csn) {
    var b = io.meshfed.protocol.v1.CheckServiceNode.newBuilder();
    if (csn.node() != null) {
      b.setNode(toProto(csn.node()));
    }
    if (csn.service() != null) {
      b.setService(toProto(csn.service()));
    }
    csn.checks().forEach(c -> b.addChecks(toProto(c)));
    return b.build();
  }

  public static CheckServiceNode fromProto(io.meshfed.protocol.v1.CheckServiceNode csn) {
    return new CheckServiceNode(
        csn.hasNode() ? fromProto(csn.getNode()) : null,
        csn.hasService() ? fromProto(csn.getService()) : null,
        csn.getChecksList().stream().map(ProtoConvert::fromProto).toList());
  }

  public static List<io.meshfed.protocol.v1.CheckServiceNode> toProto(List<CheckServiceNode> nodes) {
    return nodes.stream().map(ProtoConvert::toProto).toList();
  }

  public static io.meshfed.protocol.v1.FederationState toProto(FederationState fs) {
    var b = io.meshfed.protocol.v1.FederationState.newBuilder()
        .setDatacenter(fs.datacenter())
        .setPrimaryModifyIndex(fs.primaryModifyIndex())
        .setCreateIndex(fs.createIndex())
        .setModifyIndex(fs.modifyIndex())
        .addAllMeshGateways(toProto(fs.meshGateways()));
    if (fs.updatedAt() != null) {
      b.setUpdatedAtMs(epochMilli(fs.updatedAt()));
    }
    return b.build();
  }

  /** Saturates instead of throwing for an instant beyond the long range of milliseconds. */
  private static long epochMilli(Instant at) {
    try {
      return at.toEpochMilli();
    } catch (ArithmeticException e) {
      return at.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }


  public static FederationState fromProto(io.meshfed.protocol.v1.FederationState fs) {
    return new FederationState(
        fs.getDatacenter(),
        fs.getMeshGatewaysList().stream().map(ProtoConvert::fromProto).toList(),
        fs.getUpdatedAtMs() == 0 ? null : Instant.ofEpochMilli(fs.getUpdatedAtMs()),
        fs.getPrimaryModifyIndex(), fs.getCreateIndex(), fs.getModifyIndex());
  }

  /**
   * The encoded size of a federation state as the store keeps it. The indexes the store assigns,
   * and the UpdatedAt it stamps when none is given, count at their widest, so a state measures the
   * same before it is stored and after.
   */
  public static int encodedSize(FederationState fs) {
    FederationState widest = fs.withIndexes(Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE)
        .withUpdatedAt(fs.updatedAt() == null ? Limits.MAX_UPDATED_AT : fs.updatedAt());
    return toProto(widest).getSerializedSize();
  }

  /** The encoded size of a catalog registration: {@code meshfed.v1.RegisterRequest}. */
  public static int encodedSize(Node node, NodeService service, List<HealthCheck> checks) {
    var b = io.meshfed.protocol.v1.RegisterRequest.newBuilder().setNode(toProto(node));
    if (service != null) {
      b.setService(toProto(service));
    }
    checks.forEach(c -> b.addChecks(toProto(c)));
    return b.build().getSerializedSize();
  }

  /** The encoded size of one service instance as a list answer carries it (tag and length included). */
  public static int listedSize(CheckServiceNode entry) {
    return asListElement(toProto(entry).getSerializedSize());
  }

  /** What a message of {@code encodedSize} bytes takes as an element of a list answer's field 1. */
  public static int asListElement(int encodedSize) {
    return 1 + CodedOutputStream.computeUInt32SizeNoTag(encodedSize) + encodedSize;
  }
}
