/**
 * The transactional outbox: {@link dev.layerkit.events.outbox.Outbox} writes an event into an
 * outbox table in the same PostgreSQL transaction as the state change it describes, and {@link
 * dev.layerkit.events.outbox.OutboxRelay} publishes the rows in order and marks them sent. Needs
 * the PostgreSQL JDBC driver ({@code org.postgresql:postgresql}) on the class path.
 */
@NullMarked
package dev.layerkit.events.outbox;

import org.jspecify.annotations.NullMarked;
