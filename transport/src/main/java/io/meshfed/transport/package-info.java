/**
 * How servers reach each other: TLS material and contexts ({@code tls}), the multiplexed server port
 * ({@code port}), internal RPC ({@code rpc}), the framing and pools of WAN gossip ({@code gossip}),
 * dialing through mesh gateways ({@code dial}), connection limits and rate-limited logging.
 */
package io.meshfed.transport;
