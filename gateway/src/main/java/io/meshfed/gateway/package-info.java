/**
 * The mesh gateway: {@link io.meshfed.gateway.MeshGateway} routes TLS connections by the
 * SNI name of their ClientHello ({@code sni}) using a swappable table ({@code route}), chooses an
 * endpoint ({@code upstream}), splices bytes ({@code splice}) and serves metrics ({@code metrics},
 * {@code admin}).
 */
package io.meshfed.gateway;
