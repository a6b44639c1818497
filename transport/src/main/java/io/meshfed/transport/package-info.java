/** The transport module: TLS material and contexts, the server port, internal RPC, WAN gossip, dialing. */
package io.meshfed.transport;
