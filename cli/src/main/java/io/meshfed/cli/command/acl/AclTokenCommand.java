package io.meshfed.cli.command.acl;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfed.cli.command.ClientOptions;
import io.meshfed.cli.http.ApiClient;
import io.meshfed.cli.http.Json;
import io.meshfed.cli.output.AclView;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code meshfed acl token create|update|list|read|delete}. */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Manage ACL tokens.",
    subcommands = {AclTokenCommand.Create.class, AclTokenCommand.Update.class, AclTokenCommand.List_.class,
        AclTokenCommand.Read.class, AclTokenCommand.Delete.class})
final class AclTokenCommand {
  private static final TypeReference<List<AclView.Token>> TOKENS = new TypeReference<>() {};

  /** The options of create and update. */
  static final class Definition {
    @Option(names = "--description", paramLabel = "TEXT", defaultValue = "", description = "What the token is for.")
    String description;

    @Option(names = "--policy", paramLabel = "NAME", description = "A policy the token carries; repeat for several.")
    List<String> policies = new ArrayList<>();

    ObjectNode body() {
      ObjectNode body = Json.MAPPER.createObjectNode().put("Description", description);
      ArrayNode links = body.putArray("Policies");
      policies.forEach(p -> links.addObject().put("Name", p));
      return body;
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Create a token; prints its secret, which is shown only this once.")
  static final class Create implements Runnable {
    @Mixin
    private ClientOptions client;

    @Mixin
    private Definition definition;

    @Option(names = "--secret", paramLabel = "UUID",
        description = "Use this secret (a UUID) instead of a new one: for tokens provisioned ahead of time.")
    private String secret;

    @Override
    public void run() {
      ObjectNode body = definition.body();
      if (secret != null) {
        body.put("SecretID", secret);
      }
      String answer = client.api().put("/v1/acl/token", body.toString());
      client.print(answer, json -> AclView.token(Json.read(json, AclView.Token.class)));
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true,
      description = "Replace a token's description and policies; its secret stays.")
  static final class Update implements Runnable {
    @Mixin
    private ClientOptions client;

    @Parameters(paramLabel = "ACCESSOR-ID", description = "The token.")
    private String accessor;

    @Mixin
    private Definition definition;

    @Override
    public void run() {
      String answer = client.api().put("/v1/acl/token/" + ApiClient.encode(accessor), definition.body().toString());
      client.print(answer, json -> AclView.token(Json.read(json, AclView.Token.class)));
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the tokens (never their secrets).")
  static final class List_ implements Runnable {
    @Mixin
    private ClientOptions client;

    @Override
    public void run() {
      String body = client.api().get("/v1/acl/tokens");
      client.print(body, json -> AclView.tokens(Json.read(json, TOKENS)));
    }
  }

  @Command(name = "read", mixinStandardHelpOptions = true, description = "Show one token (not its secret).")
  static final class Read implements Runnable {
    @Mixin
    private ClientOptions client;

    @Parameters(paramLabel = "ACCESSOR-ID", description = "The token.")
    private String accessor;

    @Override
    public void run() {
      String body = client.api().get("/v1/acl/token/" + ApiClient.encode(accessor));
      client.print(body, json -> AclView.token(Json.read(json, AclView.Token.class)));
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a token: it stops working in every DC.")
  static final class Delete implements Runnable {
    @Mixin
    private ClientOptions client;

    @Parameters(paramLabel = "ACCESSOR-ID", description = "The token.")
    private String accessor;

    @Override
    public void run() {
      String body = client.api().delete("/v1/acl/token/" + ApiClient.encode(accessor));
      client.print(body, json -> "Token " + accessor + " deleted.\n");
    }
  }
}
