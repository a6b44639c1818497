package io.meshfed.server.acl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Token secrets are kept only as their SHA-256: the store, its replicas and the servers' memory
 * hold the hash, and a request's token is found by the hash of what it presents. A fast hash is
 * enough because the server makes secrets of 122 random bits (and accepts only UUIDs from callers
 * that bring their own), which no dictionary holds.
 */
public final class Secrets {
  private Secrets() {}

  /** The lower-case hex SHA-256 of the secret's UTF-8 bytes. */
  public static String hash(String secret) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha.digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** A new random ID in the lower-case UUID form: for accessor IDs and secrets. */
  public static String newId() {
    return UUID.randomUUID().toString();
  }
}
