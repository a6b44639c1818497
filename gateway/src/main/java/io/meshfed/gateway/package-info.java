/** The gateway module (DESIGN §2); filled by its own issue. */
package io.meshfed.gateway;
