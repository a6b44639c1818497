package io.meshfed.cli.command.acl;

import com.fasterxml.jackson.core.type.TypeReference;
import io.meshfed.cli.CliException;
import io.meshfed.cli.command.ClientOptions;
import io.meshfed.cli.http.ApiClient;
import io.meshfed.cli.http.Json;
import io.meshfed.cli.output.AclView;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshfed acl policy create|update|list|read|delete}. */
@Command(name = "policy", mixinStandardHelpOptions = true, description = "Manage ACL policies.",
    subcommands = {AclPolicyCommand.Create.class, AclPolicyCommand.Update.class, AclPolicyCommand.List_.class,
        AclPolicyCommand.Read.class, AclPolicyCommand.Delete.class})
final class AclPolicyCommand {
  private static final TypeReference<List<AclView.Policy>> POLICIES = new TypeReference<>() {};

  /** The options of create and update. */
  static final class Definition {
    @Option(names = "--description", paramLabel = "TEXT", defaultValue = "", description = "What the policy is for.")
    String description;

    @Option(names = "--rules", paramLabel = "JSON|@FILE", required = true,
        description = "The rules as JSON, e.g. '{\"operator\":\"read\"}', or @FILE to read them from a file.")
    String rules;

    String body(String name) {
      String text = rules;
      if (text.startsWith("@")) {
        try {
          text = Files.readString(Path.of(text.substring(1)));
        } catch (IOException e) {
          throw new CliException("cannot read the rules file " + text.substring(1) + ": " + e.getMessage(), e);
        }
      }
      return Json.MAPPER.createObjectNode().put("Name", name).put("Description", description).put("Rules", text)
          .toString();
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a policy.")
  static final class Create implements Runnable {
    @Mixin
    private ClientOptions client;

    @Option(names = "--name", paramLabel = "NAME", required = true,
        description = "Letters, digits, '-' and '_'; tokens name the policy by it.")
    private String name;

    @Mixin
    private Definition definition;

    @Override
    public void run() {
      String body = client.api().put("/v1/acl/policy", definition.body(name));
      client.print(body, json -> AclView.policy(Json.read(json, AclView.Policy.class)));
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true, description = "Replace a policy's description and rules.")
  static final class Update implements Runnable {
    @Mixin
    private ClientOptions client;

    @Parameters(paramLabel = "NAME", description = "The policy.")
    private String name;

    @Mixin
    private Definition definition;

    @Override
    public void run() {
      String body = client.api().put("/v1/acl/policy/" + ApiClient.encode(name), definition.body(name));
      client.print(body, json -> AclView.policy(Json.read(json, AclView.Policy.class)));
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the policies.")
  static final class List_ implements Runnable {
    @Mixin
    private ClientOptions client;

    @Override
    public void run() {
      String body = client.api().get("/v1/acl/policies");
      client.print(body, json -> AclView.policies(Json.read(json, POLICIES)));
    }
  }

  @Command(name = "read", mixinStandardHelpOptions = true, description = "Show one policy.")
  static final class Read implements Runnable {
    @Mixin
    private ClientOptions client;

    @Parameters(paramLabel = "NAME", description = "The policy.")
    private String name;

    @Override
    public void run() {
      String body = client.api().get("/v1/acl/policy/" + ApiClient.encode(name));
      client.print(body, json -> AclView.policy(Json.read(json, AclView.Policy.class)));
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Delete a policy; tokens that name it lose what it granted.")
  static final class Delete implements Runnable {
    @Mixin
    private ClientOptions client;

    @Parameters(paramLabel = "NAME", description = "The policy.")
    private String name;

    @Override
    public void run() {
      String body = client.api().delete("/v1/acl/policy/" + ApiClient.encode(name));
      client.print(body, json -> "Policy " + name + " deleted.\n");
    }
  }
}
