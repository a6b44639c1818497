/**
 * The gateway benchmark's harness: one TLS server and one TLS client, used unchanged for every
 * target ({@code direct}, {@code haproxy}, {@code meshfed}) so that only the hop in between differs.
 * Driven by {@code bench/gateway.sh}; results are documented in docs/benchmarks.md.
 */
package io.meshfed.bench;
