package io.meshfed.server.acl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.meshfed.protocol.model.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rules in Consul's JSON shape, and how a token's policies decide: exact over prefix, deny first. */
class AuthorizerTest {
  private static Rules json(String text) throws Exception {
    return Rules.parse(Json.mapper().readValue(text, Map.class));
  }

  @Test
  void anExactRuleWinsOverPrefixesAndTheLongestPrefixOverShorterOnes() throws Exception {
    Authorizer a = Authorizer.of(List.of(json("""
        {"node_prefix": {"": {"policy": "read"}, "gw-": {"policy": "write"}, "gw-old-": {"policy": "deny"}},
         "node": {"gw-old-1": {"policy": "write"}}}
        """)), Access.DENY);
    assertThat(a.node("db-1", Access.READ)).isTrue();
    assertThat(a.node("db-1", Access.WRITE)).isFalse();
    assertThat(a.node("gw-7", Access.WRITE)).isTrue();
    assertThat(a.node("gw-old-2", Access.READ)).isFalse();
    assertThat(a.node("gw-old-1", Access.WRITE)).isTrue();
  }

  @Test
  void acrossPoliciesDenyWinsAndOtherwiseTheWiderGrant() throws Exception {
    Authorizer a = Authorizer.of(List.of(
        json("{\"service\": {\"web\": {\"policy\": \"read\"}, \"db\": {\"policy\": \"write\"}}, \"operator\": \"read\"}"),
        json("{\"service\": {\"web\": {\"policy\": \"write\"}, \"db\": {\"policy\": \"deny\"}}, \"operator\": \"write\"}")),
        Access.WRITE);
    assertThat(a.service("web", Access.WRITE)).isTrue();
    assertThat(a.service("db", Access.READ)).isFalse();
    assertThat(a.operator(Access.WRITE)).isTrue();
  }

  @Test
  void whatNoRuleNamesFollowsTheDefaultPolicy() throws Exception {
    Rules onlyWeb = json("{\"service\": {\"web\": {\"policy\": \"read\"}}}");
    Authorizer deny = Authorizer.of(List.of(onlyWeb), Access.DENY);
    Authorizer allow = Authorizer.of(List.of(onlyWeb), Access.WRITE);
    assertThat(deny.service("db", Access.READ)).isFalse();
    assertThat(deny.operator(Access.READ)).isFalse();
    assertThat(allow.service("db", Access.WRITE)).isTrue();
    assertThat(allow.operator(Access.WRITE)).isTrue();
    // The named rule still limits what it names.
    assertThat(allow.service("web", Access.WRITE)).isFalse();
  }

  /** Managing ACLs is never granted by default allow: only an acl rule (global-management has one) grants it. */
  @Test
  void aclManagementNeedsARule() throws Exception {
    assertThat(Authorizer.of(List.of(), Access.WRITE).acl(Access.READ)).isFalse();
    assertThat(Authorizer.of(List.of(Rules.everything(Access.WRITE)), Access.WRITE).acl(Access.READ)).isFalse();
    Authorizer reader = Authorizer.of(List.of(json("{\"acl\": \"read\"}")), Access.DENY);
    assertThat(reader.acl(Access.READ)).isTrue();
    assertThat(reader.acl(Access.WRITE)).isFalse();
    assertThat(reader.mayDo(Access.READ)).isTrue();
    Authorizer management = Authorizer.of(List.of(BuiltInPolicies.ALL.get("global-management")), Access.DENY);
    assertThat(management.acl(Access.WRITE)).isTrue();
    assertThat(management.operator(Access.WRITE)).isTrue();
    assertThat(management.node("any", Access.WRITE)).isTrue();
    // Deny wins across policies, for acl as for the rest.
    assertThat(Authorizer.of(List.of(BuiltInPolicies.ALL.get("global-management"), json("{\"acl\": \"deny\"}")),
        Access.DENY).acl(Access.READ)).isFalse();
  }

  @Test
  void mayDoSaysWhetherAnyCallOfAKindCouldPass() throws Exception {
    assertThat(Authorizer.of(List.of(json("{\"node\": {\"n1\": {\"policy\": \"read\"}}}")), Access.DENY)
        .mayDo(Access.WRITE)).isFalse();
    assertThat(Authorizer.of(List.of(json("{\"node\": {\"n1\": {\"policy\": \"write\"}}}")), Access.DENY)
        .mayDo(Access.READ)).isTrue();
    assertThat(Authorizer.of(List.of(), Access.DENY).mayDo(Access.READ)).isFalse();
    assertThat(Authorizer.ALLOW_ALL.mayDo(Access.WRITE)).isTrue();
  }

  @Test
  void theBuiltInPoliciesReadOrWriteEverything() {
    Authorizer read = Authorizer.of(List.of(Rules.everything(Access.READ)), Access.DENY);
    assertThat(read.operator(Access.READ) && read.node("any", Access.READ) && read.service("any", Access.READ)).isTrue();
    assertThat(read.operator(Access.WRITE) || read.node("any", Access.WRITE) || read.service("any", Access.WRITE))
        .isFalse();
  }

  @Test
  void hoconRulesReadTheSameAsJson() throws Exception {
    Rules hocon = Rules.parse(ConfigFactory.parseString(
        "operator = read, node_prefix { \"\" { policy = write } }").root().unwrapped());
    assertThat(hocon).isEqualTo(json("{\"operator\": \"read\", \"node_prefix\": {\"\": {\"policy\": \"write\"}}}"));
  }

  @Test
  void malformedRulesAreOneClearLine() {
    assertThatThrownBy(() -> json("{\"key_prefix\": {}}")).hasMessage(
        "rules: unknown resource 'key_prefix'; use operator, acl, node, node_prefix, service or service_prefix");
    assertThatThrownBy(() -> json("{\"operator\": \"admin\"}"))
        .hasMessage("rules: operator: policy 'admin' is not deny, read or write");
    assertThatThrownBy(() -> json("{\"node\": {\"n1\": \"write\"}}"))
        .hasMessage("rules: node \"n1\" must be {\"policy\": \"deny|read|write\"}");
    assertThatThrownBy(() -> json("{\"service\": [\"web\"]}"))
        .hasMessage("rules: service must map names to {\"policy\": \"read\"}");
    assertThatThrownBy(() -> Rules.parse("operator = read")).hasMessage(
        "rules must be an object such as {\"operator\": \"read\"}");
  }
}
