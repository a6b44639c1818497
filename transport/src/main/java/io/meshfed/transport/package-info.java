/** The transport module (DESIGN §2); filled by its own issue. */
package io.meshfed.transport;
