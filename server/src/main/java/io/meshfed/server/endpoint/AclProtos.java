package io.meshfed.server.endpoint;

import io.meshfed.persistence.store.DcStore;
import io.meshfed.persistence.store.DcStore.QueryResult;
import io.meshfed.protocol.model.AclEntries;
import io.meshfed.protocol.model.AclPolicy;
import io.meshfed.protocol.model.AclToken;
import io.meshfed.protocol.v1.ListAclResponse;
import java.time.Instant;

/** ACL records to and from their {@code meshfed.v1} messages, for forwarded calls and the gRPC API. */
public final class AclProtos {
  private AclProtos() {}

  public static io.meshfed.protocol.v1.AclPolicy toProto(AclPolicy p) {
    return io.meshfed.protocol.v1.AclPolicy.newBuilder().setName(p.name()).setDescription(p.description())
        .setRules(p.rules()).setCreateIndex(p.createIndex()).setModifyIndex(p.modifyIndex()).build();
  }

  public static AclPolicy fromProto(io.meshfed.protocol.v1.AclPolicy p) {
    return new AclPolicy(p.getName(), p.getDescription(), p.getRules(), p.getCreateIndex(), p.getModifyIndex());
  }

  public static io.meshfed.protocol.v1.AclToken toProto(AclEndpoint.TokenWrite w) {
    return io.meshfed.protocol.v1.AclToken.newBuilder().setAccessorId(w.accessorId()).setSecretId(w.secretId())
        .setDescription(w.description()).addAllPolicies(w.policies()).build();
  }

  public static AclEndpoint.TokenWrite tokenWrite(io.meshfed.protocol.v1.AclToken t) {
    return new AclEndpoint.TokenWrite(t.getAccessorId(), t.getSecretId(), t.getDescription(), t.getPoliciesList());
  }

  public static io.meshfed.protocol.v1.AclToken toProto(AclToken t, String secretId) {
    io.meshfed.protocol.v1.AclToken.Builder b = io.meshfed.protocol.v1.AclToken.newBuilder()
        .setAccessorId(t.accessorId()).setSecretId(secretId).setDescription(t.description())
        .addAllPolicies(t.policies()).setCreateIndex(t.createIndex()).setModifyIndex(t.modifyIndex())
        .setSecretHash(t.secretHash());
    if (t.createTime() != null) {
      b.setCreateTimeMs(t.createTime().toEpochMilli());
    }
    return b.build();
  }

  public static AclToken fromProto(io.meshfed.protocol.v1.AclToken t) {
    return new AclToken(t.getAccessorId(), t.getSecretHash(), t.getDescription(), t.getPoliciesList(),
        t.getCreateTimeMs() == 0 ? null : Instant.ofEpochMilli(t.getCreateTimeMs()), t.getCreateIndex(),
        t.getModifyIndex());
  }

  public static io.meshfed.protocol.v1.AclToken answerProto(AclEndpoint.TokenAnswer a) {
    return toProto(a.token(), a.secretId());
  }

  public static AclEndpoint.TokenAnswer answer(io.meshfed.protocol.v1.AclToken t) {
    return new AclEndpoint.TokenAnswer(fromProto(t), t.getSecretId());
  }

  public static ListAclResponse listResponse(QueryResult<AclEntries> r) {
    ListAclResponse.Builder b = ListAclResponse.newBuilder().setMeta(Protos.meta(r))
        .setBootstrapIndex(r.value().bootstrapIndex());
    r.value().policies().forEach(p -> b.addPolicies(toProto(p)));
    r.value().tokens().forEach(t -> b.addTokens(toProto(t, "")));
    return b.build();
  }

  public static QueryResult<AclEntries> fromProto(ListAclResponse r) {
    return new DcStore.AclResult(r.getMeta().getIndex(), new AclEntries(r.getBootstrapIndex(),
        r.getPoliciesList().stream().map(AclProtos::fromProto).toList(),
        r.getTokensList().stream().map(AclProtos::fromProto).toList()));
  }
}
