/**
 * The server port: one TCP listener that peeks the first byte, terminates native TLS with
 * mutual authentication, and hands each connection to the protocol its ALPN id (RFC 7301) or, where
 * TLS is not configured, its plaintext type byte names.
 */
package io.meshfed.transport.port;
