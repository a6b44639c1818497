package io.meshfed.gateway.splice;

import io.meshfed.gateway.metrics.GatewayMetrics;
import io.meshfed.gateway.route.RoutingTableHolder;
import io.meshfed.gateway.upstream.UpstreamSelector;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.group.ChannelGroup;
import java.time.Duration;

/**
 * What every client connection's handlers share, built once per gateway.
 *
 * @param upstreamBootstrap options and channel type of upstream connections, without event loop:
 *     each is cloned onto its client's loop, so the two channels of a splice never need a lock
 * @param channels every open channel, closed when the gateway closes
 */
public record SpliceConfig(
    RoutingTableHolder routes,
    GatewayMetrics metrics,
    UpstreamSelector selector,
    Bootstrap upstreamBootstrap,
    int connectAttempts,
    int maxConnectionsPerRoute,
    Duration idleTimeout,
    ChannelGroup channels) {}
